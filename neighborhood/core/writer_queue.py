"""How SQLite transactions take the write lock: in a queue, and as late as the caller allows.

SQLite lets one writer in at a time and makes the others poll with sleeps of 1 to 100 ms
(its busy handler): under many concurrent writers most of them sleep while the lock is free.
Writers of this app first take an exclusive flock(2) on a file beside the database, so the
kernel wakes the next one the moment the last releases it, and releases the lock of a
process that dies (kill -9). SQLite's own lock and busy timeout still guard against writers
outside the app.

Every transaction starts with BEGIN IMMEDIATE (it reads and writes one consistent state),
unless the caller declares, with `reads_then_writes()`, that its reads may come from a
snapshot taken before the write lock: then it reads without the lock, and its first write
ends that snapshot and begins an immediate transaction. Only code whose writes are guarded
by constraints, not by what it read, may declare that (report intake: a key that another
request stored meanwhile fails its unique index and is replayed), and requests with a safe
method (GET: their writes are caches and last-use stamps, see core.transaction).
"""

import fcntl
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from sqlalchemy import event
from sqlalchemy.engine import Engine

_reads_first: ContextVar[bool] = ContextVar("sqlite_reads_first", default=False)
_held = threading.local()
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)


class WriterQueueDeadlock(RuntimeError):
    """Raised when a thread asks for a second write transaction while it holds one."""


@contextmanager
def reads_then_writes() -> Iterator[None]:
    """Let transactions begun inside read without the write lock until their first write."""
    token = set_reads_first(True)
    try:
        yield
    finally:
        reset_reads_first(token)


def set_reads_first(enabled: bool) -> Token:
    """Set whether transactions begun from now on read first; return the token to reset."""
    return _reads_first.set(enabled)


def reset_reads_first(token: Token) -> None:
    """Undo set_reads_first."""
    _reads_first.reset(token)


def lock_path(database: str | None) -> str | None:
    """Return the writers' lock file of a database file; None for in-memory databases."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{database}-writers"


def _acquire(fd: int) -> None:
    if getattr(_held, "holding", False):
        # Another connection of this thread holds the queue: waiting would never end.
        raise WriterQueueDeadlock(
            "This thread already has a write transaction open on another connection.")
    fcntl.flock(fd, fcntl.LOCK_EX)
    _held.holding = True


def _release(info: dict) -> None:
    if info.pop("writer_queue_held", False):
        fcntl.flock(info["writer_queue_fd"], fcntl.LOCK_UN)
        _held.holding = False


def _begin_immediate(dbapi_conn, info: dict) -> None:
    fd = info.get("writer_queue_fd")
    if fd is not None:
        _acquire(fd)
        info["writer_queue_held"] = True
    dbapi_conn.execute("BEGIN IMMEDIATE")


def attach(engine: Engine, database: str | None) -> None:
    """Make transactions on a SQLite engine queue for the write lock (see the module doc)."""
    path = lock_path(database)

    @event.listens_for(engine, "connect")
    def _open(_dbapi_conn, record):
        if path is not None:
            record.info["writer_queue_fd"] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    @event.listens_for(engine, "close")
    def _close(_dbapi_conn, record):
        _release(record.info)
        fd = record.info.pop("writer_queue_fd", None)
        if fd is not None:
            os.close(fd)

    @event.listens_for(engine, "reset")
    def _reset(dbapi_conn, record, _state):
        # Returned to the pool inside a transaction: end it before letting the next one in.
        record.info.pop("reading", None)
        if record.info.get("writer_queue_held"):
            dbapi_conn.rollback()
            _release(record.info)

    @event.listens_for(engine, "begin")
    def _begin(conn):
        info = conn.connection.info
        if _reads_first.get():
            info["reading"] = True
            conn.connection.dbapi_connection.execute("BEGIN")
        else:
            _begin_immediate(conn.connection.dbapi_connection, info)

    def _to_writing(conn) -> None:
        info = conn.connection.info
        if info.pop("reading", False):
            dbapi_conn = conn.connection.dbapi_connection
            dbapi_conn.execute("COMMIT")  # ends the read snapshot; nothing was written
            _begin_immediate(dbapi_conn, info)

    @event.listens_for(engine, "savepoint")
    def _savepoint(conn, _name):
        _to_writing(conn)  # savepoints wrap writes: the transaction must be writing first

    @event.listens_for(engine, "before_cursor_execute")
    def _before_execute(conn, _cursor, statement, _parameters, _context, _executemany):
        if conn.connection.info.get("reading") and _WRITE.match(statement):
            _to_writing(conn)

    # SQLAlchemy's commit and rollback events fire before the DB-API call: end the
    # transaction here, then release, so the next writer never finds SQLite still locked.
    def _end(conn, ending: str) -> None:
        conn.connection.info.pop("reading", None)
        try:
            getattr(conn.connection.dbapi_connection, ending)()
        finally:
            _release(conn.connection.info)

    event.listen(engine, "commit", lambda conn: _end(conn, "commit"))
    event.listen(engine, "rollback", lambda conn: _end(conn, "rollback"))
