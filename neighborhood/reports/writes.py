"""Intake's INSERTs: a new report, its Idempotency-Key, its first timeline step, its follower.

On PostgreSQL they are one statement (data-modifying CTEs): one round trip instead of
four, the most repeated write of a busy city (docs/benchmarks.md, "Load and faults"). It
claims the key first, with the report's id drawn from the report's sequence, and inserts
the report, its step and its follower only if the claim took: a retry racing its twin
writes nothing at all, so the statement is whole on its own and intake may run it
autocommitted (services.submit_report). On SQLite, which has no DML in CTEs but no network
either, they are four plain INSERTs in the request's transaction: the report first, then
the key; a key another request claimed first takes this report back at once.
"""

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Connection, bindparam, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from neighborhood.reports.models import Follower, IdempotencyKey, Report
from neighborhood.workflow.models import StatusChange


@dataclass(frozen=True)
class NewReport:
    """The rows intake writes for one report, each without the report's id."""

    report: dict  # column -> value
    step: dict  # the timeline's first status_change
    key: dict | None = None  # the Idempotency-Key row, if the submission had one
    follower: dict | None = None  # the reporter following it, if they gave an address


def insert_report(sql: Connection, new: NewReport) -> int | None:
    """Insert a report with its key, first step and follower; return its id.

    None means another request claimed the key first: nothing of this report is left, and
    the caller answers with that request's report.
    """
    if sql.dialect.name == "postgresql":
        report = _with_defaults(Report.__table__, new.report)
        step = _with_defaults(StatusChange.__table__, new.step)
        key = _with_defaults(IdempotencyKey.__table__, new.key)
        follower = _with_defaults(Follower.__table__, new.follower)
        params = {**report, **_prefixed("k_", key), **_prefixed("s_", step),
                  **_prefixed("f_", follower)}
        return sql.execute(_one_statement(tuple(report), tuple(step), tuple(key or ()),
                                          tuple(follower or ())), params).scalar()
    report_id = sql.execute(_insert(Report.__table__), new.report).inserted_primary_key[0]
    if new.key is not None and sql.execute(_claim_key(),
                                           {**new.key, "report_id": report_id}).first() is None:
        sql.execute(_delete_report(), {"id": report_id})  # nothing refers to it yet
        return None
    sql.execute(_insert(StatusChange.__table__), {**new.step, "report_id": report_id})
    if new.follower is not None:
        sql.execute(_insert(Follower.__table__), {**new.follower, "report_id": report_id})
    return report_id


def _with_defaults(table, row: dict | None) -> dict | None:
    """Return the row with the model's Python-side defaults for the columns it leaves out.

    SQLAlchemy computes them for a top-level INSERT, not for one inside a CTE (it would send
    NULL), so the one-statement path passes every column itself.
    """
    if row is None:
        return None
    filled = dict(row)
    for column in table.columns:
        default = column.default
        if default is None or column.name in row:
            continue
        if default.is_scalar:
            filled[column.name] = default.arg
        elif default.is_callable:
            filled[column.name] = default.arg(None)  # SQLAlchemy wraps it to take a context
        # A SQL expression or a sequence is rendered into the statement by SQLAlchemy.
    return filled


def _prefixed(prefix: str, row: dict | None) -> dict:
    return {f"{prefix}{name}": value for name, value in (row or {}).items()}


# Statements are built once per process: building one (and its cache key) costs about as
# much as running it.
@cache
def _one_statement(report_columns: tuple[str, ...], step_columns: tuple[str, ...],
                   key_columns: tuple[str, ...], follower_columns: tuple[str, ...]):
    """Return the WITH statement for these columns; it answers the report's id, or no row
    when the key was claimed by another request."""
    report = Report.__table__
    report_values = [bindparam(name, type_=report.c[name].type) for name in report_columns]
    ctes = []
    if key_columns:
        # The key's row needs the report's id before the report exists: the id is drawn
        # from its sequence, and the foreign key is checked at the end of the statement.
        new_id = select(func.nextval(func.pg_get_serial_sequence("report", "id"))
                        .label("id")).cte("new_id")
        key_table = IdempotencyKey.__table__
        claimed = (_insert_from(key_table, "k_", key_columns, new_id.c.id, postgresql_insert)
                   .on_conflict_do_nothing(index_elements=["scope", "key"])
                   .returning(key_table.c.report_id).cte("claimed_key"))
        ctes += [new_id, claimed]
        # RETURNING is how one part of the statement sees another's rows (they share one
        # snapshot): no claim, no report, and no step or follower either.
        new = insert(report).from_select(["id", *report_columns],
                                         select(claimed.c.report_id, *report_values))
    else:
        new = insert(report).values(dict(zip(report_columns, report_values)))
    new = new.returning(report.c.id).cte("new_report")
    ctes.append(_insert_from(StatusChange.__table__, "s_", step_columns, new.c.id)
                .cte("first_step"))
    if follower_columns:
        ctes.append(_insert_from(Follower.__table__, "f_", follower_columns, new.c.id)
                    .cte("reporter_follows"))
    return select(new.c.id).add_cte(*ctes)


def _insert_from(table, prefix: str, columns: tuple[str, ...], report_id,
                 dialect_insert=insert):
    """INSERT a row of bound values with the report's id from a CTE (no row there, none)."""
    return dialect_insert(table).from_select(["report_id", *columns], select(
        report_id, *(bindparam(f"{prefix}{name}", type_=table.c[name].type) for name in columns)))


@cache
def _insert(table):
    return insert(table)


@cache
def _claim_key():
    """Return SQLite's INSERT of an Idempotency-Key that does nothing when another request
    has it (PostgreSQL's is part of _one_statement); RETURNING tells a claim from a conflict."""
    table = IdempotencyKey.__table__
    return (sqlite_insert(table).on_conflict_do_nothing(index_elements=["scope", "key"])
            .returning(table.c.id))


@cache
def _delete_report():
    return delete(Report.__table__).where(Report.__table__.c.id == bindparam("id"))
