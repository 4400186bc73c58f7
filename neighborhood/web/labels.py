"""Words the pages show for codes (families, statuses, roles, close reasons), translatable."""

from flask_babel import lazy_gettext as _l

from neighborhood.workflow.labels import CLOSE_REASONS, STATUSES  # noqa: F401 (re-exported)

FAMILIES = {
    "lighting": _l("Street lighting"),
    "parks": _l("Parks"),
    "signs": _l("Signs"),
    "problem_business": _l("Problem business"),
    "other": _l("Other"),
}
# A symbol per family next to its name (never the only cue).
FAMILY_ICONS = {"lighting": "💡", "parks": "🌳", "signs": "🪧", "problem_business": "🏪",
                "other": "•"}
ROLES = {
    "visitor": _l("a neighbour"),
    "resident": _l("a resident"),
    "officer": _l("an officer"),
    "staff": _l("city staff"),
    "moderator": _l("a moderator"),
    "admin": _l("an administrator"),
    "system": _l("the system"),
    "import": _l("the city's records"),
}

WALK_ROUTE = _l("Route of the walk")
# Why someone flags a report (moderation.rules.FlagReason).
FLAG_REASONS = {
    "offensive": _l("It is offensive or abusive"),
    "personal_information": _l("It shows someone's personal information"),
    "spam": _l("It is spam or advertising"),
    "other": _l("Something else"),
}


def label(table: dict, code: str | None) -> str:
    """Return the word for a code, or the code itself made readable."""
    if code is None:
        return ""
    return str(table.get(code) or code.replace("_", " "))
