"""The outbox: write messages in the request's transaction, drain them after commit.

Delivery is exactly once per message under concurrency (a drainer claims a row before it
sends and only the claim's winner sends). A process that dies between sending and marking
the row leaves it 'sending'; after OUTBOX_LEASE_SECONDS it is retried with the same
Message-ID, so a receiving server or client can drop the copy.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import formataddr, formatdate

from flask import current_app
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from neighborhood.core.db import utcnow
from neighborhood.extensions import db
from neighborhood.notifications.models import OutboxMessage
from neighborhood.notifications.senders import Sender

MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
MAIL_POLICY = default_policy.clone(max_line_length=998)


@dataclass
class DrainResult:
    """What one drain did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0


def enqueue(*, dedupe_key: str, to: str, subject: str, body: str,
            headers: dict | None = None, now: datetime | None = None) -> OutboxMessage | None:
    """Write an email to the outbox in the current transaction; None if already there."""
    message = OutboxMessage(dedupe_key=dedupe_key, to_address=to, subject=subject, body=body,
                            headers=headers or {}, next_attempt_at=now or utcnow(),
                            created_at=now or utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        return None
    return message


def backoff(attempts: int) -> timedelta:
    """Return how long to wait before the next attempt after this many failures."""
    doublings = min(max(attempts - 1, 0), 20)  # 2**20 minutes is far past the cap already
    return min(BACKOFF_BASE * 2 ** doublings, BACKOFF_CAP)


def _email(row: OutboxMessage) -> EmailMessage:
    config = current_app.config
    # Long lines stay unfolded, so List-Unsubscribe travels as a plain <URL> (RFC 2369).
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = formataddr((config["MAIL_FROM_NAME"], config["MAIL_FROM"]))
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = f"<outbox-{row.id}.{row.dedupe_key.split(':')[0]}@" \
                            f"{config['MAIL_FROM'].rsplit('@', 1)[-1]}>"
    for name, value in (row.headers or {}).items():
        message[name] = value
    message.set_content(row.body)
    return message


def _claim(row_id: int, seen_state: str, seen_claim: datetime | None, now: datetime) -> bool:
    """Take a message for sending; False if another drainer took it first."""
    claim_matches = (OutboxMessage.claimed_at.is_(None) if seen_claim is None
                     else OutboxMessage.claimed_at == seen_claim)
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.state == seen_state, claim_matches)
        .values(state="sending", claimed_at=now, attempts=OutboxMessage.attempts + 1))
    db.session.commit()
    return result.rowcount == 1


def drain_outbox(sender: Sender, *, now: datetime | None = None, limit: int = 500,
                 lease: timedelta | None = None) -> DrainResult:
    """Send due messages; commit after each claim and each outcome."""
    result = DrainResult()
    lease = lease or timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    db.session.commit()  # start from a clean transaction
    now = now or utcnow()
    due = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.state, OutboxMessage.claimed_at)
        .where(or_(and_(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= now),
                   and_(OutboxMessage.state == "sending", OutboxMessage.claimed_at < now - lease)))
        .order_by(OutboxMessage.id).limit(limit)).all()
    db.session.commit()
    for row_id, state, claimed_at in due:
        if not _claim(row_id, state, claimed_at, now):
            continue
        row = db.session.get(OutboxMessage, row_id)
        if row.attempts > MAX_ATTEMPTS:  # drainers kept dying on this one: stop retrying
            row.state, row.last_error = "failed", row.last_error or "drainer lost the claim"
            result.failed += 1
            db.session.commit()
            continue
        try:
            sender.send(_email(row))
        except Exception as exc:  # any failure: retry later, never lose the message
            current_app.logger.warning("sending outbox message %s failed: %s", row_id, exc)
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if row.attempts >= MAX_ATTEMPTS:
                row.state = "failed"
                result.failed += 1
            else:
                row.state = "pending"
                row.next_attempt_at = now + backoff(row.attempts)
                result.retried += 1
        else:
            row.state, row.sent_at, row.last_error = "sent", utcnow(), None
            result.sent += 1
        db.session.commit()
    return result


def outbox_counts() -> dict[str, int]:
    """Return how many messages are in each state."""
    rows = db.session.execute(select(OutboxMessage.state, func.count(OutboxMessage.id))
                              .group_by(OutboxMessage.state)).all()
    return {state: count for state, count in rows}
