"""Engine set-up: SpatiaLite found by itself, WAL, serialised writers, UTC datetimes."""

import threading
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from sqlalchemy import select, text, update

from neighborhood.core import db as core_db
from neighborhood.core.db import UTCDateTime, normalize_url, sqlite_dbapi
from neighborhood.extensions import db
from neighborhood.reports.models import Category, IdempotencyKey, Report
from neighborhood.workflow.models import StatusChange


def test_sqlite_module_can_load_extensions():
    assert hasattr(sqlite_dbapi().Connection, "enable_load_extension")


@pytest.mark.parametrize("url, expected", [
    ("postgresql://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
], ids=["postgresql", "postgres-alias", "explicit-driver", "sqlite"])
def test_database_urls_get_the_psycopg_driver(url, expected):
    assert normalize_url(url) == expected


def test_naive_datetimes_are_refused_and_aware_ones_stored_as_utc():
    column = UTCDateTime()
    with pytest.raises(ValueError, match="naive"):
        column.process_bind_param(datetime(2015, 1, 1), None)
    boston = timezone(timedelta(hours=-5))
    assert column.process_result_value(datetime(2015, 1, 1, 5), None) == \
        datetime(2015, 1, 1, 0, tzinfo=boston)


@pytest.mark.engines("spatialite")
def test_spatialite_runs_in_wal_mode_with_spatial_functions(ctx):
    assert db.session.scalar(text("PRAGMA journal_mode")) == "wal"
    assert db.session.scalar(text("SELECT spatialite_version()"))


@pytest.mark.engines("spatialite")
def test_concurrent_read_modify_write_loses_no_update(app, dummy_category):
    """BEGIN IMMEDIATE: writers queue for the lock instead of failing or overwriting."""
    workers, rounds, errors = 4, 15, []

    def bump():
        try:
            for _ in range(rounds):
                with app.app_context():
                    sla = db.session.scalar(select(Category.sla_days))
                    db.session.execute(update(Category).values(sla_days=sla + 1))
                    db.session.commit()
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(Category.sla_days)) == 15 + workers * rounds


def test_racing_retries_with_one_key_create_one_report(app, dummy_category, dummy_report_body):
    """The idempotency key holds when the retries arrive at the same time: one report, one
    key, one intake step per key, and every answer names it (many rounds: a race is rare)."""
    rounds, twins = 25, 4
    answers: dict[str, set] = {}

    def submit(key, start):
        client = app.test_client()
        start.wait()
        response = client.post("/api/v1/reports", json=dummy_report_body,
                               headers={"Idempotency-Key": key})
        answers[key].add((response.status_code, response.json.get("id")))

    for n in range(rounds):
        key, start = f"race-{n}", threading.Barrier(twins)
        answers[key] = set()
        threads = [threading.Thread(target=submit, args=(key, start)) for _ in range(twins)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert all(len(seen) == 1 and next(iter(seen))[0] == 201 for seen in answers.values())
    with app.app_context():
        count = db.session.scalar
        assert count(select(db.func.count(Report.id))) == rounds
        assert count(select(db.func.count(IdempotencyKey.key))) == rounds
        assert count(select(db.func.count(StatusChange.id))) == rounds


def _pooled_backend(app) -> int:
    """Return the server process of the app's one pooled connection, checked back in."""
    with app.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.commit()
        db.session.remove()
        assert db.engine.pool.checkedin() == 1
    return pid


def _drop_pooled_connection(app) -> int:
    """Make the server drop the app's pooled connection, as a restart or a network cut
    would; return its server process."""
    pid = _pooled_backend(app)
    with app.app_context():
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as other:  # outside the app's pool
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
    return pid


@pytest.mark.engines("postgis")
def test_an_idle_connection_dropped_by_the_server_is_replaced_before_use(app, client,
                                                                         monkeypatch):
    monkeypatch.setattr(core_db, "PING_AFTER_IDLE_SECONDS", 0.0)
    dropped = _drop_pooled_connection(app)
    assert client.get("/api/v1/categories").status_code == 200
    assert _pooled_backend(app) != dropped


@pytest.mark.engines("postgis")
def test_a_connection_dropped_right_after_use_fails_one_request_with_503(app, client,
                                                                         monkeypatch):
    """Not pinged (it was just used), it fails its request: a 503 to retry, not a 500."""
    monkeypatch.setattr(core_db, "PING_AFTER_IDLE_SECONDS", 3600.0)
    dropped = _drop_pooled_connection(app)
    response = client.get("/api/v1/categories")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert "database" in response.json["message"]
    page = client.get("/reports/new")
    assert page.status_code == 200  # the pool was dropped: the next request reconnects
    assert _pooled_backend(app) != dropped
