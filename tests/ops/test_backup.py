"""`flask backup` / `flask restore` round trips on both engines, and online SQLite backups."""

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, delete, insert, select, text, update
from sqlalchemy.engine import make_url

from neighborhood import create_app
from neighborhood.config import TestConfig
from neighborhood.core import db as core_db
from neighborhood.core.spatial import point_element
from neighborhood.extensions import db
from neighborhood.ops import postgres as pg
from neighborhood.ops import sqlite as lite
from neighborhood.ops.services import OperationFailed, backup_database
from neighborhood.reports.models import Category, Follower, Report
from neighborhood.workflow.models import StatusChange
from tests.ops.conftest import REPORTS, snapshot, submit, summary_counts


def invoke(runner, *args):
    return runner.invoke(args=list(args))


def test_round_trip_restores_every_report_and_timeline_row(app, client, runner, city,
                                                            dummy_report_body, tmp_path):
    before = snapshot(app)
    assert len(before["report"]) == 3 and len(before["status_change"]) == 7
    assert len(before["photo"]) == 3 and len(before["follower"]) == 5
    archive = tmp_path / "neighborhood.backup"

    backed_up = invoke(runner, "backup", str(archive))
    assert backed_up.exit_code == 0, backed_up.output
    assert archive.stat().st_mode & 0o077 == 0  # personal data: readable by its owner only
    counts = summary_counts(backed_up.stdout)
    assert {k: counts[k] for k in ("report", "status_change", "photo", "follower")} == {
        "report": 3, "status_change": 7, "photo": 3, "follower": 5}
    assert "schema revision: " in backed_up.stdout

    # Life goes on: edits, a deletion (its timeline, photos and followers cascade), a new one.
    with app.app_context():
        db.session.execute(update(Report).where(Report.id == city.resolved).values(
            description="edited", contact_email=None, status="open", closed_at=None))
        db.session.execute(delete(Report).where(Report.id == city.closed))
        db.session.execute(delete(Follower).where(Follower.report_id == city.reassigned))
        db.session.commit()
    submit(client, dummy_report_body, description="After the backup.")
    assert snapshot(app) != before

    restored = invoke(runner, "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert summary_counts(restored.stdout) == counts
    after = snapshot(app)
    for table, rows in before.items():
        assert after[table] == rows, table
    assert "After the backup." not in {row["description"] for row in after["report"]}
    assert client.get(f"{REPORTS}/{city.closed}").json["properties"]["status"] == "closed"
    # Ids keep counting from where the backup was (PostgreSQL sequences are restored too).
    assert submit(client, dummy_report_body) == max(r["id"] for r in before["report"]) + 1


def test_backup_refuses_to_overwrite_a_file(app, runner, city, tmp_path):
    archive = tmp_path / "taken"
    archive.write_bytes(b"an older backup")
    result = invoke(runner, "backup", str(archive))
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert archive.read_bytes() == b"an older backup"
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]  # no partial file left behind


def test_restore_refuses_a_file_that_is_not_a_backup(app, runner, city, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    before = snapshot(app)
    result = invoke(runner, "restore", str(junk))
    assert result.exit_code == 1
    assert "Nothing was restored" in result.output
    assert snapshot(app) == before


def test_restore_refuses_while_the_database_is_in_use(app, runner, city, database_url,
                                                      tmp_path):
    archive = tmp_path / "backup"
    assert invoke(runner, "backup", str(archive)).exit_code == 0
    with app.app_context():
        db.session.execute(update(Report).values(description="changed since"))
        db.session.commit()
    url, options = core_db.engine_options(database_url)
    other = create_engine(url, **options)  # another process's pool, say a web worker's
    core_db.configure_engine(other)
    descriptions = select(Report.description).distinct()
    try:
        with other.connect() as conn:
            assert list(conn.scalars(descriptions)) == ["changed since"]
            conn.commit()  # idle between two requests, as a worker mostly is

            refused = invoke(runner, "restore", str(archive))
            assert refused.exit_code == 1
            assert "is in use" in refused.output
            assert f"flask restore --force {archive}" in refused.output
            assert list(conn.scalars(descriptions)) == ["changed since"]
            conn.commit()

            forced = invoke(runner, "restore", "--force", str(archive))
            assert forced.exit_code == 0, forced.output
            # The open connection goes on working, and sees the restored database.
            assert "changed since" not in set(conn.scalars(descriptions))
            conn.commit()
    finally:
        other.dispose()
    with app.app_context():
        db.session.execute(update(Report).values(description="changed again"))
        db.session.commit()
    restored = invoke(runner, "restore", str(archive))  # once alone, no --force needed
    assert restored.exit_code == 0, restored.output
    with app.app_context():
        assert "changed again" not in set(db.session.scalars(descriptions))


def test_restore_refuses_a_truncated_backup(app, runner, city, tmp_path):
    archive = tmp_path / "whole"
    assert invoke(runner, "backup", str(archive)).exit_code == 0
    truncated = tmp_path / "truncated"
    truncated.write_bytes(archive.read_bytes()[:archive.stat().st_size // 2])
    before = snapshot(app)
    result = invoke(runner, "restore", str(truncated))
    assert result.exit_code == 1
    assert "Nothing was restored" in result.output  # found before the database is touched
    assert isinstance(result.exception, SystemExit)  # a clean error, not a traceback
    assert snapshot(app) == before


@pytest.mark.engines("spatialite")
def test_sqlite_backup_is_one_checked_file(app, runner, city, tmp_path):
    archive = tmp_path / "copy.db"
    result = invoke(runner, "backup", str(archive))
    assert result.exit_code == 0, result.output
    assert "integrity_check: ok" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.db"]  # no -wal, no -shm
    conn = core_db.sqlite_dbapi().connect(str(archive))
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("SELECT count(*) FROM report").fetchone()[0] == 3
    finally:
        conn.close()


@pytest.mark.engines("spatialite")
def test_sqlite_backup_while_another_connection_writes_is_consistent(
        app, city, database_url, tmp_path, monkeypatch):
    """Each writer transaction adds a report and its timeline step and bumps a counter on
    the first report; the copy must hold whole transactions only, as of one moment."""
    monkeypatch.setattr(lite, "PAGES_PER_STEP", 8)  # many small steps, writes in between
    url, options = core_db.engine_options(database_url)
    writer = create_engine(url, **options)
    core_db.configure_engine(writer)
    with app.app_context():
        category_id = db.session.scalar(select(Category.id))
    committed, failure, stop = [0], [], threading.Event()
    progressed = threading.Condition()

    def write():
        try:
            while not stop.is_set():
                now = datetime.now(UTC)
                with writer.begin() as conn:
                    report_id = conn.execute(insert(Report).values(
                        category_id=category_id, description="written during the backup",
                        location=point_element(-71.06, 42.355), status="open", source="web",
                        h3_r8="882a306621fffff", h3_r9="892a3066213ffff", created_at=now,
                        updated_at=now)).inserted_primary_key[0]
                    conn.execute(insert(StatusChange).values(
                        report_id=report_id, kind="status", to_status="open",
                        actor_role="system", at=now))
                    conn.execute(update(Report).where(Report.id == city.resolved).values(
                        support_count=Report.support_count + 1))
                with progressed:
                    committed[0] += 1
                    progressed.notify_all()
        except Exception as exc:  # noqa: BLE001 - re-raised by the test below
            failure.append(exc)
            with progressed:
                progressed.notify_all()

    steps = []

    def wait_for_writes(done, total):
        # Between two backup steps, let the writer commit twice more.
        steps.append(done)
        with progressed:
            target = committed[0] + 2
            assert progressed.wait_for(lambda: committed[0] >= target or failure, timeout=10)

    thread = threading.Thread(target=write)
    thread.start()
    try:
        with progressed:
            progressed.wait_for(lambda: committed[0] >= 3 or failure, timeout=10)
        archive = tmp_path / "online.db"
        with app.app_context():
            started = committed[0]
            backup_database(archive, on_progress=wait_for_writes)
    finally:
        stop.set()
        thread.join()
        writer.dispose()
    assert not failure, failure
    assert len(steps) > 3  # the copy really was made in steps while the writer wrote

    conn = core_db.sqlite_dbapi().connect(str(archive))
    try:
        written = conn.execute("SELECT count(*) FROM report WHERE description = "
                               "'written during the backup'").fetchone()[0]
        steps_written = conn.execute(
            "SELECT count(*) FROM status_change s JOIN report r ON r.id = s.report_id "
            "WHERE r.description = 'written during the backup'").fetchone()[0]
        counter = conn.execute("SELECT support_count FROM report WHERE id = ?",
                               (city.resolved,)).fetchone()[0]
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()
    assert written == steps_written == counter  # whole transactions, nothing torn
    assert started <= written < committed[0]  # one moment: the start, not later writes


def test_connection_string_keeps_the_password_off_the_command_line():
    url = make_url("postgresql+psycopg://app:s3cr%27et@db.example:6543/city"
                   "?sslmode=require&prepare_threshold=0")
    conninfo, env = pg.connection_args(url, environ={"PATH": "/usr/bin"})
    assert "s3cr" not in conninfo
    assert env == {"PATH": "/usr/bin", "PGPASSWORD": "s3cr'et"}
    assert conninfo == ("dbname='city' user='app' host='db.example' port='6543' "
                        "sslmode='require'")


@pytest.mark.engines("postgis")
def test_pg_dump_gets_the_password_from_the_environment(app, city, database_url,
                                                        postgres_server, tmp_path, monkeypatch):
    seen = []
    real_popen = pg.subprocess.Popen

    def spy(argv, **kwargs):
        seen.append((argv, kwargs.get("env") or {}))
        return real_popen(argv, **kwargs)

    monkeypatch.setattr(pg.subprocess, "Popen", spy)
    url = make_url(database_url).set(password="pw-1234").render_as_string(hide_password=False)
    with_password = create_app(TestConfig, DATABASE_URL=url, PG_BIN=str(postgres_server.bindir))
    try:
        result = with_password.test_cli_runner().invoke(args=["backup", str(tmp_path / "dump")])
    finally:
        with with_password.app_context():
            db.engine.dispose()
    assert result.exit_code == 0, result.output  # the test server trusts local connections
    assert not any("pw-1234" in str(arg) for argv, _ in seen for arg in argv)
    (env,) = [env for argv, env in seen if argv[0].endswith("/pg_dump")]
    assert env["PGPASSWORD"] == "pw-1234"


@pytest.mark.engines("postgis")
def test_missing_pg_dump_is_a_clear_error(app, runner, city, tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    app.config["PG_BIN"] = str(empty)
    result = invoke(runner, "backup", str(tmp_path / "dump"))
    assert result.exit_code == 1
    assert f"PG_BIN is {empty}, but it has no pg_dump" in result.output

    app.config["PG_BIN"] = None
    monkeypatch.delenv("PG_BIN", raising=False)
    monkeypatch.setenv("PATH", str(empty))
    result = invoke(runner, "backup", str(tmp_path / "dump"))
    assert result.exit_code == 1
    assert "pg_dump is not on PATH" in result.output and "PG_BIN" in result.output
    assert not (tmp_path / "dump").exists()


@pytest.mark.engines("postgis")
def test_restore_keeps_postgis_as_the_server_has_it(app, runner, city, tmp_path):
    archive = tmp_path / "dump"
    assert invoke(runner, "backup", str(archive)).exit_code == 0
    with app.app_context():
        before = db.session.scalar(text("SELECT oid FROM pg_extension WHERE extname = 'postgis'"))
    assert invoke(runner, "restore", str(archive)).exit_code == 0
    with app.app_context():
        after = db.session.scalar(text("SELECT oid FROM pg_extension WHERE extname = 'postgis'"))
    assert after == before  # not dropped and re-created


def test_a_backup_of_one_engine_is_refused_by_the_other(app, runner, city, engine, tmp_path):
    foreign = tmp_path / "foreign"
    foreign.write_bytes((b"PGDMP" if engine == "spatialite" else b"SQLite format 3\x00")
                        + b"\x00" * 200)
    result = invoke(runner, "restore", str(foreign))
    assert result.exit_code == 1
    assert ("PostgreSQL (pg_dump) archive" if engine == "spatialite"
            else "is a SQLite backup") in result.output


def test_services_raise_domain_errors(app, city, tmp_path):
    (tmp_path / "exists").touch()
    with app.app_context(), pytest.raises(OperationFailed, match="already exists"):
        backup_database(tmp_path / "exists")
