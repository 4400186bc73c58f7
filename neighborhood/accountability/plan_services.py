"""Action plans: adopt a plan (version 1, baselines frozen) and amend it (a new version).

Only admins record plans: a plan is the record of a public meeting between the city and a
neighborhood, and the departments it holds to account do not write their own targets. Nothing
is rewritten: an amendment is a new version; each commitment keeps its frozen baseline unless
its definition (metric, family, and the population for per-resident rates) changes, and then
the baseline is recomputed over the plan's baseline window, visibly, in the new version.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from neighborhood.accountability import plan_rules, plan_values
from neighborhood.accountability.metrics import Window, definition
from neighborhood.accountability.plan_forms import (CommitmentForm, FieldErrors, PlanForm,
                                                    check_baseline, check_commitment,
                                                    check_owner, check_plan, find_area)
from neighborhood.accountability.plan_models import Plan, PlanCommitment, PlanVersion
from neighborhood.accounts.permissions import Actor, Role
from neighborhood.core.db import utcnow
from neighborhood.core.errors import (Conflict, Forbidden, InvalidInput, NotFound,
                                      Unauthorized)
from neighborhood.extensions import db
from neighborhood.reports.models import MAX_ID
from neighborhood.routing.models import Department


def city_today(tz: str, now: datetime) -> date:
    """Return today's date in the city's time zone."""
    return now.astimezone(ZoneInfo(tz)).date()


def _require_admin(actor: Actor) -> None:
    if actor.role == Role.VISITOR:
        raise Unauthorized()
    if actor.role != Role.ADMIN:
        raise Forbidden("Only admins record action plans.")


def _baseline(item: CommitmentForm, area_id: int, window: Window, population: int | None,
              tz: str) -> plan_values.Value:
    """Return a commitment's figure over the baseline window, from live data."""
    subject = plan_values.Subject(area_id, item.family, population)
    return plan_values.values(item.metric, subject, [window], tz)[0]


def _commitment(item: CommitmentForm, number: int, owner: tuple[str, int | None],
                previous: PlanCommitment | None, carried: bool, *, area_id: int,
                window: Window, population: int | None, meeting: date, tz: str,
                now: datetime) -> PlanCommitment:
    """Return a new commitment row: the previous baseline carried, or a baseline computed."""
    row = PlanCommitment(number=number, metric=item.metric, family=item.family,
                         description=item.description or None, target=float(item.target),
                         deadline=item.deadline, owner_kind=item.owner_kind,
                         owner_name=owner[0], owner_department_id=owner[1])
    if carried:
        row.adopted_on, row.baseline, row.baseline_n = (previous.adopted_on, previous.baseline,
                                                        previous.baseline_n)
        row.baseline_note, row.baseline_computed_at = (previous.baseline_note,
                                                       previous.baseline_computed_at)
        row.baseline_recomputed = False
        return row
    value = _baseline(item, area_id, window, population, tz)
    row.adopted_on, row.baseline, row.baseline_n = meeting, value.value, value.n
    row.baseline_note, row.baseline_computed_at = value.note, now
    row.baseline_recomputed = previous is not None
    return row


def create_plan(form: PlanForm, *, actor: Actor, tz: str, now: datetime | None = None
                ) -> Plan:
    """Adopt a plan as an admin: version 1, with every baseline computed and frozen."""
    _require_admin(actor)
    return adopt_plan(form, author_id=actor.user_id, author_role="admin", tz=tz, now=now)


def adopt_plan(form: PlanForm, *, author_id: int | None, author_role: str, tz: str,
               now: datetime | None = None) -> Plan:
    """Store a plan's version 1 and freeze each commitment's baseline; the caller commits."""
    now = now or utcnow()
    today, errors = city_today(tz, now), FieldErrors()
    area = find_area(form.neighborhood, errors)
    title, participants = check_plan(form, today, errors)
    window = check_baseline(form, today, errors)
    owners = []
    for index, item in enumerate(form.commitments):
        check_commitment(item, index, form, errors, None)
        owners.append(check_owner(item, index, errors))
    errors.raise_any()
    plan = Plan(area_id=area.id, created_at=now)
    version = PlanVersion(
        number=1, title=title, meeting_date=form.meeting_date, participants=participants,
        population=form.population, baseline_from=window.start, baseline_to=window.end,
        author_role=author_role, author_id=author_id, created_at=now,
        change_note=form.change_note or f"Adopted at the meeting of {form.meeting_date}.")
    for number, (item, owner) in enumerate(zip(form.commitments, owners), start=1):
        version.commitments.append(_commitment(
            item, number, owner, None, False, area_id=area.id, window=window,
            population=form.population, meeting=form.meeting_date, tz=tz, now=now))
    plan.versions.append(version)
    db.session.add(plan)
    db.session.flush()
    return plan


def load_plan(plan_id: int) -> Plan:
    """Return a plan by id; NotFound otherwise."""
    plan = db.session.get(Plan, plan_id) if 0 < plan_id <= MAX_ID else None
    if plan is None:
        raise NotFound(_("No action plan %(number)s.", number=plan_id))
    return plan


def load_version(plan_id: int, number: int) -> PlanVersion:
    """Return one version of a plan; NotFound otherwise."""
    plan = load_plan(plan_id)
    version = next((v for v in plan.versions if v.number == number), None)
    if version is None:
        raise NotFound(_("Action plan %(plan)s has no version %(number)s.", plan=plan_id,
                         number=number))
    return version


def snapshot(c: PlanCommitment) -> plan_rules.Snapshot:
    """Return what the history compares of a commitment."""
    return plan_rules.Snapshot(c.number, c.metric, c.family, c.target, c.deadline.isoformat(),
                               f"{c.owner_kind}: {c.owner_name}", c.description,
                               c.baseline_recomputed)


def plan_fields(version: PlanVersion) -> dict:
    """Return the plan-level fields the history compares."""
    return {"title": version.title, "meeting_date": version.meeting_date.isoformat(),
            "participants": list(version.participants), "population": version.population}


def amend_plan(plan_id: int, form: PlanForm, *, actor: Actor, tz: str,
               now: datetime | None = None) -> Plan:
    """Record an amendment as a new version; Conflict if the version amended is not the latest.

    Commitments with a `number` continue those of the latest version (their baseline carried
    while their definition is unchanged); the others are new; those left out are dropped.
    """
    _require_admin(actor)
    now = now or utcnow()
    plan = load_plan(plan_id)
    latest = plan.versions[-1]
    if form.version != latest.number:
        raise Conflict(f"Version {form.version} is not the latest ({latest.number}): reload "
                       "the plan and amend the latest version.")
    today, errors = city_today(tz, now), FieldErrors()
    title, participants = check_plan(form, today, errors)
    if form.meeting_date < latest.baseline_to:
        errors.add("The meeting comes after the baseline window.", "meeting_date")
    previous = {c.number: c for c in latest.commitments}
    owners, seen = [], set()
    for index, item in enumerate(form.commitments):
        check_commitment(item, index, form, errors, previous)
        if item.number is not None and item.number in seen:
            errors.add("This commitment is listed twice.", "commitments", index, "number")
        seen.add(item.number)
        owners.append(check_owner(item, index, errors))
    errors.raise_any()
    window = Window(latest.baseline_from, latest.baseline_to)
    version = PlanVersion(
        number=latest.number + 1, title=title, meeting_date=form.meeting_date,
        participants=participants, population=form.population, baseline_from=window.start,
        baseline_to=window.end, author_role="admin", author_id=actor.user_id, created_at=now,
        change_note=form.change_note)
    used = db.session.scalar(select(func.max(PlanCommitment.number)).join(PlanVersion).where(
        PlanVersion.plan_id == plan.id)) or 0
    for item, owner in zip(form.commitments, owners):
        before = previous.get(item.number)
        carried = before is not None and (
            definition(before.metric, before.family, latest.population)
            == definition(item.metric, item.family, form.population))
        if item.number is None:
            used += 1
        version.commitments.append(_commitment(
            item, item.number or used, owner, before, carried, area_id=plan.area_id,
            window=window, population=form.population, meeting=form.meeting_date, tz=tz,
            now=now))
    if not plan_rules.changes(plan_fields(latest), plan_fields(version),
                              [snapshot(c) for c in latest.commitments],
                              [snapshot(c) for c in version.commitments]):
        raise InvalidInput("Nothing changed: an amendment records a change.",
                           {"json": {"_schema": ["Nothing changed."]}})
    try:
        with db.session.begin_nested():
            plan.versions.append(version)
            db.session.flush()
    except IntegrityError as exc:  # another amendment of the same version committed first
        raise Conflict(f"Version {latest.number} was amended meanwhile: reload the plan.") from exc
    return plan


def list_plans() -> list[Plan]:
    """Return every plan, newest first."""
    return list(db.session.scalars(select(Plan).order_by(Plan.id.desc())))


def department_codes() -> dict[int, str]:
    """Return every department's code by id (owners are published by code and name)."""
    return dict(db.session.execute(select(Department.id, Department.code)).all())
