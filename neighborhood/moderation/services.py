"""Moderation: flag a report, hold it after enough flags, decide in the queue, ban addresses.

Permissions are checked here. Publishing and hiding are lifecycle moves (workflow.services),
so they write timeline steps like any other; flags and the ban list are moderation's own.
"""

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from neighborhood.accounts.permissions import Actor, can_moderate
from neighborhood.core import signals
from neighborhood.core.db import utcnow
from neighborhood.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from neighborhood.extensions import db
from neighborhood.moderation.models import BannedContact, ContentFlag
from neighborhood.moderation.rules import Decision, FlagReason, ban_pattern, should_hide
from neighborhood.reports.engagement import insert_once, supporter_key
from neighborhood.reports.queries import get_public_report
from neighborhood.workflow.models import StatusChange
from neighborhood.workflow.services import TransitionRequest, load_report, transition_report
from neighborhood.workflow.states import OPEN_STATUSES, Status, is_public

NOTE_MAX = 500


def require_moderator(actor: Actor) -> None:
    if actor.is_anonymous:
        raise Unauthorized()
    if not can_moderate(actor):
        raise Forbidden(_("Only moderators and admins moderate."))


# --- the ban list -----------------------------------------------------------------------------

def list_bans(actor: Actor) -> list[BannedContact]:
    """Return the ban list, newest first (moderators and admins)."""
    require_moderator(actor)
    return list(db.session.scalars(select(BannedContact).order_by(BannedContact.id.desc())))


def add_ban(actor: Actor, raw: str, note: str | None = None, *,
            now: datetime | None = None) -> BannedContact:
    """Put an address or a domain on the ban list; Conflict if it is there already."""
    require_moderator(actor)
    try:
        pattern = ban_pattern(raw)
    except ValueError as exc:
        raise InvalidInput.field("json", "pattern", _(
            "Give an email address (name@example.org) or a domain (example.org).")) from exc
    ban = BannedContact(pattern=pattern, note=(note or "").strip()[:NOTE_MAX] or None,
                        created_at=now or utcnow(), created_by_id=actor.user_id)
    if not insert_once(ban):
        raise Conflict(_("%(pattern)s is on the ban list already.", pattern=pattern))
    return ban


def remove_ban(actor: Actor, ban_id: int) -> None:
    """Take an entry off the ban list."""
    require_moderator(actor)
    ban = db.session.get(BannedContact, ban_id)
    if ban is None:
        raise NotFound(_("No ban %(number)s.", number=ban_id))
    db.session.delete(ban)
    db.session.flush()


# --- flags --------------------------------------------------------------------------------------

def _open_flags(report_id: int) -> int:
    return db.session.scalar(select(func.count(ContentFlag.id)).where(
        ContentFlag.report_id == report_id, ContentFlag.resolved_at.is_(None)))


def _hold(report, now: datetime) -> None:
    """Hold a public report for review after flags: a step "by the system" on its timeline
    (no note: stored words would stay in one language; the status says what happened)."""
    step = StatusChange(report_id=report.id, kind="status", from_status=report.status,
                        to_status=Status.PENDING_REVIEW.value, actor_role="system",
                        to_department_id=report.department_id, at=now)
    report.status = Status.PENDING_REVIEW.value
    report.updated_at = now
    db.session.add(step)
    db.session.flush()
    signals.status_changed.send(current_app._get_current_object(), report=report, step=step)


def flag_report(report_id: int, actor: Actor, *, reason: str, note: str | None = None,
                device: str | None = None, now: datetime | None = None) -> dict:
    """Flag a public report once per person or device; enough open flags hold it for review."""
    now = now or utcnow()
    report = get_public_report(report_id)
    if reason not in FlagReason.__members__.values():
        raise InvalidInput.field("json", "reason", _("Must be one of: %(choices)s.",
                                                     choices=", ".join(FlagReason)))
    flag = ContentFlag(report_id=report.id, reason=reason, flagger=supporter_key(actor, device),
                       note=(note or "").strip()[:NOTE_MAX] or None, created_at=now)
    created = insert_once(flag)
    count = _open_flags(report.id)
    held = False
    if created and report.status in OPEN_STATUSES and should_hide(
            count, current_app.config["MODERATION_HOLD_AFTER_FLAGS"]):
        _hold(report, now)
        held = True
    return {"report_id": report.id, "flagged": created, "held_for_review": held}


# --- the queue ----------------------------------------------------------------------------------

def removed_condition(report_id_column):
    return select(ContentFlag.id).where(ContentFlag.report_id == report_id_column,
                                        ContentFlag.resolution == "removed").exists()


def _resolve_flags(report_id: int, actor: Actor, resolution: str, now: datetime) -> None:
    db.session.execute(update(ContentFlag).where(
        ContentFlag.report_id == report_id, ContentFlag.resolved_at.is_(None)).values(
        resolved_at=now, resolution=resolution, resolved_by_id=actor.user_id))


def decide(report_id: int, actor: Actor, decision: str, note: str | None = None, *,
           now: datetime | None = None) -> str:
    """Apply a moderator's decision to a report in the queue; return its status after."""
    require_moderator(actor)
    now = now or utcnow()
    report = load_report(report_id, actor)
    note = (note or "").strip() or None
    if decision == Decision.PUBLISH:
        transition_report(report_id, actor, TransitionRequest(to="open", note=note), now=now)
        _resolve_flags(report.id, actor, "kept", now)
    elif decision == Decision.KEEP:
        if not is_public(report.status):
            raise Conflict(_("A held report is published or removed, not kept."),
                           status=report.status)
        _resolve_flags(report.id, actor, "kept", now)
    elif decision == Decision.HIDE:
        transition_report(report_id, actor, TransitionRequest(
            to="pending_review", note=note or _("Held for review by a moderator.")), now=now)
        _resolve_flags(report.id, actor, "hidden", now)
    elif decision == Decision.REMOVE:
        if is_public(report.status):
            transition_report(report_id, actor, TransitionRequest(
                to="pending_review", note=note or _("Removed by a moderator.")), now=now)
        _resolve_flags(report.id, actor, "removed", now)
        record = ContentFlag(report_id=report.id, reason="decision",
                             flagger=f"removed-by:user:{actor.user_id}", note=note,
                             created_at=now, resolved_at=now, resolution="removed",
                             resolved_by_id=actor.user_id)
        insert_once(record)
    else:
        raise InvalidInput.field("json", "decision", _("Must be one of: %(choices)s.",
                                                       choices=", ".join(Decision)))
    db.session.flush()
    return report.status
