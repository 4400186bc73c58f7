"""`flask retention anonymize`, the other stored addresses: old outbox emails and email follows
that were never confirmed."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from neighborhood.config import environment_overrides
from neighborhood.core.db import utcnow
from neighborhood.extensions import db
from neighborhood.notifications.models import OutboxMessage
from neighborhood.ops.services import OperationFailed, anonymize_contacts
from neighborhood.reports.models import Follower
from tests.ops.conftest import CONTACT, submit


def counts_in(output: str) -> dict[str, int]:
    return {m[1]: int(m[2].replace(",", ""))
            for m in re.finditer(r"^([a-z ]+): ([\d,]+)$", output, re.MULTILINE)}


@pytest.fixture
def report_id(app, client, lifecycle_city, dummy_report_body) -> int:
    """An open report made today; the outbox is emptied of its receipts."""
    report = submit(client, {**dummy_report_body, "contact": CONTACT})
    with app.app_context():
        for message in db.session.scalars(select(OutboxMessage)):
            db.session.delete(message)
        db.session.commit()
    return report


def add_messages(app, rows: list[tuple[str, str, int]]) -> None:
    """Store outbox messages: (address, state, age in days), sent_at set when sent."""
    now = utcnow()
    with app.app_context():
        for number, (address, state, age) in enumerate(rows):
            at = now - timedelta(days=age)
            db.session.add(OutboxMessage(
                dedupe_key=f"test:{number}", to_address=address, subject="Update",
                body="Your report was updated.", headers={}, state=state,
                next_attempt_at=at, created_at=at, sent_at=at if state == "sent" else None))
        db.session.commit()


def addresses(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(OutboxMessage.to_address)))


def add_followers(app, report_id: int, rows: list[tuple[str, int, bool]]) -> None:
    """Store followers: (email, age in days, confirmed)."""
    now = utcnow()
    with app.app_context():
        for email, age, confirmed in rows:
            at = now - timedelta(days=age)
            db.session.add(Follower(report_id=report_id, email=email, created_at=at,
                                    confirmed_at=at if confirmed else None))
        db.session.commit()


def follower_emails(app, report_id: int) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(Follower.email)
                                      .where(Follower.report_id == report_id)))


def test_sent_and_failed_emails_older_than_the_period_are_deleted(app, runner, report_id):
    add_messages(app, [("old-sent@example.org", "sent", 400),
                       ("old-failed@example.org", "failed", 400),
                       ("old-pending@example.org", "pending", 400),
                       ("old-sending@example.org", "sending", 400),
                       ("recent-sent@example.org", "sent", 10),
                       ("recent-failed@example.org", "failed", 10)])
    dry = runner.invoke(args=["retention", "anonymize", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert counts_in(dry.stdout)["outbox messages to delete"] == 2
    assert len(addresses(app)) == 6

    result = runner.invoke(args=["retention", "anonymize"])
    assert result.exit_code == 0, result.output
    assert counts_in(result.stdout)["outbox messages deleted"] == 2
    # Undelivered ones stay until they are sent (or fail for good): nothing owed is lost.
    assert addresses(app) == {"old-pending@example.org", "old-sending@example.org",
                              "recent-sent@example.org", "recent-failed@example.org"}
    again = runner.invoke(args=["retention", "anonymize"])
    assert counts_in(again.stdout)["outbox messages deleted"] == 0


def test_the_outbox_follows_the_days_option(app, runner, report_id):
    add_messages(app, [("a@example.org", "sent", 40), ("b@example.org", "sent", 20)])
    result = runner.invoke(args=["retention", "anonymize", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert addresses(app) == {"b@example.org"}


def test_unconfirmed_follows_expire_after_the_confirmation_window(app, runner, report_id):
    add_followers(app, report_id, [("stale@example.org", 8, False),
                                   ("fresh@example.org", 3, False),
                                   ("confirmed@example.org", 30, True)])
    dry = runner.invoke(args=["retention", "anonymize", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "unconfirmed follows: 7 days" in dry.output
    assert counts_in(dry.stdout)["unconfirmed followers to remove"] == 1

    result = runner.invoke(args=["retention", "anonymize"])
    assert result.exit_code == 0, result.output
    counts = counts_in(result.stdout)
    assert counts["unconfirmed followers removed"] == 1
    assert counts["followers removed"] == 0  # the report is open: only the stale one goes
    # The reporter (confirmed at intake) and the confirmed and recent follows stay.
    assert follower_emails(app, report_id) == {CONTACT["email"], "fresh@example.org",
                                               "confirmed@example.org"}


def test_the_confirmation_window_comes_from_the_config(app, runner, report_id):
    add_followers(app, report_id, [("fresh@example.org", 3, False)])
    app.config["FOLLOW_CONFIRM_DAYS"] = 2
    result = runner.invoke(args=["retention", "anonymize"])
    assert result.exit_code == 0, result.output
    assert counts_in(result.stdout)["unconfirmed followers removed"] == 1
    assert follower_emails(app, report_id) == {CONTACT["email"]}


def test_the_confirmation_window_can_be_set_from_the_environment():
    assert environment_overrides({"FOLLOW_CONFIRM_DAYS": "14"}) == {"FOLLOW_CONFIRM_DAYS": 14}


def test_the_service_takes_the_window_and_refuses_zero(app, report_id):
    add_followers(app, report_id, [("fresh@example.org", 3, False)])
    with app.app_context():
        assert anonymize_contacts(365, dry_run=True, confirm_days=1).unconfirmed_removed == 1
        assert anonymize_contacts(365, dry_run=True).unconfirmed_removed == 0
        with pytest.raises(OperationFailed):
            anonymize_contacts(365, confirm_days=0)
