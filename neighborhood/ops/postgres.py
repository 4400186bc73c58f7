"""PostgreSQL backups and restores: pg_dump/pg_restore wrapped, with progress (no Flask here).

The password never appears on a command line (visible to every user in `ps`): it goes to
the tools through PGPASSWORD in their environment; the rest of DATABASE_URL becomes a libpq
keyword/value connection string.
"""

import os
import re
import shutil
import subprocess
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy.engine import URL

PG_MAGIC = b"PGDMP"
Progress = Callable[[int, int], None]  # (done, total)

# Query parameters of DATABASE_URL that libpq understands (psycopg's own ones are dropped).
LIBPQ_PARAMS = frozenset({
    "host", "hostaddr", "port", "sslmode", "sslcert", "sslkey", "sslrootcert", "sslcrl",
    "sslcompression", "connect_timeout", "application_name", "options", "service",
    "passfile", "target_session_attrs", "gssencmode", "channel_binding", "krbsrvname",
    "requiressl", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
})
# Archive entries a restore leaves alone: PostGIS (and its spatial_ref_sys) belongs to the
# server, not to the backup. Dropping and re-creating it needs a superuser and would throw
# away the server's PostGIS version; restoring spatial_ref_sys rows clashes with its own.
_SERVER_OWNED = re.compile(r"^\d+; \d+ \d+ (EXTENSION - |COMMENT - EXTENSION |"
                           r"TABLE DATA \S+ spatial_ref_sys )")
_TABLE_DATA = re.compile(r"^\d+; \d+ \d+ TABLE DATA ")
_TABLE_DONE = re.compile(r'(dumping contents of table|processing data for table) "')


class ToolMissing(Exception):
    """pg_dump or pg_restore cannot be found."""


class ToolFailed(Exception):
    """pg_dump or pg_restore exited with an error."""


def find_tool(name: str, pg_bin: str | None) -> str:
    """Return the path of a PostgreSQL client program: in pg_bin if set, else on PATH."""
    if pg_bin:
        candidate = Path(pg_bin) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
        raise ToolMissing(f"PG_BIN is {pg_bin}, but it has no {name}: set PG_BIN to the "
                          "directory holding the server's client programs (e.g. "
                          "/usr/lib/postgresql/15/bin)")
    found = shutil.which(name)
    if found is None:
        raise ToolMissing(f"{name} is not on PATH: install the PostgreSQL client of the "
                          "server's major version (Debian: apt-get install postgresql-client-15) "
                          "or set PG_BIN to the directory that holds it "
                          "(e.g. PG_BIN=/usr/lib/postgresql/15/bin)")
    return found


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def connection_args(url: URL, environ=os.environ) -> tuple[str, dict[str, str]]:
    """Return a libpq connection string without the password, and the tools' environment."""
    words = {"dbname": url.database, "user": url.username, "host": url.host,
             "port": str(url.port) if url.port else None}
    for key, value in url.query.items():
        if key in LIBPQ_PARAMS:
            words[key] = value if isinstance(value, str) else value[-1]
    conninfo = " ".join(f"{key}={_quote(value)}" for key, value in words.items() if value)
    env = dict(environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return conninfo, env


def is_custom_archive(path: Path) -> bool:
    """Return True when the file starts like a pg_dump custom-format archive."""
    with open(path, "rb") as handle:
        return handle.read(len(PG_MAGIC)) == PG_MAGIC


def _run(argv: list[str], env: dict, total: int, progress: Progress | None) -> None:
    """Run a tool with --verbose, counting the tables it reports as progress."""
    done = 0
    tail: deque[str] = deque(maxlen=20)
    with subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, errors="replace") as process:
        for line in process.stderr:
            if _TABLE_DONE.search(line):
                done += 1
                if progress is not None:
                    progress(min(done, total), total)
            else:
                tail.append(line.rstrip())
        process.wait()
    if process.returncode != 0:
        errors = [line for line in tail if "error" in line.lower()] or list(tail)
        detail = "\n".join(errors) or f"exit status {process.returncode}"
        raise ToolFailed(f"{Path(argv[0]).name} failed:\n{detail}")
    if progress is not None:
        progress(total, total)


def dump(pg_dump: str, url: URL, target: Path, *, snapshot: str | None, tables: int,
         progress: Progress | None = None) -> None:
    """pg_dump --format=custom into target (from an exported snapshot when given)."""
    conninfo, env = connection_args(url)
    argv = [pg_dump, "--format=custom", "--verbose", "--no-password", f"--file={target}"]
    if snapshot:
        argv.append(f"--snapshot={snapshot}")
    _run([*argv, "--dbname", conninfo], env, tables, progress)


def _read(pg_restore: str, archive: Path, *options: str) -> str:
    result = subprocess.run([pg_restore, *options, str(archive)], check=False,
                            capture_output=True, text=True, errors="replace",
                            stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise ToolFailed(f"pg_restore cannot read {archive}:\n{result.stderr.strip()}")
    return result.stdout


def archive_entries(pg_restore: str, archive: Path) -> list[str]:
    """Return the table of contents of an archive that reads back whole, data included.

    `pg_restore --list` reads only the table of contents at the start of the file; turning
    the whole archive into SQL (thrown away) also reads every table's data, so a truncated
    or damaged file is caught here, before any database is touched.
    """
    entries = _read(pg_restore, archive, "--list").splitlines()
    _read(pg_restore, archive, f"--file={os.devnull}")
    return entries


def restorable_entries(entries: list[str]) -> Iterator[str]:
    """Return the entries a restore applies: all but the server-owned ones (PostGIS)."""
    return (line for line in entries if not _SERVER_OWNED.match(line))


def restore(pg_restore: str, url: URL, archive: Path, entries: list[str], list_file: Path, *,
            progress: Progress | None = None) -> None:
    """pg_restore --clean --if-exists into the database, in one transaction (all or nothing)."""
    kept = list(restorable_entries(entries))
    list_file.write_text("\n".join(kept) + "\n", encoding="utf-8")
    conninfo, env = connection_args(url)
    # No lock timeout can help here: the archive itself sets lock_timeout = 0. A session in
    # an open transaction on a table makes the restore wait for it (idle ones do not).
    argv = [pg_restore, "--clean", "--if-exists", "--single-transaction", "--no-owner",
            "--no-privileges", "--verbose", "--no-password", f"--use-list={list_file}",
            "--dbname", conninfo, str(archive)]
    _run(argv, env, sum(1 for line in kept if _TABLE_DATA.match(line)), progress)
