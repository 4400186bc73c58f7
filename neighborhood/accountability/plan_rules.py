"""Action-plan rules: participants are organizations, and what changed between two versions.

Pure: no Flask, no database. A plan is a public record of a meeting, so it names the
organizations that took part (a civic association, a department, a school), never private
persons. The check is light: it refuses what is plainly personal data (an email address, a
phone number, a personal title); the meeting's chair remains responsible for the list.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

PARTICIPANT_MAX = 200
PARTICIPANTS_MAX = 50
_EMAIL = re.compile(r"\S+@\S+")
_PHONE = re.compile(r"(?:\d[\s().-]*){7,}")
_TITLE = re.compile(r"^(?:mr|mrs|ms|miss|mx|dr|prof|sir|madam|mme|mlle|herr|frau)\b\.?\s",
                    re.IGNORECASE)


def participant_problem(name: str) -> str | None:
    """Return why a participant entry is not an organization's name, or None if it may be one."""
    if not name or len(name) > PARTICIPANT_MAX:
        return f"Give a name of 1 to {PARTICIPANT_MAX} characters."
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "No control characters."
    if _EMAIL.search(name):
        return "Name organizations, not email addresses."
    if _PHONE.search(name):
        return "Name organizations, not phone numbers."
    if _TITLE.match(name):
        return "Name organizations, not private persons."
    return None


def participant_problems(names: Sequence[str]) -> dict[int, str]:
    """Return the problem of each refused entry by its index; repeated names are refused too."""
    problems, seen = {}, set()
    for index, name in enumerate(names):
        problem = participant_problem(name)
        if problem is None and name.casefold() in seen:
            problem = "Listed twice."
        if problem:
            problems[index] = problem
        seen.add(name.casefold())
    return problems


def clean_name(name: str) -> str:
    """Return a name with its runs of whitespace collapsed and its ends trimmed."""
    return " ".join(name.split())


@dataclass(frozen=True)
class Snapshot:
    """What a version says about one commitment, as far as the history compares it."""

    number: int
    metric: str
    family: str | None
    target: float
    deadline: str  # ISO date
    owner: str
    description: str | None
    baseline_recomputed: bool = False


PLAN_FIELDS = ("title", "meeting_date", "participants", "population")


def changes(old_plan: dict, new_plan: dict, old: Sequence[Snapshot],
            new: Sequence[Snapshot]) -> list[str]:
    """Return, in words, what a version changed from the one before it (oldest facts first)."""
    out = [f"{field}: {old_plan[field]!r} -> {new_plan[field]!r}"
           for field in PLAN_FIELDS if old_plan[field] != new_plan[field]]
    before = {c.number: c for c in old}
    after = {c.number: c for c in new}
    for number in sorted(before.keys() - after.keys()):
        out.append(f"commitment {number} removed")
    for number in sorted(after):
        c = after[number]
        if number not in before:
            out.append(f"commitment {number} added: {c.metric}"
                       + (f" ({c.family})" if c.family else ""))
            continue
        b = before[number]
        for field in ("metric", "family", "target", "deadline", "owner", "description"):
            if getattr(b, field) != getattr(c, field):
                out.append(f"commitment {number} {field}: {getattr(b, field)!r} -> "
                           f"{getattr(c, field)!r}")
        if c.baseline_recomputed:
            out.append(f"commitment {number} baseline recomputed (its definition changed)")
    return out
