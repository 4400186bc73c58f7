"""Engine set-up for the two storage engines: SQLite + SpatiaLite and PostgreSQL + PostGIS."""

import os
import sqlite3
import time
from datetime import UTC, datetime

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.types import TypeDecorator

from neighborhood.core import writer_queue

SQLITE_BUSY_TIMEOUT_MS = 15_000
SQLITE_MMAP_BYTES = 1 << 30  # address space, not memory: pages are mapped as they are read
PING_AFTER_IDLE_SECONDS = 1.0


class SpatiaLiteUnavailable(RuntimeError):
    """Raised when SQLite cannot load the SpatiaLite extension on this machine."""


def sqlite_dbapi():
    """Return a sqlite3 DB-API module able to load extensions (the stdlib one, else pysqlite3)."""
    if hasattr(sqlite3.Connection, "enable_load_extension"):
        return sqlite3
    try:
        import pysqlite3.dbapi2 as pysqlite3
    except ImportError as exc:  # pragma: no cover - depends on the Python build
        raise SpatiaLiteUnavailable(
            "This Python's sqlite3 module cannot load extensions; "
            "run: pip install pysqlite3-binary"
        ) from exc
    return pysqlite3


def normalize_url(url: str) -> str:
    """Return DATABASE_URL with the driver this project uses (psycopg 3 for PostgreSQL)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def engine_options(url: str) -> tuple[str, dict]:
    """Return the URL and create_engine options that give a spatial engine for DATABASE_URL."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() == "sqlite":
        os.environ.setdefault("SPATIALITE_LIBRARY_PATH", "mod_spatialite")
        parsed = parsed.update_query_dict(
            {
                # WGS84 only + one transaction: a new file is ready in milliseconds, not 30 s.
                "geoalchemy2_connect_sqlite_init_mode": "WGS84",
                "geoalchemy2_connect_sqlite_transaction": "true",
            }
        )
        options = {
            "plugins": ["geoalchemy2"],
            "module": sqlite_dbapi(),
            "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        }
        return parsed.render_as_string(hide_password=False), options
    # No pool_pre_ping: it costs a round trip per request; configure_engine pings only
    # connections that sat idle (ping_when_idle).
    return parsed.render_as_string(hide_password=False), {"plugins": ["geoalchemy2"]}


def ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use when it sat idle, not one used a moment ago.

    What a ping finds is a server restarted or a connection dropped while nobody used it;
    under load a connection is idle for milliseconds, and a ping per request (SQLAlchemy's
    pool_pre_ping) cost a round trip of intake's eight on PostgreSQL. A connection that dies
    within the last PING_AFTER_IDLE_SECONDS fails its request instead: SQLAlchemy then
    drops the whole pool, and the request answers 503 (core.errors) for the client to retry.
    """

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn, record, _proxy):
        # A new connection has no idle_since (the record's info is cleared on reconnect).
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool discards this connection and checks out another (a new one if needed).
            raise DisconnectionError(f"A pooled connection failed its ping: {exc}") from exc


def configure_engine(engine: Engine) -> None:
    """Attach per-connection settings: on SQLite WAL, busy timeout, mmap, queued writers;
    on PostgreSQL a ping of connections that sat idle."""
    if engine.dialect.name != "sqlite":
        ping_when_idle(engine)
        return
    writer_queue.attach(engine, engine.url.database)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):
        # Take over transaction control from pysqlite: core.writer_queue begins transactions.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Reads through the page cache of the OS instead of copies into SQLite's: the map's
        # viewport reads scattered rows (docs/benchmarks.md, "Viewport reads").
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.close()


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored as UTC on both engines (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def in_check(column: str, values) -> str:
    """Return the SQL of a CHECK that column holds one of values (enums, fixed vocabularies)."""
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)
