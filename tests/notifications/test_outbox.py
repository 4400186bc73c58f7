"""The outbox: written in the request's transaction, drained once, retried with backoff."""

import re
import threading
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select, update

from neighborhood.core import signals, transaction
from neighborhood.core.db import utcnow
from neighborhood.core.errors import InvalidInput
from neighborhood.extensions import db
from neighborhood.notifications import receivers, services
from neighborhood.notifications.models import OutboxMessage
from neighborhood.notifications.senders import MemorySender
from neighborhood.notifications.services import (BACKOFF_CAP, MAX_ATTEMPTS, DrainResult, backoff,
                                                 drain_outbox, enqueue)
from neighborhood.reports.models import Follower, Report

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


class FailingSender:
    """A mail server that refuses every message."""

    def __init__(self):
        self.calls = 0

    def send(self, message):
        self.calls += 1
        raise ConnectionRefusedError("mail server down")


class Crash(BaseException):
    """The drainer's process dies mid-send (not an Exception: nothing catches it)."""


class CrashingSender:
    """Sees the message, then the process dies before the outcome is recorded."""

    def __init__(self):
        self.seen = []

    def send(self, message):
        self.seen.append(message)
        raise Crash()


def put(key, *, to="neighbour@example.org", now=T0):
    return enqueue(dedupe_key=key, to=to, subject=f"Subject {key}", body=f"Body {key}\n",
                   now=now)


def row(key) -> OutboxMessage:
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))


def outbox_size() -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id)))


# Writing


def test_enqueue_writes_the_row_in_the_current_transaction(ctx):
    message = put("a:1")
    assert message is not None and message.id is not None
    assert outbox_size() == 1
    transaction.rollback()
    assert outbox_size() == 0
    put("a:1")
    transaction.commit()
    db.session.expire_all()
    stored = row("a:1")
    assert (stored.state, stored.attempts, stored.to_address) == ("pending", 0,
                                                                   "neighbour@example.org")
    assert stored.next_attempt_at == T0 and stored.claimed_at is None


def test_second_enqueue_with_the_same_dedupe_key_is_a_no_op(ctx):
    first = put("a:1", to="first@example.org")
    put("b:1")
    assert put("a:1", to="second@example.org") is None
    transaction.commit()  # the failed insert did not spoil the transaction
    assert outbox_size() == 2
    assert row("a:1").id == first.id and row("a:1").to_address == "first@example.org"
    assert put("a:1", to="third@example.org") is None  # also across transactions
    transaction.commit()
    assert outbox_size() == 2


def test_enqueue_then_rollback_writes_nothing_and_sends_nothing(app, sent_mail):
    with app.test_request_context():
        put("a:1")
        transaction.rollback()
        assert outbox_size() == 0
        assert drain_outbox(app.extensions["notify_sender"], now=T0) == DrainResult()
    assert sent_mail == []


def test_request_failing_after_the_signal_writes_no_outbox_row_and_sends_nothing(
        app, client, lifecycle_city, dummy_report_body, create_account, sent_mail):
    staff = create_account("staff", department="PWD")
    report_id = client.post("/api/v1/reports", json=dummy_report_body, buffered=True).json["id"]

    def notify_then_fail(sender, report, step, **extra):
        receivers.on_status_changed(sender, report=report, step=step, **extra)
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1  # it was written
        raise InvalidInput.field("json", "note", "A later check rejects this move.")

    signals.status_changed.disconnect(receivers.on_status_changed, sender=app)
    try:
        with signals.status_changed.connected_to(notify_then_fail, sender=app):
            resp = client.post(f"/api/v1/reports/{report_id}/transitions",
                               json={"to": "acknowledged"}, headers=staff.headers)
            assert resp.status_code == 422, resp.json
            resp.close()  # an inline drain, if one were scheduled, would run now
    finally:
        signals.status_changed.connect(receivers.on_status_changed, sender=app)
    assert sent_mail == []
    with app.app_context():
        assert outbox_size() == 0
        assert db.session.get(Report, report_id).status == "open"
        assert drain_outbox(app.extensions["notify_sender"]) == DrainResult()
    assert sent_mail == []


# Draining


def test_drain_sends_due_messages_once_and_marks_them_sent(ctx, sent_mail, app):
    put("a:1", to="one@example.org")
    put("a:2", to="two@example.org")
    transaction.commit()
    sender = app.extensions["notify_sender"]
    before = utcnow()
    assert drain_outbox(sender, now=T0) == DrainResult(sent=2)
    assert sorted(m["To"] for m in sent_mail) == ["one@example.org", "two@example.org"]
    for key in ("a:1", "a:2"):
        stored = row(key)
        assert (stored.state, stored.attempts, stored.last_error) == ("sent", 1, None)
        assert stored.sent_at >= before - timedelta(seconds=1)
    assert drain_outbox(sender, now=T0 + timedelta(days=1)) == DrainResult()
    assert len(sent_mail) == 2


def test_message_body_and_subject_come_from_the_row(ctx, sent_mail, app):
    put("a:1")
    transaction.commit()
    drain_outbox(app.extensions["notify_sender"], now=T0)
    [message] = sent_mail
    assert message["Subject"] == "Subject a:1"
    assert message.get_content() == "Body a:1\n"


def test_message_not_yet_due_is_not_sent(ctx, sent_mail, app):
    put("a:1", now=T0 + timedelta(minutes=5))
    transaction.commit()
    sender = app.extensions["notify_sender"]
    assert drain_outbox(sender, now=T0) == DrainResult()
    assert sent_mail == [] and row("a:1").state == "pending"
    assert drain_outbox(sender, now=T0 + timedelta(minutes=5)) == DrainResult(sent=1)


def test_failing_sender_leaves_the_message_pending_for_a_retry_after_backoff(ctx, sent_mail,
                                                                             app):
    put("a:1")
    transaction.commit()
    failing = FailingSender()
    assert drain_outbox(failing, now=T0) == DrainResult(retried=1)
    stored = row("a:1")
    assert stored.state == "pending" and stored.attempts == 1
    assert stored.last_error == "ConnectionRefusedError: mail server down"
    assert stored.next_attempt_at == T0 + backoff(1) == T0 + timedelta(minutes=1)
    assert stored.sent_at is None

    assert drain_outbox(failing, now=T0 + timedelta(seconds=59)) == DrainResult()
    assert failing.calls == 1  # not due yet: not even tried
    assert drain_outbox(app.extensions["notify_sender"],
                        now=T0 + backoff(1)) == DrainResult(sent=1)
    stored = row("a:1")
    assert (stored.state, stored.attempts, stored.last_error) == ("sent", 2, None)
    assert len(sent_mail) == 1


def test_backoff_doubles_from_one_minute_and_is_capped():
    assert [backoff(n) for n in range(1, 6)] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16)]
    assert backoff(0) == timedelta(minutes=1)
    assert BACKOFF_CAP == timedelta(hours=6)
    assert backoff(9) == timedelta(minutes=256)
    assert backoff(10) == backoff(11) == backoff(MAX_ATTEMPTS + 20) == BACKOFF_CAP
    assert backoff(MAX_ATTEMPTS - 1) < BACKOFF_CAP  # the last retry the outbox schedules


def test_backoff_stays_capped_for_any_number_of_attempts():
    # 2 ** (n - 1) minutes outgrows timedelta from n = 42 on; the cap must apply before that.
    assert backoff(42) == backoff(1000) == BACKOFF_CAP


def test_message_fails_for_good_after_max_attempts(ctx):
    put("a:1")
    transaction.commit()
    failing = FailingSender()
    now = T0
    for attempt in range(1, MAX_ATTEMPTS):
        assert drain_outbox(failing, now=now) == DrainResult(retried=1)
        stored = row("a:1")
        assert (stored.state, stored.attempts) == ("pending", attempt)
        assert stored.next_attempt_at - now == backoff(attempt)
        now = stored.next_attempt_at
    assert drain_outbox(failing, now=now) == DrainResult(failed=1)
    stored = row("a:1")
    assert (stored.state, stored.attempts) == ("failed", MAX_ATTEMPTS)
    assert stored.last_error == "ConnectionRefusedError: mail server down"
    assert drain_outbox(failing, now=now + timedelta(days=365)) == DrainResult()
    assert failing.calls == MAX_ATTEMPTS


def test_message_claimed_by_a_crashed_drainer_is_retried_after_the_lease(ctx, app, sent_mail):
    put("a:1")
    transaction.commit()
    crashing = CrashingSender()
    with pytest.raises(Crash):
        drain_outbox(crashing, now=T0)
    db.session.rollback()
    stored = row("a:1")
    assert (stored.state, stored.claimed_at, stored.attempts) == ("sending", T0, 1)

    lease = timedelta(seconds=app.config["OUTBOX_LEASE_SECONDS"])
    sender = app.extensions["notify_sender"]
    assert drain_outbox(sender, now=T0 + lease - timedelta(seconds=1)) == DrainResult()
    assert drain_outbox(sender, now=T0 + lease) == DrainResult()  # a lease is not yet over
    assert sent_mail == []
    assert drain_outbox(sender, now=T0 + lease + timedelta(seconds=1)) == DrainResult(sent=1)
    [message] = sent_mail
    assert message["Message-ID"] == crashing.seen[0]["Message-ID"]  # receivers can drop a copy
    stored = row("a:1")
    assert (stored.state, stored.attempts) == ("sent", 2)


def test_explicit_lease_overrides_the_configured_one(ctx, app, sent_mail):
    put("a:1")
    transaction.commit()
    with pytest.raises(Crash):
        drain_outbox(CrashingSender(), now=T0)
    db.session.rollback()
    sender = app.extensions["notify_sender"]
    lease = timedelta(seconds=30)
    assert drain_outbox(sender, now=T0 + timedelta(seconds=29), lease=lease) == DrainResult()
    assert drain_outbox(sender, now=T0 + timedelta(seconds=31), lease=lease) == DrainResult(sent=1)


def test_two_racing_drainers_send_each_message_exactly_once(app, monkeypatch):
    count = 30
    with app.app_context():
        for i in range(count):
            put(f"race:{i}", to=f"n{i}@example.org")
        transaction.commit()

    # Both drainers pick their due rows before either claims one, so they fight for each row.
    both_selected = threading.Barrier(2, timeout=30)
    real_claim = services._claim
    claims = []
    waited = threading.local()

    def claim(*args, **kwargs):
        if not getattr(waited, "done", False):
            waited.done = True
            both_selected.wait()
        won = real_claim(*args, **kwargs)
        claims.append(won)
        return won

    monkeypatch.setattr(services, "_claim", claim)
    sender = MemorySender()
    results, errors = [], []

    def drainer():
        try:
            with app.app_context():
                results.append(drain_outbox(sender, now=T0))
        except BaseException as exc:  # surfaced below, with the thread's own error
            errors.append(exc)
            both_selected.abort()

    threads = [threading.Thread(target=drainer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert errors == []

    ids = [m["Message-ID"] for m in sender.sent]
    assert len(ids) == count and len(set(ids)) == count
    assert sorted(m["To"] for m in sender.sent) == sorted(f"n{i}@example.org"
                                                          for i in range(count))
    assert sum(r.sent for r in results) == count
    assert claims.count(True) == count and claims.count(False) == count  # every row contested
    with app.app_context():
        states = db.session.execute(select(OutboxMessage.state, OutboxMessage.attempts)).all()
        assert sorted(set(states)) == [("sent", 1)]


# The command


def test_flask_outbox_drain_prints_the_counts(app, runner, sent_mail):
    with app.app_context():
        put("a:1")
        put("a:2")
        put("a:3")
        transaction.commit()
        db.session.execute(update(OutboxMessage).where(OutboxMessage.dedupe_key == "a:3")
                           .values(state="failed", attempts=MAX_ATTEMPTS))
        transaction.commit()
    result = runner.invoke(args=["outbox", "drain"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == ("sent: 2, retry later: 0, failed: 0; now pending: 0, "
                                     "failed in all: 1")
    assert len(sent_mail) == 2


def test_flask_outbox_drain_reports_messages_left_for_later(app, runner, sent_mail):
    with app.app_context():
        put("a:1")
        transaction.commit()
    app.extensions["notify_sender"] = FailingSender()
    result = runner.invoke(args=["outbox", "drain"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == ("sent: 0, retry later: 1, failed: 0; now pending: 1, "
                                     "failed in all: 0")
    with app.app_context():
        assert row("a:1").last_error == "ConnectionRefusedError: mail server down"


# What a status email looks like


def test_status_email_headers(app, client, lifecycle_city, dummy_report_body, create_account,
                              sent_mail):
    staff = create_account("staff", department="PWD")
    report_id = client.post("/api/v1/reports", json=dummy_report_body, buffered=True).json["id"]
    resp = client.post(f"/api/v1/reports/{report_id}/transitions", json={"to": "acknowledged"},
                       headers=staff.headers, buffered=True)
    assert resp.status_code == 201, resp.json
    [message] = sent_mail
    with app.app_context():
        stored = db.session.scalar(select(OutboxMessage))
        follower = db.session.scalar(select(Follower).where(Follower.report_id == report_id))

    for name in ("Message-ID", "From", "To", "Subject", "Date", "List-Unsubscribe",
                 "List-Unsubscribe-Post"):
        assert len(message.get_all(name)) == 1, name
    assert message["Message-ID"] == f"<outbox-{stored.id}.step@neighborhood.example>"
    assert message["From"] == "Neighborhood <noreply@neighborhood.example>"
    assert message["To"] == "resident@example.org"
    assert message["Subject"] == (f"Report #{report_id} was acknowledged by the city: "
                                  "Street light outage")
    sent_at = parsedate_to_datetime(message["Date"])
    assert sent_at.utcoffset() == timedelta(0)
    assert abs(sent_at - utcnow()) < timedelta(minutes=5)

    link = re.fullmatch(r"<(http://neighborhood\.test/follow/unsubscribe\?token=(\S+))>",
                        message["List-Unsubscribe"])
    assert link, message["List-Unsubscribe"]
    serializer = URLSafeTimedSerializer("test-secret", salt="follow-unsubscribe")
    assert serializer.loads(link.group(2)) == [follower.id, "resident@example.org"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"Stop following: {link.group(1)}" in message.get_content()
