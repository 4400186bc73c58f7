"""Neighbours' engagement with a report: "me too" support and following it by email."""

import hashlib
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from neighborhood.accounts.permissions import Actor
from neighborhood.core import signals
from neighborhood.core.db import utcnow
from neighborhood.core.errors import Conflict, InvalidInput, NotFound
from neighborhood.extensions import db
from neighborhood.moderation.bans import refuse_banned
from neighborhood.reports.models import MAX_ID, Follower, Report, Support
from neighborhood.reports.queries import get_public_report
from neighborhood.workflow.states import OPEN_STATUSES

CONFIRM_MAX_AGE = 7 * 24 * 3600  # a follow confirmation link works for a week
_SALTS = {"confirm": "follow-confirm", "unsubscribe": "follow-unsubscribe"}


def supporter_key(actor: Actor, device: str | None, location: str = "json") -> str:
    """Return who supports: the account, else a digest of the device id (never stored raw)."""
    if actor.user_id is not None:
        return f"user:{actor.user_id}"
    if not device:
        raise InvalidInput.field(location, "device_id",
                                 _("Sign in, or send the device id this app generated."))
    return "device:" + hashlib.sha256(device.encode()).hexdigest()


def insert_once(row) -> bool:
    """Insert a row guarded by a unique constraint; False if it (or a racing twin) exists."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return False
    return True


def support_report(report_id: int, actor: Actor, *, device: str | None = None,
                   now: datetime | None = None) -> tuple[Report, bool]:
    """Add one "me too" to an open report; return it and whether this support is new."""
    report = get_public_report(report_id)
    if report.status not in OPEN_STATUSES:
        raise Conflict(_("Only open reports take support; reopen it if the problem is back."),
                       status=report.status)
    key = supporter_key(actor, device)
    if not insert_once(Support(report_id=report.id, supporter=key, created_at=now or utcnow())):
        return report, False
    db.session.execute(update(Report).where(Report.id == report.id)
                       .values(support_count=Report.support_count + 1))
    db.session.flush()
    db.session.refresh(report)
    return report, True


def merge_engagement(duplicate: Report, original: Report, *, now: datetime) -> None:
    """Move a duplicate's supporters and followers to the original (once each)."""
    taken = set(db.session.scalars(select(Support.supporter)
                                   .where(Support.report_id == original.id)))
    for support in db.session.scalars(select(Support).where(Support.report_id == duplicate.id)):
        if support.supporter not in taken:
            db.session.add(Support(report_id=original.id, supporter=support.supporter,
                                   created_at=support.created_at))
    emails = set(db.session.scalars(select(Follower.email)
                                    .where(Follower.report_id == original.id)))
    for follower in db.session.scalars(select(Follower).where(
            Follower.report_id == duplicate.id, Follower.confirmed_at.is_not(None))):
        if follower.email not in emails:  # the unconfirmed move over when they confirm
            db.session.add(Follower(report_id=original.id, email=follower.email,
                                    user_id=follower.user_id, is_reporter=False,
                                    confirmed_at=follower.confirmed_at, created_at=now))
    db.session.flush()
    original.support_count = db.session.scalar(
        select(func.count(Support.id)).where(Support.report_id == original.id))
    original.updated_at = now


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALTS[purpose])


def follow_token(follower: Follower, purpose: str) -> str:
    """Return a signed token that confirms or ends this follow (links in emails)."""
    return _serializer(purpose).dumps([follower.id, follower.email])


def _follower_from(token: str, purpose: str) -> Follower:
    max_age = CONFIRM_MAX_AGE if purpose == "confirm" else None
    try:
        follower_id, email = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise InvalidInput.field("query", "token", _("This link has expired; follow the "
                                                    "report again to get a new one.")) from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise InvalidInput.field("query", "token", _("This link is not valid.")) from exc
    follower = db.session.get(Follower, follower_id) if isinstance(follower_id, int) else None
    if follower is None or follower.email != email:
        raise NotFound(_("You no longer follow this report."))
    return follower


def follow_report(report_id: int, actor: Actor, *, email: str | None,
                  account_email: str | None = None,
                  now: datetime | None = None) -> tuple[Follower, bool]:
    """Follow a report by email; return the follower and whether anything changed.

    A signed-in caller follows with their account's address at once; anyone else gets a
    confirmation email first (double opt-in).
    """
    now = now or utcnow()
    report = get_public_report(report_id)
    address = (account_email if actor.user_id is not None else email) or ""
    address = address.strip().lower()
    if not address:
        raise InvalidInput.field("json", "email", _("An email address is needed to follow."))
    refuse_banned(address)
    follower = db.session.scalar(select(Follower).where(Follower.report_id == report.id,
                                                        Follower.email == address))
    if follower is not None and follower.confirmed_at is not None:
        return follower, False
    if follower is None:
        follower = Follower(report_id=report.id, email=address, user_id=actor.user_id,
                            created_at=now)
        db.session.add(follower)
    if actor.user_id is not None:
        follower.confirmed_at = now
        db.session.flush()
        return follower, True
    db.session.flush()
    signals.follow_requested.send(current_app._get_current_object(), follower=follower,
                                  report=report)
    return follower, True


def confirm_follow(token: str, *, now: datetime | None = None) -> Follower:
    """Confirm a follow from the link in its confirmation email."""
    now = now or utcnow()
    follower = _follower_from(token, "confirm")
    follower.confirmed_at = follower.confirmed_at or now
    report = db.session.get(Report, follower.report_id)
    if report.duplicate_of_id is not None:  # closed as a duplicate since: follow the original
        original = db.session.scalar(select(Follower).where(
            Follower.report_id == report.duplicate_of_id, Follower.email == follower.email))
        if original is None:
            original = Follower(report_id=report.duplicate_of_id, email=follower.email,
                                user_id=follower.user_id, created_at=now)
            db.session.add(original)
        original.confirmed_at = original.confirmed_at or now
        db.session.flush()
    return follower


def unfollow_by_token(token: str) -> int:
    """Stop following from an email's unsubscribe link; return the report id."""
    follower = _follower_from(token, "unsubscribe")
    report_id = follower.report_id
    db.session.delete(follower)
    db.session.flush()
    return report_id


def unfollow_report(report_id: int, account_email: str) -> bool:
    """Stop a signed-in caller following a report; return whether they were following."""
    if report_id > MAX_ID:  # no report has it, and PostgreSQL's INTEGER cannot hold it
        return False
    result = db.session.execute(delete(Follower).where(
        Follower.report_id == report_id, Follower.email == account_email.lower()))
    return result.rowcount > 0


def confirmed_followers(report_id: int) -> list[Follower]:
    """Return the confirmed followers of a report."""
    return list(db.session.scalars(select(Follower).where(
        Follower.report_id == report_id, Follower.confirmed_at.is_not(None))
        .order_by(Follower.id)))
