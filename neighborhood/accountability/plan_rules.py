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
COMMITMENT_FIELDS = ("metric", "family", "target", "deadline", "owner", "description")


@dataclass(frozen=True)
class Change:
    """One fact of what a version changed; str() is the API's English line, pages translate it.

    kind is "plan" (a plan field), "removed", "added", "commitment" (a commitment field) or
    "recomputed" (a commitment's baseline, because its definition changed).
    """

    kind: str
    number: int | None = None
    field: str | None = None
    old: object = None
    new: object = None

    def __str__(self) -> str:
        if self.kind == "plan":
            return f"{self.field}: {self.old!r} -> {self.new!r}"
        if self.kind == "removed":
            return f"commitment {self.number} removed"
        if self.kind == "added":
            metric, family = self.new
            return f"commitment {self.number} added: {metric}" + (f" ({family})" if family
                                                                   else "")
        if self.kind == "commitment":
            return f"commitment {self.number} {self.field}: {self.old!r} -> {self.new!r}"
        return f"commitment {self.number} baseline recomputed (its definition changed)"


def changes(old_plan: dict, new_plan: dict, old: Sequence[Snapshot],
            new: Sequence[Snapshot]) -> list[Change]:
    """Return what a version changed from the one before it (oldest facts first)."""
    out = [Change("plan", field=field, old=old_plan[field], new=new_plan[field])
           for field in PLAN_FIELDS if old_plan[field] != new_plan[field]]
    before = {c.number: c for c in old}
    after = {c.number: c for c in new}
    for number in sorted(before.keys() - after.keys()):
        out.append(Change("removed", number))
    for number in sorted(after):
        c = after[number]
        if number not in before:
            out.append(Change("added", number, new=(c.metric, c.family)))
            continue
        b = before[number]
        for field in COMMITMENT_FIELDS:
            if getattr(b, field) != getattr(c, field):
                out.append(Change("commitment", number, field, getattr(b, field),
                                  getattr(c, field)))
        if c.baseline_recomputed:
            out.append(Change("recomputed", number))
    return out
