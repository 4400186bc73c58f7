"""Read-side queries for the site pages."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from geoalchemy2.shape import to_shape
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from neighborhood.accountability.queries import RESPONDER_ROLES, RESPONSE_TARGETS, open_at
from neighborhood.accounts.permissions import Actor, can_reassign
from neighborhood.areas.models import Area
from neighborhood.extensions import db
from neighborhood.reports.models import Category, Report
from neighborhood.reports.queries import ReportFilter, public_reports_query
from neighborhood.routing.models import Department
from neighborhood.workflow.models import StatusChange
from neighborhood.workflow.queries import queue_item
from neighborhood.workflow.services import allowed_targets
from neighborhood.workflow.states import (CLOSED_STATUSES, OPEN_STATUSES, PUBLIC_STATUSES,
                                          Status)


def family_counts() -> list[dict]:
    """Return per family the number of public reports and of those still open."""
    is_open = case((Report.status.in_(sorted(OPEN_STATUSES)), 1), else_=0)
    rows = db.session.execute(
        select(Category.family, func.count(Report.id), func.coalesce(func.sum(is_open), 0))
        .join(Report.category).where(Report.status.in_(sorted(PUBLIC_STATUSES)))
        .group_by(Category.family).order_by(func.count(Report.id).desc())
    )
    return [{"family": family, "total": total, "open": int(still_open)}
            for family, total, still_open in rows]


def latest_reports(limit: int) -> list[Report]:
    """Return the newest public reports."""
    return list(db.session.scalars(
        select(Report).where(Report.status.in_(sorted(PUBLIC_STATUSES)))
        .order_by(Report.created_at.desc(), Report.id.desc()).limit(limit)))


# The staff queue's buttons, by the status each one moves a report to.
WORK_ACTIONS = {"acknowledged": "acknowledge", "in_progress": "start", "resolved": "resolve",
                "closed": "close_duplicate"}


@dataclass(frozen=True)
class QueueRow:
    """One report of the staff queue: what it shows and the actions this actor may take."""

    report: dict
    age: timedelta
    actions: frozenset[str]  # acknowledge, start, resolve, close_duplicate, reassign


def queue_rows(reports: list[Report], actor: Actor, now: datetime, photo_url) -> list[QueueRow]:
    """Return the queue's rows; the actions are the moves the workflow would accept now."""
    rows = []
    for report in reports:
        targets = set(allowed_targets(report, actor, now))
        actions = {action for target, action in WORK_ACTIONS.items() if target in targets}
        if can_reassign(actor, report.department_id) and report.status not in CLOSED_STATUSES:
            actions.add("reassign")
        feature = queue_item(report, photo_url, now)
        rows.append(QueueRow(feature["properties"], now - report.created_at,
                             frozenset(actions)))
    return rows


def department_name(department_id: int | None) -> str | None:
    """Return a department's name, or None."""
    department = db.session.get(Department, department_id) if department_id else None
    return department.name if department else None


def map_reports(flt: ReportFilter, *, page: int, per_page: int,
                city_tz: str) -> tuple[list[Report], int]:
    """Return one page of the public reports a filter selects, newest first, and their total.

    The same filter as GET /api/v1/reports (without the bbox), for the map page's list.
    """
    query = public_reports_query(flt, city_tz)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.options(selectinload(Report.category))
        .order_by(Report.created_at.desc(), Report.id.desc())
        .offset((page - 1) * per_page).limit(per_page))
    return list(rows), int(total or 0)


# --- the dashboard (/dashboard): the reports behind each figure ---------------------------

# The figures of GET /api/v1/stats a list can stand behind (docs/accountability.md).
DRILL_FIGURES = ("opened", "closed", "resolved", "sla", "sla_met", "backlog", "overdue",
                 "acknowledged", "reopen", "reopened")
# Backlog lists read oldest first (the longest waiting on top); closings by closing time.
_OLDEST_FIRST = ("backlog", "overdue")
_BY_CLOSING = ("closed", "resolved", "sla", "sla_met")


@dataclass(frozen=True)
class Drill:
    """The reports behind one dashboard figure: its range, its filters, its group.

    `neighborhood_id` / `department_id` None with `outside` / `unrouted` False: no filter;
    with them True: reports outside every neighborhood / without a department. Reports of
    `unlisted_category_ids` are counted but not listed (sensitive categories, whose
    neighborhood is never published per report).
    """

    figure: str
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    as_of: datetime  # the moment the backlog is measured: the end, or now
    categories: tuple[str, ...] = ()
    families: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    neighborhood_id: int | None = None
    outside: bool = False
    department_id: int | None = None
    unrouted: bool = False
    unlisted_category_ids: tuple[int, ...] = ()


def _responses(step) -> list:
    """Return the conditions of a step that is the city's response (as the statistics)."""
    return [step.kind == "status", step.to_status.in_([s.value for s in RESPONSE_TARGETS]),
            step.actor_role.in_(RESPONDER_ROLES)]


def _figure_conditions(drill: Drill) -> list:
    """Return the conditions of the reports a figure counts, as GET /api/v1/stats does."""
    start, end, closed = drill.start, drill.end, sorted(CLOSED_STATUSES)
    closed_in_range = [Report.status.in_(closed), Report.closed_at >= start,
                       Report.closed_at < end]
    closing_steps = select(StatusChange.report_id).where(
        StatusChange.kind == "status", StatusChange.to_status.in_(closed),
        StatusChange.at >= start, StatusChange.at < end)
    if drill.figure == "opened":
        return [Report.created_at >= start, Report.created_at < end]
    if drill.figure == "closed":
        return closed_in_range
    if drill.figure == "resolved":
        return closed_in_range + [Report.status == Status.RESOLVED.value]
    if drill.figure == "sla":
        return closed_in_range + [Report.due_at.is_not(None)]
    if drill.figure == "sla_met":
        return closed_in_range + [Report.due_at.is_not(None), Report.closed_at <= Report.due_at]
    if drill.figure == "backlog":
        return [open_at(drill.as_of)]
    if drill.figure == "overdue":
        return [open_at(drill.as_of), Report.due_at < drill.as_of]
    if drill.figure == "acknowledged":  # the first response falls in the range
        step, earlier = aliased(StatusChange), aliased(StatusChange)
        before = exists().where(earlier.report_id == step.report_id, *_responses(earlier),
                                or_(earlier.at < step.at,
                                    and_(earlier.at == step.at, earlier.id < step.id)))
        return [exists().where(step.report_id == Report.id, *_responses(step),
                               step.at >= start, step.at < end, ~before)]
    if drill.figure == "reopen":
        return [Report.id.in_(closing_steps)]
    if drill.figure == "reopened":
        reopenings = select(StatusChange.report_id).where(
            StatusChange.kind == "status", StatusChange.from_status.in_(closed),
            StatusChange.to_status == Status.OPEN.value, StatusChange.at >= start)
        return [Report.id.in_(closing_steps), Report.id.in_(reopenings)]
    raise ValueError(f"unknown figure {drill.figure!r}")


def _drill_query(drill: Drill, city_tz: str):
    """Return a SELECT of the public reports behind a figure (listed and unlisted)."""
    query = public_reports_query(ReportFilter(categories=drill.categories,
                                              families=drill.families,
                                              statuses=drill.statuses), city_tz)
    if drill.outside:
        query = query.where(Report.neighborhood_id.is_(None))
    elif drill.neighborhood_id is not None:
        query = query.where(Report.neighborhood_id == drill.neighborhood_id)
    if drill.unrouted:
        query = query.where(Report.department_id.is_(None))
    elif drill.department_id is not None:
        query = query.where(Report.department_id == drill.department_id)
    return query.where(*_figure_conditions(drill))


def _listed(query, drill: Drill):
    if drill.unlisted_category_ids:
        query = query.where(Report.category_id.not_in(drill.unlisted_category_ids))
    if drill.figure in _OLDEST_FIRST:
        return query.order_by(Report.created_at, Report.id)
    if drill.figure in _BY_CLOSING:
        return query.order_by(Report.closed_at.desc(), Report.id.desc())
    return query.order_by(Report.created_at.desc(), Report.id.desc())


def drill_reports(drill: Drill, *, page: int, per_page: int,
                  city_tz: str) -> tuple[list[Report], int, int]:
    """Return one page of the reports behind a figure, their total and how many are unlisted.

    The total is the figure itself; the unlisted ones (sensitive categories in a
    neighborhood) are part of it but not of the pages.
    """
    query = _drill_query(drill, city_tz)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    unlisted = 0
    if drill.unlisted_category_ids and total:
        unlisted = db.session.scalar(select(func.count()).select_from(
            query.where(Report.category_id.in_(drill.unlisted_category_ids)).subquery())) or 0
    rows = db.session.scalars(_listed(query, drill).options(selectinload(Report.category))
                              .offset((page - 1) * per_page).limit(per_page))
    return list(rows), int(total), int(unlisted)


def drill_all(drill: Drill, city_tz: str) -> list[Report]:
    """Return every listed report behind a figure, in the list's order (for the CSV)."""
    return list(db.session.scalars(_listed(_drill_query(drill, city_tz), drill)))


def newest_report_at() -> datetime | None:
    """Return when the newest public report was made (None without any)."""
    return db.session.scalar(select(func.max(Report.created_at))
                             .where(Report.status.in_(sorted(PUBLIC_STATUSES))))


def neighborhood_by_code(code: str) -> tuple[int, str] | None:
    """Return (id, name) of the neighborhood with this code, or None."""
    row = db.session.execute(select(Area.id, Area.name).where(Area.kind == "neighborhood",
                                                              Area.code == code)).first()
    return tuple(row) if row else None


def department_by_code(code: str) -> tuple[int, str] | None:
    """Return (id, name) of the department with this code, or None."""
    row = db.session.execute(select(Department.id, Department.name)
                             .where(Department.code == code)).first()
    return tuple(row) if row else None


def sensitive_category_ids() -> tuple[int, ...]:
    """Return the ids of the sensitive categories (problem businesses)."""
    return tuple(db.session.scalars(select(Category.id).where(Category.sensitive)
                                    .order_by(Category.id)))


def neighborhood_shapes() -> list[tuple[str, str, object]]:
    """Return (code, name, Shapely geometry) of every neighborhood, by name."""
    rows = db.session.execute(select(Area.code, Area.name, Area.geom)
                              .where(Area.kind == "neighborhood").order_by(Area.name, Area.id))
    return [(code, name, to_shape(geom)) for code, name, geom in rows]


# --- action plans (/plans/<id>/pack): a neighborhood's reports for the meeting pack ---------

def _count_of(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def area_counts_by_family(area_id: int, since: datetime, until: datetime) -> dict[str, dict]:
    """Return per family a neighborhood's public reports opened and closed in [since, until),
    and open now.

    The statistics' definitions (docs/accountability.md): opened by created_at; closed by
    closed_at and resolved or closed now (resolved: fixed); open now: open, acknowledged or in
    progress. Sensitive categories are counted like the others.
    """
    def within(column):
        return and_(column >= since, column < until)

    rows = db.session.execute(
        select(Category.family, _count_of(within(Report.created_at)),
               _count_of(and_(Report.status.in_(sorted(CLOSED_STATUSES)),
                              within(Report.closed_at))),
               _count_of(and_(Report.status == Status.RESOLVED.value, within(Report.closed_at))),
               _count_of(Report.status.in_(sorted(OPEN_STATUSES))))
        .join(Report.category)
        .where(Report.neighborhood_id == area_id, Report.status.in_(sorted(PUBLIC_STATUSES)))
        .group_by(Category.family))
    return {family: {"opened": int(opened), "closed": int(closed), "resolved": int(resolved),
                     "open": int(still_open)}
            for family, opened, closed, resolved, still_open in rows}


def oldest_open_in_area(area_id: int, limit: int) -> tuple[list[Report], int]:
    """Return a neighborhood's public reports open now, oldest first (ties by id), and how
    many open ones are not listed: sensitive categories, whose neighborhood is never published
    per report (as on the dashboard)."""
    is_open = [Report.neighborhood_id == area_id, Report.status.in_(sorted(OPEN_STATUSES))]
    unlisted = db.session.scalar(
        select(func.count(Report.id)).join(Report.category).where(*is_open, Category.sensitive))
    rows = db.session.scalars(
        select(Report).join(Report.category).where(*is_open, Category.sensitive.is_(False))
        .options(selectinload(Report.category))
        .order_by(Report.created_at, Report.id).limit(limit))
    return list(rows), int(unlisted or 0)


def cell_places(cells: list[str], resolution: int, family: str | None, start: datetime,
                end: datetime) -> dict[str, str]:
    """Return per H3 cell the address given most often by the public reports counted in it
    (family, [start, end)); sensitive categories never give theirs. Ties: the first by name."""
    if not cells:
        return {}
    cell = Report.h3_r8 if resolution == 8 else Report.h3_r9
    conditions = [cell.in_(cells), Report.status.in_(sorted(PUBLIC_STATUSES)),
                  Report.address.is_not(None), Report.address != "",
                  Report.created_at >= start, Report.created_at < end,
                  Category.sensitive.is_(False)]
    if family:
        conditions.append(Category.family == family)
    rows = db.session.execute(
        select(cell, Report.address, func.count(Report.id)).join(Report.category)
        .where(*conditions).group_by(cell, Report.address))
    best: dict[str, tuple[int, str]] = {}
    for code, address, n in rows:
        if code not in best or (-n, address) < (-best[code][0], best[code][1]):
            best[code] = (n, address)
    return {code: address for code, (_, address) in best.items()}
