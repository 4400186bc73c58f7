"""Turn domain signals into outbox emails, in the same transaction as the change."""

import hashlib

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import select

from neighborhood.accounts.models import User
from neighborhood.core import signals
from neighborhood.extensions import db
from neighborhood.notifications import messages
from neighborhood.notifications.senders import sender_from_config
from neighborhood.notifications.services import drain_outbox, enqueue
from neighborhood.reports.engagement import confirmed_followers, follow_token

NOTIFIED_KINDS = ("status",)


def _url(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


def on_status_changed(app, report, step, **_):
    """Tell the reporter and every confirmed follower that a report moved."""
    if step.kind not in NOTIFIED_KINDS or step.from_status is None:
        return
    actor_email = None  # the actor is not told of their own act
    if step.actor_id is not None:
        actor_email = db.session.scalar(select(User.email).where(User.id == step.actor_id))
    followers = confirmed_followers(report.id)
    # A duplicate's followers were moved to the original: their way out is the original's.
    moved_to = ({f.email: f for f in confirmed_followers(step.duplicate_of_id)}
                if step.duplicate_of_id else {})
    for follower in followers:
        if follower.email == actor_email:
            continue
        stop = moved_to.get(follower.email, follower)
        unsubscribe = _url(f"/follow/unsubscribe?token={follow_token(stop, 'unsubscribe')}")
        update = messages.Update(
            report_id=report.id, category_name=report.category.name, address=report.address,
            from_status=step.from_status, to_status=step.to_status,
            close_reason=step.close_reason, note=step.note, duplicate_of=step.duplicate_of_id,
            report_url=_url(f"/reports/{report.id}"), unsubscribe_url=unsubscribe)
        subject, body = messages.status_update(update)
        enqueue(dedupe_key=f"step:{step.id}:{address_digest(follower.email)}", to=follower.email,
                subject=subject, body=body, headers={
                    "List-Unsubscribe": f"<{unsubscribe}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
        _drain_after_request()


def address_digest(email: str) -> str:
    """Return a short, fixed-length stand-in for an address (dedupe keys stay bounded)."""
    return hashlib.sha256(email.encode()).hexdigest()[:32]


def on_follow_requested(app, follower, report, **_):
    """Send the double opt-in email for a new follower."""
    confirm = _url(f"/follow/confirm?token={follow_token(follower, 'confirm')}")
    subject, body = messages.follow_confirmation(report.id, report.category.name, confirm)
    enqueue(dedupe_key=f"follow-confirm:{follower.id}:{confirm[-16:]}", to=follower.email,
            subject=subject, body=body)
    _drain_after_request()


def _drain_after_request() -> None:
    """Ask for an inline drain once this request's response has been sent (default set-up)."""
    if current_app.config["OUTBOX_DRAIN_INLINE"] and has_request_context():
        g.outbox_drain = True


def init_app(app: Flask) -> None:
    """Connect the receivers and the inline drain; nothing else imports this package."""
    app.extensions["notify_sender"] = sender_from_config(app.config)
    signals.status_changed.connect(on_status_changed, app)
    signals.follow_requested.connect(on_follow_requested, app)

    @app.after_request
    def _schedule_drain(response):
        # Registered after the transaction hook, so it runs before the commit: the drain
        # itself runs when the response is closed, after the commit.
        if g.pop("outbox_drain", False) and response.status_code < 400:
            real_app = current_app._get_current_object()

            def drain():
                with real_app.app_context():
                    drain_outbox(real_app.extensions["notify_sender"])
            response.call_on_close(drain)
        return response

