"""Read side of the exports: the public columns of every report a filter selects, in chunks.

An export may be a million rows, written while the response streams (after the request's own
transaction has committed). So it reads columns, not ORM objects, on a connection of its own:
on PostgreSQL a READ ONLY transaction with a server-side cursor; on SQLite a connection without
the app's BEGIN IMMEDIATE hook (a reader must not hold the write lock for the whole download),
in autocommit mode so the one SELECT is its own snapshot, with PRAGMA query_only on.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from flask import current_app
from sqlalchemy import Connection, Engine, create_engine, event, func
from sqlalchemy.orm import aliased
from sqlalchemy.pool import NullPool

from neighborhood.areas.models import Area
from neighborhood.core import db as core_db
from neighborhood.core.db import utcnow
from neighborhood.core.privacy import public_location
from neighborhood.extensions import db
from neighborhood.reports.models import Category, Report
from neighborhood.reports.queries import ReportFilter, public_reports_query
from neighborhood.routing.models import Department
from neighborhood.workflow.states import is_overdue, public_category

CHUNK_ROWS = 1000  # rows per fetch from the database and per piece of the response
_SQLITE_READER = "exports_sqlite_reader"


def export_statement(flt: ReportFilter, city_tz: str):
    """Return the SELECT of the columns an export needs for a filter's public reports, by id.

    public_row reads its rows by position: keep the two in the same order.
    """
    # public_reports_query joins category itself when it filters on it: join our own alias.
    category = aliased(Category, name="export_category")
    return (public_reports_query(flt, city_tz)
            .with_only_columns(
                Report.id, Report.external_id, Report.source, Report.status,
                Report.close_reason, Report.description, Report.address,
                func.ST_X(Report.location).label("lon"), func.ST_Y(Report.location).label("lat"),
                Report.created_at, Report.updated_at, Report.closed_at, Report.due_at,
                Report.support_count, Report.reopen_count, Report.fixed_count,
                Report.duplicate_of_id, Report.answers,
                category.code.label("category"), category.name.label("category_name"),
                category.family, category.sensitive,
                Department.name.label("department"), Area.name.label("neighborhood"))
            .join(category, category.id == Report.category_id)
            .outerjoin(Department, Department.id == Report.department_id)
            .outerjoin(Area, Area.id == Report.neighborhood_id)
            .order_by(Report.id))


def public_row(row, *, now: datetime, decimals: int | None) -> dict:
    """Return one exported report (the documented columns) from a row of export_statement."""
    (report_id, external_id, source, status, close_reason, description, address, lon, lat,
     created_at, updated_at, closed_at, due_at, support_count, reopen_count, fixed_count,
     duplicate_of, answers, category, category_name, family, sensitive, department,
     neighborhood) = row  # by position: a million rows, and names cost a lookup each
    place = public_location(lon, lat, address, sensitive=sensitive, decimals=decimals)
    return {
        "id": report_id,
        "external_id": external_id,
        "source": source,
        "category": category,
        "category_name": category_name,
        "family": family,
        "status": status,
        "public_status": public_category(status),
        "close_reason": close_reason,
        "description": description,
        "address": place.address,
        "lat": place.lat,
        "lon": place.lon,
        "location_generalized": place.generalized,
        # Withheld with the address: a neighborhood border would narrow the rounded cell.
        "neighborhood": None if place.generalized else neighborhood,
        "department": department,
        "created_at": created_at,
        "updated_at": updated_at,
        "closed_at": closed_at,
        "due_at": due_at,
        "overdue": is_overdue(status, due_at, now),
        "support_count": support_count,
        "reopen_count": reopen_count,
        "fixed_count": fixed_count,
        "duplicate_of": duplicate_of,
        "attributes": answers or {},
    }


def export_chunks(flt: ReportFilter, *, city_tz: str) -> Iterator[list[dict]]:
    """Yield the public reports a filter selects, oldest id first, CHUNK_ROWS at a time.

    Sensitive categories are generalized by the same rule as every public output
    (core.privacy, SENSITIVE_COORDINATE_DECIMALS); the contact never leaves the database.
    """
    statement = export_statement(flt, city_tz)
    decimals = current_app.config["SENSITIVE_COORDINATE_DECIMALS"]
    now = utcnow()
    with read_only_connection() as conn:
        result = conn.execution_options(yield_per=CHUNK_ROWS).execute(statement)
        with result:
            for partition in result.partitions():
                yield [public_row(row, now=now, decimals=decimals) for row in partition]


@contextmanager
def read_only_connection() -> Iterator[Connection]:
    """Yield a connection for a long read that cannot write and takes no write lock."""
    if db.engine.dialect.name == "sqlite":
        with _sqlite_reader().connect() as conn:
            yield conn
    else:
        with db.engine.connect() as conn:
            yield conn.execution_options(postgresql_readonly=True)


def _sqlite_reader() -> Engine:
    """Return the app's SQLite engine for streamed reads (made once per app, no pool)."""
    extensions = current_app.extensions
    engine = extensions.get(_SQLITE_READER)
    if engine is None:
        url, options = core_db.engine_options(db.engine.url.render_as_string(hide_password=False))
        engine = create_engine(url, poolclass=NullPool, **options)
        event.listen(engine, "connect", _read_only_pragmas)
        engine = extensions.setdefault(_SQLITE_READER, engine)
    return engine


def _read_only_pragmas(dbapi_conn, _record) -> None:
    # Autocommit: no BEGIN at all, so a SELECT is one read transaction (a WAL snapshot) that
    # never blocks writers; query_only makes any write on this connection an error.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout={core_db.SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()
