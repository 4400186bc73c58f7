"""Operations: back up and restore the database on either engine; retention of contacts.

The commands in ops/cli.py only parse arguments and print; everything else is here.
"""

import contextlib
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, delete, func, inspect, or_, select, text, update
from sqlalchemy.engine import Connection, Engine

from neighborhood.core.db import utcnow
from neighborhood.core.errors import DomainError
from neighborhood.extensions import db
from neighborhood.notifications.models import OutboxMessage
from neighborhood.ops import postgres as pg
from neighborhood.ops import sqlite as lite
from neighborhood.reports.models import Follower, Report
from neighborhood.workflow.states import CLOSED_STATUSES

Progress = Callable[[int, int], None]  # (done, total), e.g. pages or tables
Step = Callable[[str], None]  # a phase starts: "checking the copy", ...
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class OperationFailed(DomainError):
    """A backup, restore or retention run could not be done; the message says what to do."""


@dataclass
class DatabaseSummary:
    """What a backup or restore did: where, how big, the schema revision and every count."""

    action: str  # "backup" or "restore"
    engine: str  # "sqlite" or "postgresql"
    database: str  # the SQLite file or the PostgreSQL database name
    path: Path  # the backup file
    size_bytes: int
    revision: str | None
    rows: dict[str, int]
    notes: list[str] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        """Return the number of rows in all the app's tables."""
        return sum(self.rows.values())

    def lines(self) -> list[str]:
        """Return the summary as lines for a terminal."""
        size = f"{ENGINE_NAMES[self.engine]}, {self.size_bytes:,} bytes"
        out = [f"{self.action}: {self.path} ({size})",
               f"database: {self.database}",
               f"schema revision: {self.revision or 'none'}",
               f"tables: {len(self.rows)}, rows: {self.total_rows:,}"]
        out += [f"  {name}: {count:,}" for name, count in self.rows.items()]
        return out + self.notes


def _app_tables() -> list[str]:
    return sorted(table.name for table in db.metadata.sorted_tables)


def _sqlite_file(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise OperationFailed(f"DATABASE_URL names no SQLite file ({engine.url}); "
                              "backup and restore work on a database file.")
    return Path(database)


def _pg_bin() -> str | None:
    return current_app.config.get("PG_BIN") or os.environ.get("PG_BIN") or None


def _tool(name: str) -> str:
    try:
        return pg.find_tool(name, _pg_bin())
    except pg.ToolMissing as exc:
        raise OperationFailed(str(exc)) from exc


def _code_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(current_app.extensions["migrate"].directory).get_current_head()


def _fsync(path: Path) -> None:
    flags = (os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)) if path.is_dir() else os.O_RDONLY
    handle = os.open(path, flags)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _new_file_beside(path: Path) -> Path:
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(handle)
    return Path(name)


def _remove(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


# --- backup --------------------------------------------------------------------------------

def backup_database(path: str | Path, *, on_progress: Progress | None = None,
                    on_step: Step | None = None) -> DatabaseSummary:
    """Write a consistent copy of the live database to a new file at path.

    SQLite: SQLite's online backup API from one read snapshot (safe while the app writes),
    then an integrity check of the copy. PostgreSQL: pg_dump --format=custom from an
    exported snapshot, the same one the row counts come from; the archive is then read back
    whole with pg_restore. The file appears at path only once it is complete and checked.
    """
    path = Path(path)
    if path.exists():
        raise OperationFailed(f"{path} already exists: back up to a new file (e.g. with the "
                              "date in its name) or delete the old one first.")
    if not path.parent.is_dir():
        raise OperationFailed(f"The folder {path.parent} does not exist.")
    step = on_step or (lambda _message: None)
    engine = db.engine
    partial = _new_file_beside(path)
    try:
        if engine.dialect.name == "sqlite":
            source = _sqlite_file(engine)
            if not source.is_file():
                raise OperationFailed(f"There is no database at {source} yet "
                                      "(run `flask db upgrade`).")
            step(f"copying {source} (SQLite online backup)")
            try:
                rows, revision = lite.backup(source, partial, _app_tables(),
                                             progress=on_progress)
            except lite.NotAValidBackup as exc:
                raise OperationFailed(f"The backup is unusable: {exc}. The database may be "
                                      "damaged; keep the older backups.") from exc
            database, checked = str(source), "integrity_check: ok"
        else:
            rows, revision, entries = _pg_backup(engine, partial, on_progress, step)
            database = engine.url.database
            checked = f"archive read back: {entries:,} entries"
        _fsync(partial)
        os.replace(partial, path)
        _fsync(path.parent)
    finally:
        _remove(partial, Path(f"{partial}-journal"))
    return DatabaseSummary("backup", engine.dialect.name, database, path,
                           path.stat().st_size, revision, rows, [checked])


def _pg_counts(conn: Connection, tables: list[str]) -> tuple[dict[str, int], str | None]:
    present = set(inspect(conn).get_table_names())
    rows = {name: conn.scalar(text(f'SELECT count(*) FROM "{name}"'))
            for name in tables if name in present}
    revision = None
    if "alembic_version" in present:
        revision = conn.scalar(text("SELECT version_num FROM alembic_version"))
    return rows, revision


def _pg_backup(engine: Engine, partial: Path, on_progress: Progress | None,
               step: Step) -> tuple[dict[str, int], str | None, int]:
    pg_dump, pg_restore = _tool("pg_dump"), _tool("pg_restore")
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        conn.execute(text("SET TRANSACTION READ ONLY"))
        snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
        rows, revision = _pg_counts(conn, _app_tables())
        tables = conn.scalar(text(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', "
            "'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"))
        step(f"pg_dump of {engine.url.database} (snapshot {snapshot})")
        try:
            # The snapshot stays valid while this transaction is open: keep it until the end.
            pg.dump(pg_dump, engine.url, partial, snapshot=snapshot, tables=tables,
                    progress=on_progress)
        except pg.ToolFailed as exc:
            raise OperationFailed(str(exc)) from exc
        conn.rollback()
    step("reading the archive back (pg_restore)")
    try:
        entries = pg.archive_entries(pg_restore, partial)
    except pg.ToolFailed as exc:
        raise OperationFailed(f"The archive is unusable: {exc}") from exc
    return rows, revision, sum(1 for line in entries if line and not line.startswith(";"))


# --- restore -------------------------------------------------------------------------------

def restore_database(path: str | Path, *, force: bool = False,
                     on_progress: Progress | None = None,
                     on_step: Step | None = None) -> DatabaseSummary:
    """Replace the configured database's content with a backup made by backup_database.

    Refused while other connections use the database, unless force. SQLite: the backup is
    checked, then copied in through SQLite's backup API (one transaction). PostgreSQL:
    pg_restore --clean --if-exists in a single transaction (all or nothing); PostGIS itself
    stays as the server has it.
    """
    path = Path(path)
    if not path.is_file():
        raise OperationFailed(f"No backup file at {path}.")
    step = on_step or (lambda _message: None)
    engine = db.engine
    # Our own pooled connections would count as "in use"; the app reconnects afterwards.
    db.session.remove()
    engine.dispose()
    try:
        if engine.dialect.name == "sqlite":
            rows, revision = _sqlite_restore(engine, path, force, on_progress, step)
        else:
            rows, revision = _pg_restore(engine, path, force, on_progress, step)
    finally:
        engine.dispose()
    database = str(_sqlite_file(engine)) if engine.dialect.name == "sqlite" else (
        engine.url.database)
    summary = DatabaseSummary("restore", engine.dialect.name, database, path,
                              path.stat().st_size, revision, rows)
    head = _code_revision()
    if revision != head:
        summary.notes.append(f"The backup's schema is at revision {revision or 'none'}; this "
                             f"code expects {head}: run `flask db upgrade` before starting "
                             "the app.")
    summary.notes.append("Restart the app and its workers so no cache outlives the restore; "
                         "photo files (UPLOAD_DIR) are restored separately.")
    return summary


def _in_use(target: str, path: Path, who: str) -> OperationFailed:
    return OperationFailed(
        f"{target} is in use ({who}). Stop the app first (its web workers, `flask run`, any "
        f"`flask shell` or cron job using it), then run `flask restore {path}` again. To "
        f"restore while it runs, run `flask restore --force {path}` and restart the app "
        "afterwards.")


def _sqlite_restore(engine: Engine, path: Path, force: bool, on_progress: Progress | None,
                    step: Step) -> tuple[dict[str, int], str | None]:
    target = _sqlite_file(engine)
    if pg.is_custom_archive(path):
        raise OperationFailed(f"{path} is a PostgreSQL (pg_dump) archive, but DATABASE_URL "
                              "is a SQLite database.")
    step(f"checking {path}")
    try:
        _, revision = lite.check_backup(path, _app_tables())
    except lite.NotAValidBackup as exc:
        raise OperationFailed(f"Nothing was restored: {exc}.") from exc
    step(f"restoring into {target}")
    try:
        rows = lite.restore(path, target, _app_tables(), force=force, progress=on_progress)
    except lite.TargetInUse as exc:
        raise _in_use(str(target), path, "another connection has it open") from exc
    except lite.NotAValidBackup as exc:
        raise OperationFailed(str(exc)) from exc
    return rows, revision


def _other_sessions(engine: Engine, patience: float = 3.0) -> list[str]:
    """Return the application names of other sessions on the database.

    A session whose client just disconnected (our own pool, disposed a moment ago) stays
    listed until its server process has exited: wait a little for those to go.
    """
    deadline = time.monotonic() + patience
    while True:
        with engine.connect() as conn:
            others = list(conn.scalars(text(
                "SELECT coalesce(nullif(application_name, ''), 'unnamed') "
                "FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")))
        if not others or time.monotonic() > deadline:
            return others
        time.sleep(0.1)


def _pg_restore(engine: Engine, path: Path, force: bool, on_progress: Progress | None,
                step: Step) -> tuple[dict[str, int], str | None]:
    if lite.is_sqlite_file(path):
        raise OperationFailed(f"{path} is a SQLite backup, but DATABASE_URL is a PostgreSQL "
                              "database.")
    pg_restore = _tool("pg_restore")
    step(f"checking {path}")
    try:
        entries = pg.archive_entries(pg_restore, path)
    except pg.ToolFailed as exc:
        raise OperationFailed(f"Nothing was restored: {exc}") from exc
    name = engine.url.database
    with engine.connect() as conn:
        if not conn.scalar(text("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'")):
            raise OperationFailed(f"The database {name} has no PostGIS: run `psql -d {name} -c "
                                  "'CREATE EXTENSION postgis'` as a superuser, then restore.")
    others = [] if force else _other_sessions(engine)
    if others:
        raise _in_use(f"The database {name}", path,
                      f"{len(others)} other connection(s): {', '.join(sorted(set(others)))}")
    step(f"pg_restore --clean --if-exists into {name} (one transaction)")
    handle, name = tempfile.mkstemp(prefix="neighborhood-restore-", suffix=".list")
    os.close(handle)
    list_file = Path(name)
    try:
        pg.restore(pg_restore, engine.url, path, entries, list_file, progress=on_progress)
    except pg.ToolFailed as exc:
        raise OperationFailed(f"{exc}\nThe restore ran in one transaction: the database is "
                              "unchanged.") from exc
    finally:
        _remove(list_file)
    with engine.connect() as conn:
        return _pg_counts(conn, _app_tables())


# --- retention -----------------------------------------------------------------------------

@dataclass(frozen=True)
class RetentionCounts:
    """What a retention run cleared (or, in a dry run, would clear)."""

    cutoff: datetime
    contacts_cleared: int  # reports whose contact email/name/phone were removed
    followers_removed: int  # followers of reports closed before the cutoff
    dry_run: bool = False
    unconfirmed_removed: int = 0  # email follows never confirmed within FOLLOW_CONFIRM_DAYS
    outbox_deleted: int = 0  # sent or failed emails (and their addresses) older than cutoff
    confirm_cutoff: datetime | None = None

    def lines(self) -> list[str]:
        """Return the counts as lines for a terminal."""
        verbs = ("to clear", "to remove", "to delete") if self.dry_run else (
            "cleared", "removed", "deleted")
        out = [f"cutoff: {self.cutoff:%Y-%m-%d %H:%M} UTC",
               f"reporter contacts {verbs[0]}: {self.contacts_cleared:,}",
               f"followers {verbs[1]}: {self.followers_removed:,}",
               f"unconfirmed followers {verbs[1]}: {self.unconfirmed_removed:,}",
               f"outbox messages {verbs[2]}: {self.outbox_deleted:,}"]
        if self.dry_run:
            out.append("dry run: nothing was changed")
        return out


def anonymize_contacts(older_than_days: int, now: datetime | None = None,
                       dry_run: bool = False,
                       confirm_days: int | None = None) -> RetentionCounts:
    """Clear old reporters' contacts and every other stored address past its use.

    - Reports created more than older_than_days ago lose contact_email, contact_name and
      contact_phone.
    - Reports closed (resolved or closed) more than older_than_days ago lose all their
      followers, confirmed or not.
    - Email follows never confirmed within confirm_days (FOLLOW_CONFIRM_DAYS, 7: as long as
      the confirmation link works) are removed, whatever the report's state.
    - Outbox messages (each holds its recipient's address) that were sent, or failed for
      good, more than older_than_days ago are deleted; pending and sending ones are kept
      until they are delivered, so nothing owed is lost.

    Nothing public changes: not updated_at, not the timeline (its notes are never
    rewritten). Running it again finds nothing more to do. The caller commits.
    """
    if older_than_days < 1:
        raise OperationFailed("The retention period must be at least one day.")
    if confirm_days is None:
        confirm_days = current_app.config.get("FOLLOW_CONFIRM_DAYS", 7)
    if confirm_days < 1:
        raise OperationFailed("FOLLOW_CONFIRM_DAYS must be at least one day.")
    now = now or utcnow()
    cutoff = now - timedelta(days=older_than_days)
    confirm_cutoff = now - timedelta(days=confirm_days)
    has_contact = or_(Report.contact_email.is_not(None), Report.contact_name.is_not(None),
                      Report.contact_phone.is_not(None))
    old_contacts = (Report.created_at < cutoff, has_contact)
    closed_long_ago = select(Report.id).where(
        Report.status.in_([status.value for status in CLOSED_STATUSES]),
        Report.closed_at < cutoff)
    stale_followers = Follower.report_id.in_(closed_long_ago)
    # Counted apart from the stale ones above (those go whatever their confirmation).
    unconfirmed = (Follower.confirmed_at.is_(None), Follower.created_at < confirm_cutoff,
                   Follower.report_id.not_in(closed_long_ago))
    old_outbox = or_(and_(OutboxMessage.state == "sent", OutboxMessage.sent_at < cutoff),
                     and_(OutboxMessage.state == "failed", OutboxMessage.created_at < cutoff))
    if dry_run:
        contacts = db.session.scalar(select(func.count(Report.id)).where(*old_contacts))
        followers = db.session.scalar(select(func.count(Follower.id)).where(stale_followers))
        pending = db.session.scalar(select(func.count(Follower.id)).where(*unconfirmed))
        outbox = db.session.scalar(select(func.count(OutboxMessage.id)).where(old_outbox))
        return RetentionCounts(cutoff, contacts, followers, dry_run=True,
                               unconfirmed_removed=pending, outbox_deleted=outbox,
                               confirm_cutoff=confirm_cutoff)
    contacts = db.session.execute(
        update(Report).where(*old_contacts)
        # updated_at is public (and the hotspot data version): keep it as it was.
        .values(contact_email=None, contact_name=None, contact_phone=None,
                updated_at=Report.updated_at)
        .execution_options(synchronize_session=False)).rowcount
    pending = db.session.execute(
        delete(Follower).where(*unconfirmed)
        .execution_options(synchronize_session=False)).rowcount
    followers = db.session.execute(
        delete(Follower).where(stale_followers)
        .execution_options(synchronize_session=False)).rowcount
    outbox = db.session.execute(
        delete(OutboxMessage).where(old_outbox)
        .execution_options(synchronize_session=False)).rowcount
    db.session.expire_all()
    return RetentionCounts(cutoff, contacts, followers, unconfirmed_removed=pending,
                           outbox_deleted=outbox, confirm_cutoff=confirm_cutoff)
