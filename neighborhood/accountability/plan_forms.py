"""Action-plan forms: a plan as asked, and its checks against the catalogue and the city.

The schemas check types and ranges; these checks need the plan as a whole, the version
amended, or the database (the neighborhood, the departments). Every problem is gathered and
raised at once as one InvalidInput naming each field under `json` (e.g.
`commitments.0.target`).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from neighborhood.accountability import plan_rules
from neighborhood.accountability.metrics import (MAX_PLAN_YEARS, MAX_WINDOW_DAYS, METRICS,
                                                 MIN_WINDOW_DAYS, Need, Window,
                                                 default_baseline)
from neighborhood.accountability.plan_models import PlanCommitment
from neighborhood.areas.models import Area
from neighborhood.core.errors import InvalidInput, NotFound
from neighborhood.extensions import db
from neighborhood.routing.services import find_department


@dataclass(frozen=True)
class CommitmentForm:
    """One commitment as asked; `number` continues a commitment of the previous version."""

    metric: str
    target: float
    deadline: date
    owner_kind: str  # "department" (by code or name) or "group" (a community group's name)
    owner: str
    family: str | None = None
    description: str | None = None
    number: int | None = None


@dataclass(frozen=True)
class PlanForm:
    """A plan as asked: adoption names the neighborhood and baseline, amendment the version."""

    title: str
    meeting_date: date
    participants: tuple[str, ...]
    commitments: tuple[CommitmentForm, ...]
    population: int | None = None
    change_note: str | None = None
    neighborhood: str | None = None  # adoption: the neighborhood's code
    baseline_from: date | None = None  # adoption: default, the 90 days before the meeting
    baseline_to: date | None = None
    version: int | None = None  # amendment: the latest version, as the editor saw it


class FieldErrors:
    """Field errors gathered under `json`, raised together as one InvalidInput."""

    def __init__(self):
        self.fields: dict = {}
        self.first: str | None = None

    def add(self, message: str, *path) -> None:
        """Note a message for the field at path (e.g. "commitments", 0, "target")."""
        node = self.fields
        for part in path[:-1]:
            node = node.setdefault(str(part), {})
        node.setdefault(str(path[-1]), []).append(message)
        self.first = self.first or f"Invalid {'.'.join(map(str, path))}: {message}"

    def raise_any(self) -> None:
        """Raise InvalidInput with every noted message, if any."""
        if self.fields:
            raise InvalidInput(self.first, {"json": self.fields})


def check_plan(form: PlanForm, today: date, errors: FieldErrors) -> tuple[str, list[str]]:
    """Check the plan's own fields; return its title and participants, cleaned."""
    title = plan_rules.clean_name(form.title)
    if not title:
        errors.add("Give a title.", "title")
    if form.meeting_date > today:
        errors.add("The meeting must have taken place (city time).", "meeting_date")
    participants = [plan_rules.clean_name(p) for p in form.participants]
    for index, problem in plan_rules.participant_problems(participants).items():
        errors.add(problem, "participants", index)
    return title, participants


def check_baseline(form: PlanForm, today: date, errors: FieldErrors) -> Window:
    """Return the baseline window, checked; it defaults to the 90 days before the meeting."""
    default = default_baseline(form.baseline_to or form.meeting_date)
    window = Window(form.baseline_from or default.start, default.end)
    if not window.start < window.end:
        errors.add("Must be before baseline_to.", "baseline_from")
    elif not MIN_WINDOW_DAYS <= window.days <= MAX_WINDOW_DAYS:
        errors.add(f"The baseline window spans {MIN_WINDOW_DAYS} to {MAX_WINDOW_DAYS} days.",
                   "baseline_to")
    elif window.end > form.meeting_date:
        errors.add("The baseline window ends on or before the meeting day (exclusive).",
                   "baseline_to")
    elif window.end > today:
        errors.add("The baseline window must be over (it ends at today at the latest).",
                   "baseline_to")
    return window


def check_owner(item: CommitmentForm, index: int,
                errors: FieldErrors) -> tuple[str, int | None]:
    """Return the owner's name and department id (None for a community group)."""
    name = plan_rules.clean_name(item.owner)
    if item.owner_kind == "group":
        problem = plan_rules.participant_problem(name)
        if problem:
            errors.add(problem, "commitments", index, "owner")
        return name, None
    try:
        department = find_department(name)
    except NotFound:
        errors.add(f"No department {name!r} (see /api/v1/departments).", "commitments", index,
                   "owner")
        return name, None
    return department.name, department.id


def check_commitment(item: CommitmentForm, index: int, form: PlanForm, errors: FieldErrors,
                     previous: dict[int, PlanCommitment] | None) -> None:
    """Check one commitment against the catalogue, the plan and the version amended.

    A continued commitment may keep a deadline that has passed since (its record stays);
    a new or moved deadline comes after the meeting.
    """
    metric = METRICS[item.metric]
    where = ("commitments", index)
    if metric.family == Need.REQUIRED and item.family is None:
        errors.add(f"{item.metric} is measured for one family: give it.", *where, "family")
    if metric.population == Need.REQUIRED and form.population is None:
        errors.add(f"{item.metric} needs the plan's population.", *where, "metric")
    if not metric.valid_target(item.target):
        limit = f"0 to {metric.maximum:g}" if metric.maximum is not None else "0 or more"
        errors.add(f"A target of {item.metric} is {limit}.", *where, "target")
    before = (previous or {}).get(item.number)
    kept = before is not None and before.deadline == item.deadline
    if item.deadline <= form.meeting_date and not kept:
        errors.add("The deadline comes after the meeting.", *where, "deadline")
    elif item.deadline > form.meeting_date + timedelta(days=365 * MAX_PLAN_YEARS):
        errors.add(f"The deadline is at most {MAX_PLAN_YEARS} years after the meeting.",
                   *where, "deadline")
    if item.number is not None and (previous is None or item.number not in previous):
        errors.add("No such commitment in the version amended; leave it out for a new one.",
                   *where, "number")


def find_area(code: str | None, errors: FieldErrors) -> Area | None:
    """Return the neighborhood of that code, or None with the error noted."""
    area = db.session.scalar(select(Area).where(Area.kind == "neighborhood",
                                                Area.code == (code or "").strip()))
    if area is None:
        errors.add(f"No neighborhood {code!r}.", "neighborhood")
    return area
