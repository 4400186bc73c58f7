"""SQLite backups and restores with SQLite's online backup API (no Flask in here).

Why the backup API and not a file copy: the app runs in WAL mode, so recent commits may live
only in `<db>-wal`; a copy of the main file alone misses them, and a copy taken while a
checkpoint runs is torn. The backup API reads pages through SQLite itself.

Consistency: the source connection opens a read transaction before the first page is copied
and keeps it until the last one. In WAL mode that pins one snapshot: writers go on committing
(they only append to the WAL), and the copy holds exactly the database as of that moment.

Always use the same sqlite3 module as the app's engine (core.db.sqlite_dbapi): POSIX locks
belong to the process, and two SQLite libraries in one process do not see each other's locks.
"""

from collections.abc import Callable
from pathlib import Path

from neighborhood.core.db import SQLITE_BUSY_TIMEOUT_MS, sqlite_dbapi

PAGES_PER_STEP = 1024  # 4 MiB at the default 4 KiB page: a progress update per step
SQLITE_MAGIC = b"SQLite format 3\x00"

Progress = Callable[[int, int], None]  # (done, total)


class TargetInUse(Exception):
    """Another connection (the running app, a worker, a shell) has the database open."""


class NotAValidBackup(Exception):
    """The file is not a usable SQLite backup of this app."""


def is_sqlite_file(path: Path) -> bool:
    """Return True when the file starts with SQLite's header."""
    with open(path, "rb") as handle:
        return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC


def _connect(path: Path, *, timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, read_only=False):
    module = sqlite_dbapi()
    if read_only:
        return module.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                              isolation_level=None, timeout=timeout_ms / 1000)
    return module.connect(str(path), isolation_level=None, timeout=timeout_ms / 1000)


def _copy(source, target, progress: Progress | None, pages: int | None) -> None:
    def step(_status, remaining, total):
        if progress is not None:
            progress(total - remaining, total)

    source.backup(target, pages=pages or PAGES_PER_STEP, progress=step)


def integrity_errors(conn) -> list[str]:
    """Return what PRAGMA integrity_check finds wrong (empty: the file is sound)."""
    found = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    return [] if found == ["ok"] else found


def row_counts(conn, tables) -> dict[str, int]:
    """Return the row count of each of these tables that exists in the database."""
    present = {row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for name in sorted(tables) if name in present}


def schema_revision(conn) -> str | None:
    """Return the Alembic revision the database is at, if it has one."""
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite_dbapi().OperationalError:
        return None
    return row[0] if row else None


def backup(source_path: Path, target_path: Path, tables, *, progress: Progress | None = None,
           pages: int | None = None) -> tuple[dict[str, int], str | None]:
    """Copy a live database to a new file; return its row counts and schema revision.

    The copy is checked (integrity_check) and is a single self-contained file (rollback
    journal mode, no -wal/-shm beside it). target_path must be a new, empty file.
    """
    source = _connect(source_path)
    try:
        target = _connect(target_path)
        try:
            source.execute("BEGIN")  # a read transaction: pins the snapshot for every step
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()
            _copy(source, target, progress, pages)
            source.execute("COMMIT")
            target.execute("PRAGMA journal_mode=DELETE")
            errors = integrity_errors(target)
            if errors:
                raise NotAValidBackup("the copy failed its integrity check: "
                                      + "; ".join(errors[:5]))
            return row_counts(target, tables), schema_revision(target)
        finally:
            target.close()
    finally:
        source.close()


def check_backup(path: Path, tables) -> tuple[dict[str, int], str | None]:
    """Check that a file is a sound SQLite backup of this app; return its counts and revision."""
    if not is_sqlite_file(path):
        raise NotAValidBackup(f"{path} is not a SQLite database")
    conn = _connect(path, read_only=True)
    try:
        errors = integrity_errors(conn)
        if errors:
            raise NotAValidBackup(f"{path} fails its integrity check: " + "; ".join(errors[:5]))
        revision = schema_revision(conn)
        counts = row_counts(conn, tables)
    except sqlite_dbapi().DatabaseError as exc:  # a truncated or overwritten file
        raise NotAValidBackup(f"{path} cannot be read: {exc}") from exc
    finally:
        conn.close()
    if revision is None or "report" not in counts:
        raise NotAValidBackup(f"{path} is a SQLite database but not a Neighborhood backup "
                              "(no alembic_version or report table)")
    return counts, revision


def claim(path: Path):
    """Open the database for exclusive use, or raise TargetInUse if anyone else has it open.

    In WAL mode every open connection keeps a shared lock on the file, idle or not; an
    exclusive lock therefore succeeds only when no other connection exists, in this process
    or any other. The returned connection keeps the lock until it is closed.
    """
    conn = _connect(path, timeout_ms=0)
    try:
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute("COMMIT")
    except sqlite_dbapi().OperationalError as exc:
        conn.close()
        raise TargetInUse(str(exc)) from exc
    return conn


def restore(backup_path: Path, target_path: Path, tables, *, force: bool = False,
            progress: Progress | None = None,
            pages: int | None = None) -> dict[str, int]:
    """Replace the target database's content with the backup's; return the new row counts.

    The pages go through SQLite (the backup API in reverse), in one write transaction on the
    target: a reader sees the old database or the new one, never a mix, and a stale -wal
    file can never be replayed over the new content. Without force, refuse (TargetInUse)
    while any other connection has the target open.
    """
    target = _connect(target_path) if force else claim(target_path)
    try:
        source = _connect(backup_path, read_only=True)
        try:
            _copy(source, target, progress, pages)
        finally:
            source.close()
        errors = [row[0] for row in target.execute("PRAGMA quick_check")]
        if errors != ["ok"]:
            raise NotAValidBackup("the restored database failed its check: "
                                  + "; ".join(errors[:5]))
        counts = row_counts(target, tables)
        if target.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            target.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return counts
    finally:
        target.close()

