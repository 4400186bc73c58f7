"""SQLite writers queue on a lock file; reads-first transactions take it at their first write."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from sqlalchemy import create_engine, insert, select, text

from neighborhood.core import db as core_db
from neighborhood.core.writer_queue import (WriterQueueDeadlock, lock_path,
                                            reads_then_writes)
from neighborhood.reports.models import Category

pytestmark = pytest.mark.engines("spatialite")


@pytest.fixture
def other_engine(app, database_url):
    """A second engine on the test database, set up as the app sets up its own."""
    url, options = core_db.engine_options(database_url)
    engine = create_engine(url, **options)
    core_db.configure_engine(engine)
    yield engine
    engine.dispose()


def category_row(code: str) -> dict:
    return {"code": code, "name": code, "family": "lighting", "sla_days": 5,
            "sensitive": False}


def in_thread(target) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)  # a failed test must not hang
    thread.start()
    return thread


def test_a_writer_waits_for_the_one_before_it_and_goes_on_at_its_commit(other_engine):
    order, first_in = [], threading.Event()

    def second():
        first_in.wait()
        with other_engine.begin() as conn:
            order.append("second begins")
            conn.execute(insert(Category), category_row("second"))

    with other_engine.begin() as conn:
        conn.execute(insert(Category), category_row("first"))
        thread = in_thread(second)
        first_in.set()
        time.sleep(0.3)  # the second writer is queued by now; it must still be waiting
        order.append("first commits")
    thread.join(10)
    assert order == ["first commits", "second begins"]


def test_a_rolled_back_writer_lets_the_next_one_in(other_engine):
    with other_engine.connect() as conn:
        conn.execute(insert(Category), category_row("undone"))
        conn.rollback()
        thread = in_thread(lambda: _write(other_engine, "next"))  # while conn is still open
        thread.join(10)
        assert not thread.is_alive()
    assert "next" in _codes(other_engine) and "undone" not in _codes(other_engine)


def _write(engine, code: str) -> bool:
    with engine.begin() as conn:
        conn.execute(insert(Category), category_row(code))
    return True


def test_a_reads_first_transaction_does_not_hold_the_lock_until_it_writes(other_engine):
    with other_engine.connect() as reader:
        with reads_then_writes():
            before = reader.scalar(select(Category.id).where(Category.code == "meanwhile"))
        # Another connection writes while the reader's transaction is open.
        thread = in_thread(lambda: _write(other_engine, "meanwhile"))
        thread.join(10)
        assert before is None and not thread.is_alive()
        # Its first write starts from the latest state instead of failing on a stale one.
        reader.execute(insert(Category), category_row("after"))
        assert reader.scalar(select(Category.id).where(Category.code == "meanwhile"))
        reader.commit()
    assert _codes(other_engine) >= {"meanwhile", "after"}


def _codes(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(select(Category.code)))


def test_a_second_write_transaction_in_one_thread_fails_at_once_instead_of_hanging(other_engine):
    with other_engine.begin() as conn:
        conn.execute(text("SELECT 1"))
        with pytest.raises(WriterQueueDeadlock):
            with other_engine.begin() as other:
                other.execute(text("SELECT 1"))


def test_a_connection_returned_inside_a_transaction_releases_the_queue(other_engine):
    conn = other_engine.connect()
    conn.execute(insert(Category), category_row("abandoned"))
    conn.close()  # back to the pool without commit: rolled back, the queue released
    thread = in_thread(lambda: _write(other_engine, "later"))
    thread.join(10)
    assert not thread.is_alive()
    assert "abandoned" not in _codes(other_engine) and "later" in _codes(other_engine)


def test_the_lock_of_a_killed_process_is_released(other_engine, database_url):
    holder = textwrap.dedent(f"""
        import sys, time
        from sqlalchemy import create_engine, text
        from neighborhood.core import db as core_db
        url, options = core_db.engine_options({database_url!r})
        engine = create_engine(url, **options)
        core_db.configure_engine(engine)
        conn = engine.connect()
        conn.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: holds the queue and the write lock
        print("holding", flush=True)
        time.sleep(60)
    """)
    process = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE,
                               text=True, cwd=os.getcwd())
    try:
        assert process.stdout.readline().strip() == "holding"
        thread = in_thread(lambda: _write(other_engine, "after the kill"))
        thread.join(0.5)
        assert thread.is_alive()  # queued behind the holder
        process.send_signal(signal.SIGKILL)
        thread.join(10)
        assert not thread.is_alive()
    finally:
        process.kill()
        process.wait()
        process.stdout.close()
    assert "after the kill" in _codes(other_engine)


def test_in_memory_databases_have_no_lock_file():
    assert lock_path(":memory:") is None
    assert lock_path("") is None
    assert lock_path("/srv/neighborhood.db") == "/srv/neighborhood.db-writers"


def test_a_get_request_reads_while_another_connection_writes(app, other_engine):
    order, held, release = [], threading.Event(), threading.Event()

    def writer():
        with other_engine.begin() as conn:
            conn.execute(insert(Category), category_row("held"))
            held.set()
            release.wait(10)  # a GET that queued for the lock would wait out these 10 s
            order.append("writer commits")

    thread = in_thread(writer)
    assert held.wait(10)
    response = app.test_client().get("/api/v1/reports")
    order.append("read answered")
    release.set()
    thread.join(10)
    assert response.status_code == 200
    assert order == ["read answered", "writer commits"]


def test_a_post_request_waits_for_the_writer_before_it(app, other_engine, dummy_category,
                                                       dummy_report_body):
    order, held, release = [], threading.Event(), threading.Event()

    def writer():
        with other_engine.begin() as conn:
            conn.execute(insert(Category), category_row("held"))
            held.set()
            release.wait(0.5)
            order.append("writer commits")

    thread = in_thread(writer)
    assert held.wait(10)
    response = app.test_client().post("/api/v1/reports", json=dummy_report_body)
    order.append("report stored")
    thread.join(10)
    assert response.status_code == 201
    assert order == ["writer commits", "report stored"]
