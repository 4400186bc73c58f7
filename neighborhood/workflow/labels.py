"""Words for lifecycle codes (statuses, close reasons), translatable, for messages and pages."""

from flask_babel import lazy_gettext as _l

STATUSES = {
    "pending_review": _l("Waiting for review"),
    "open": _l("Open"),
    "acknowledged": _l("Acknowledged"),
    "in_progress": _l("In progress"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
}
CLOSE_REASONS = {
    "duplicate": _l("duplicate"),
    "not_city_responsibility": _l("not the city's responsibility"),
    "cannot_reproduce": _l("could not be found"),
    "spam": _l("spam"),
}


def status_word(code: str) -> str:
    """Return the word for a status in the current language (the code itself if unknown)."""
    return str(STATUSES.get(code) or code)
