"""Intake's INSERTs: a new report, its Idempotency-Key, its first timeline step, its follower.

On PostgreSQL they are one statement (data-modifying CTEs): one round trip instead of
four, the most repeated write of a busy city (docs/benchmarks.md, "Load and faults"). On
SQLite, which has no DML in CTEs but no network either, they are four plain INSERTs.
Both keep the same rule: the report is inserted first and its key claimed with ON CONFLICT
DO NOTHING; a key another request claimed first means this report gets nothing else and
is taken back by the caller (`take_back`), so a retry racing its twin makes one report.
"""

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Connection, bindparam, delete, exists, insert, select, true
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


def insert_report(sql: Connection, new: NewReport) -> tuple[int, bool]:
    """Insert a report with its key, first step and follower; return (id, key claimed).

    A key already claimed by another request leaves the report inserted alone: the caller
    takes it back with `take_back` and answers with the other request's report.
    """
    if sql.dialect.name == "postgresql":
        report = _with_defaults(Report.__table__, new.report)
        step = _with_defaults(StatusChange.__table__, new.step)
        key = _with_defaults(IdempotencyKey.__table__, new.key)
        follower = _with_defaults(Follower.__table__, new.follower)
        params = {**report, **_prefixed("k_", key), **_prefixed("s_", step),
                  **_prefixed("f_", follower)}
        row = sql.execute(_one_statement(tuple(report), tuple(step), tuple(key or ()),
                                         tuple(follower or ())), params).one()
        return row.id, row.claimed
    report_id = sql.execute(_insert(Report.__table__), new.report).inserted_primary_key[0]
    if new.key is not None and sql.execute(_claim_key(),
                                           {**new.key, "report_id": report_id}).first() is None:
        return report_id, False
    sql.execute(_insert(StatusChange.__table__), {**new.step, "report_id": report_id})
    if new.follower is not None:
        sql.execute(_insert(Follower.__table__), {**new.follower, "report_id": report_id})
    return report_id, True


def take_back(sql: Connection, report_id: int) -> None:
    """Delete a report that lost its key to another request (nothing refers to it yet)."""
    sql.execute(_delete_report(), {"id": report_id})


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
    """Return the WITH statement for these columns; it answers (id, claimed)."""
    report = Report.__table__
    new = (insert(report)
           .values({name: bindparam(name, type_=report.c[name].type) for name in report_columns})
           .returning(report.c.id).cte("new_report"))
    claimed = true()
    ctes = []
    if key_columns:
        key = (_insert_from(IdempotencyKey.__table__, "k_", key_columns, new, postgresql_insert)
               .on_conflict_do_nothing(index_elements=["scope", "key"])
               .returning(IdempotencyKey.__table__.c.id).cte("claimed_key"))
        ctes.append(key)
        claimed = exists(select(key.c.id))
    # The step and the follower are written only with the key: RETURNING is how one part of
    # the statement sees another's rows (they share one snapshot).
    ctes.append(_insert_from(StatusChange.__table__, "s_", step_columns, new, insert,
                             where=claimed).cte("first_step"))
    if follower_columns:
        ctes.append(_insert_from(Follower.__table__, "f_", follower_columns, new, insert,
                                 where=claimed).cte("reporter_follows"))
    return select(new.c.id, claimed.label("claimed")).add_cte(*ctes)


def _insert_from(table, prefix: str, columns: tuple[str, ...], new, dialect_insert, where=None):
    """INSERT a row of bound values and the new report's id from its CTE."""
    values = select(new.c.id, *(bindparam(f"{prefix}{name}", type_=table.c[name].type)
                                for name in columns))
    if where is not None:
        values = values.where(where)
    return dialect_insert(table).from_select(["report_id", *columns], values)


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
