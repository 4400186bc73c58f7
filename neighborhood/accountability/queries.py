"""SQL for the accountability statistics: counts by GROUP BY, durations streamed as columns.

Every statement runs unchanged on SQLite + SpatiaLite and PostgreSQL + PostGIS: no date
functions. Weekly counts are a GROUP BY over a balanced CASE tree of UTC bounds computed in
Python (stats.weeks); the backlog is counted by window functions; durations are computed in
Python from the two datetimes of each report, streamed, so only the columns a figure needs
leave the database. Only public reports count (pending_review never does), by their status now.

Each function returns plain tuples whose first item is the group key: a report column's value
(neighborhood, department or category id, None for "none"), or None for the whole city.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (String, and_, case, exists, func, literal_column, or_, select,
                        type_coerce)
from sqlalchemy.orm import aliased

from neighborhood.areas.models import Area
from neighborhood.extensions import db
from neighborhood.reports.models import Category, Report
from neighborhood.routing.models import Department
from neighborhood.workflow.models import StatusChange
from neighborhood.workflow.states import (CLOSED_STATUSES, OPEN_STATUSES, PUBLIC_STATUSES,
                                          CloseReason, Status)

STREAM_ROWS = 5_000
# A first response: the city moves a report on (not the reporter, not the importer's system).
RESPONDER_ROLES = ("staff", "officer", "moderator", "admin")
RESPONSE_TARGETS = (Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED)
_OPEN = sorted(OPEN_STATUSES)
_CLOSED = sorted(CLOSED_STATUSES)
_PUBLIC = sorted(PUBLIC_STATUSES)


@dataclass(frozen=True)
class Scope:
    """Which reports count, and which report column groups them (None: the whole city)."""

    column: str | None = None  # "neighborhood_id", "department_id", "category_id" or None
    category_ids: tuple[int, ...] | None = None  # None: every category
    area_id: int | None = None  # only reports in this neighborhood (action plans); None: all

    def key(self):
        """Return the grouping column, or None for the whole city."""
        return getattr(Report, self.column) if self.column else None

    def conditions(self) -> list:
        """Return the conditions every counted report meets: public, in the categories, area."""
        conditions = [Report.status.in_(_PUBLIC)]
        if self.category_ids is not None:
            conditions.append(Report.category_id.in_(self.category_ids))
        if self.area_id is not None:
            conditions.append(Report.neighborhood_id == self.area_id)
        return conditions


def _key_column(scope: Scope):
    """Return the grouping column, or a NULL for the whole city."""
    key = scope.key()
    return key if key is not None else literal_column("NULL")


def _grouped(scope: Scope, *aggregates, where: Sequence = ()):
    """Return SELECT key, aggregates... over the scope's reports, grouped by the key."""
    key = scope.key()
    statement = select(_key_column(scope), *aggregates).where(*scope.conditions(), *where)
    return statement.group_by(key) if key is not None else statement


def _int(value) -> int:
    return int(value or 0)


def bucket_expression(column, bounds: Sequence[datetime]):
    """Return the SQL index i such that bounds[i] <= column < bounds[i + 1].

    A balanced CASE tree: log2(buckets) comparisons per row instead of one per bucket. Rows
    outside [bounds[0], bounds[-1]) must be filtered out by the caller.
    """
    def tree(lo: int, hi: int):
        if hi - lo == 1:
            return literal_column(str(lo))
        mid = (lo + hi) // 2
        return case((column < bounds[mid], tree(lo, mid)), else_=tree(mid, hi))

    if len(bounds) < 2:
        raise ValueError("need at least one bucket")
    return tree(0, len(bounds) - 1)


def opened_by_week(scope: Scope, bounds: Sequence[datetime]) -> list[tuple]:
    """Return (key, week index, reports opened, their support) for reports created in range.

    Support is the "me too" count; reports closed as duplicates are left out of it because
    their supporters were moved to the original.
    """
    key = scope.key()
    support = case((Report.close_reason == CloseReason.DUPLICATE.value, 0),
                   else_=Report.support_count)
    inner = (select((key if key is not None else literal_column("0")).label("key"),
                    bucket_expression(Report.created_at, bounds).label("week"),
                    support.label("support"))
             .where(*scope.conditions(), Report.created_at >= bounds[0],
                    Report.created_at < bounds[-1])
             .subquery())
    rows = db.session.execute(
        select(inner.c.key, inner.c.week, func.count(), func.sum(inner.c.support))
        .group_by(inner.c.key, inner.c.week)).all()
    return [(k if key is not None else None, int(week), int(n), _int(s))
            for k, week, n, s in rows]


def _raw(column):
    """Return a datetime column as the driver gives it (_reader turns it into a datetime)."""
    return type_coerce(column, String)


def _reader():
    """Return the function that turns a _raw value into an aware UTC datetime.

    SQLite stores UTC as naive text: datetime.fromisoformat with a "+00:00" suffix reads it
    many times faster than the generic DateTime type (a regular expression per value, then
    a replace). psycopg already gives aware datetimes (timestamptz), kept as they are.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        parse = datetime.fromisoformat
        return lambda value: None if value is None else parse(value + "+00:00")
    return lambda value: value


def _stream(statement) -> Iterator:
    """Yield the rows of a statement without holding them all.

    PostgreSQL streams through a server-side cursor; SQLite steps through its rows as they
    are fetched (the buffered strategy of stream_results only slows it down).
    """
    if db.session.get_bind().dialect.name != "sqlite":
        statement = statement.execution_options(stream_results=True,
                                                max_row_buffer=STREAM_ROWS)
    for partition in db.session.execute(statement).partitions(STREAM_ROWS):
        yield from partition


def closings(scope: Scope, start: datetime, end: datetime) -> Iterator[tuple]:
    """Yield (key, status, created_at, closed_at, due_at) of reports closed in [start, end).

    Closed in range: closed_at (a report's last closing) in the range, and still resolved or
    closed now. Streamed: the durations need every row, and one pass gives the counts too.
    """
    statement = (select(_key_column(scope), Report.status, _raw(Report.created_at),
                        _raw(Report.closed_at), _raw(Report.due_at))
                 .where(*scope.conditions(), Report.status.in_(_CLOSED),
                        Report.closed_at >= start, Report.closed_at < end))
    read = _reader()
    for key, status, created_at, closed_at, due_at in _stream(statement):
        yield key, status, read(created_at), read(closed_at), read(due_at)


def _response(step) -> list:
    """Return the conditions of a step that is the city's response to a report."""
    return [step.kind == "status", step.to_status.in_([s.value for s in RESPONSE_TARGETS]),
            step.actor_role.in_(RESPONDER_ROLES)]


def first_response_times(scope: Scope, start: datetime, end: datetime) -> Iterator[tuple]:
    """Yield (key, created_at, at) of reports whose first response step falls in the range.

    A response is a status step by staff, an officer, a moderator or an admin to
    acknowledged, in_progress, resolved or closed; only each report's first one counts.
    """
    step, earlier = aliased(StatusChange), aliased(StatusChange)
    before = exists().where(earlier.report_id == step.report_id, *_response(earlier),
                            or_(earlier.at < step.at,
                                and_(earlier.at == step.at, earlier.id < step.id)))
    statement = (select(_key_column(scope), _raw(Report.created_at), _raw(step.at))
                 .join(step, step.report_id == Report.id)
                 .where(*scope.conditions(), *_response(step), step.at >= start,
                        step.at < end, ~before))
    read = _reader()
    for key, created_at, at in _stream(statement):
        yield key, read(created_at), read(at)


def open_at(moment: datetime):
    """Return the condition that a report was open, acknowledged or in progress at moment.

    A report unchanged since before moment (updated_at < moment: every status change sets
    updated_at) is in its current status. For the others, the status at moment is the target
    of their last status step before it: a report reopened since was closed then, one closed
    since was open. The timeline is read only for those, so "now" costs no timeline lookup.
    """
    step = aliased(StatusChange)
    status_then = (select(step.to_status)
                   .where(step.report_id == Report.id, step.kind == "status", step.at < moment)
                   .order_by(step.at.desc(), step.id.desc()).limit(1).scalar_subquery())
    unchanged = and_(Report.updated_at < moment, Report.status.in_(_OPEN))
    changed = and_(Report.updated_at >= moment,
                   or_(Report.closed_at.is_(None), Report.closed_at >= moment),
                   func.coalesce(status_then, Status.OPEN.value).in_(_OPEN))
    return and_(Report.created_at < moment, or_(unchanged, changed))


@dataclass
class Backlog:
    """Reports open at a moment: counts per group and the oldest ones of each group."""

    counts: dict  # key -> (open, of them past due)
    oldest: list[tuple]  # (key, id, category_id, created_at, due_at), oldest first per key


def backlog_at(scope: Scope, moment: datetime, limit: int,
               unlisted_category_ids: Sequence[int] = ()) -> Backlog:
    """Return how many reports were open at moment per group, how many past due, the oldest.

    The `limit` oldest of each group come oldest first (ties by id); reports of unlisted
    categories are counted but not listed. One statement: window functions count each group
    and number its reports, so the open reports are found once and only the listed ones
    leave the database.
    """
    key = scope.key()
    partition = [key] if key is not None else []
    listed = (case((Report.category_id.in_(unlisted_category_ids), 0), else_=1)
              if unlisted_category_ids else literal_column("1"))
    overdue = case((Report.due_at < moment, 1), else_=0)
    numbered = (select(_key_column(scope).label("key"), listed.label("listed"),
                       func.count().over(partition_by=partition or None).label("backlog"),
                       func.sum(overdue).over(partition_by=partition or None).label("overdue"),
                       func.row_number().over(partition_by=partition + [listed],
                                              order_by=(Report.created_at, Report.id))
                       .label("rank"),
                       Report.id, Report.category_id, _raw(Report.created_at).label("created"),
                       _raw(Report.due_at).label("due"))
                .where(*scope.conditions(), open_at(moment)).subquery())
    rows = db.session.execute(
        select(numbered).where(numbered.c.rank <= max(limit, 1))
        .order_by(numbered.c.key, numbered.c.rank)).all()
    read = _reader()
    counts = {row.key: (int(row.backlog), _int(row.overdue)) for row in rows}
    oldest = [(row.key, row.id, row.category_id, read(row.created), read(row.due))
              for row in rows if row.listed and row.rank <= limit]
    return Backlog(counts, oldest)


def reopenings(scope: Scope, start: datetime, end: datetime) -> list[tuple]:
    """Return (key, reports closed in range, of them reopened since) per group.

    Closed in range: a status step to resolved or closed in [start, end) (the report may be
    open again now). Reopened: a status step from resolved or closed back to open at or after
    start, up to now. Both read the timeline, whatever the report's counters say.
    """
    closing = (select(StatusChange.report_id)
               .where(StatusChange.kind == "status", StatusChange.to_status.in_(_CLOSED),
                      StatusChange.at >= start, StatusChange.at < end))
    reopening = (select(StatusChange.report_id)
                 .where(StatusChange.kind == "status", StatusChange.from_status.in_(_CLOSED),
                        StatusChange.to_status == Status.OPEN.value, StatusChange.at >= start))
    reopened = func.sum(case((Report.id.in_(reopening), 1), else_=0))
    rows = db.session.execute(_grouped(scope, func.count(), reopened,
                                       where=[Report.id.in_(closing)])).all()
    return [(k, int(n), _int(again)) for k, n, again in rows if n]


# --- the groups -------------------------------------------------------------------------------

def neighborhoods() -> list[tuple[int, str, str]]:
    """Return (id, code, name) of every neighborhood, by name."""
    return [tuple(row) for row in db.session.execute(
        select(Area.id, Area.code, Area.name).where(Area.kind == "neighborhood")
        .order_by(Area.name, Area.id)).all()]


def departments() -> list[tuple[int, str, str]]:
    """Return (id, code, name) of every department, by name."""
    return [tuple(row) for row in db.session.execute(
        select(Department.id, Department.code, Department.name)
        .order_by(Department.name, Department.id)).all()]


def categories() -> list[Category]:
    """Return every category, by family then name."""
    return list(db.session.scalars(select(Category).order_by(Category.family, Category.name,
                                                              Category.id)))
