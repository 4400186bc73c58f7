"""Move reports through their lifecycle: transitions, reassignment, fix confirmations.

Every change writes an immutable timeline step and sends `status_changed`; permissions are
checked here, in the service, with the pure rules of accounts.permissions.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from neighborhood.accounts.permissions import (Actor, can_confirm_fix, can_reassign,
                                               can_transition, can_view_report)
from neighborhood.core import signals
from neighborhood.core.db import utcnow
from neighborhood.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from neighborhood.extensions import db
from neighborhood.reports.engagement import insert_once, merge_engagement, supporter_key
from neighborhood.reports.models import MAX_ID, FixConfirmation, Report
from neighborhood.reports.services import Upload, attach_photos, process_uploads
from neighborhood.routing.services import find_department
from neighborhood.workflow.labels import status_word
from neighborhood.workflow.models import StatusChange
from neighborhood.workflow.states import (CLOSED_STATUSES, CloseReason, Status,
                                          find_transition, is_public, transitions_from,
                                          within_public_window)


@dataclass(frozen=True)
class TransitionRequest:
    """What the caller asks: the target status, and the note, reason and link it needs."""

    to: str
    note: str | None = None
    reason: str | None = None
    duplicate_of: int | None = None
    photo: Upload | None = None
    location: str = "json"


def load_report(report_id: int, actor: Actor) -> Report:
    """Return a report the actor may see, locked for update; NotFound otherwise."""
    report = None
    if report_id <= MAX_ID:
        report = db.session.scalar(select(Report).where(Report.id == report_id)
                                   .with_for_update(of=Report))
    if report is None or not can_view_report(actor, report.status, report.department_id):
        raise NotFound(_("No report %(number)s.", number=report_id))
    return report


def _deny(actor: Actor, message: str):
    if actor.is_anonymous:
        raise Unauthorized(message)
    raise Forbidden(message)


def allowed_targets(report: Report, actor: Actor, now: datetime) -> list[str]:
    """Return the statuses this actor may move this report to now."""
    window = within_public_window(report.closed_at, now)
    return [t.target.value for t in transitions_from(report.status)
            if can_transition(actor, t, report.department_id, within_window=window)]


def _record(report: Report, actor: Actor, now: datetime, **fields) -> StatusChange:
    step = StatusChange(report_id=report.id, actor_role=actor.role.value,
                        actor_id=actor.user_id, at=now, **fields)
    db.session.add(step)
    db.session.flush()
    signals.status_changed.send(current_app._get_current_object(), report=report, step=step)
    return step


def _duplicate_target(report: Report, wanted: int | None, where: str) -> Report:
    if wanted is None:
        raise InvalidInput.field(where, "duplicate_of",
                                 _("Closing as a duplicate needs the original report's id."))
    original = db.session.get(Report, wanted) if wanted <= MAX_ID else None
    if original is None or not is_public(original.status) or original.id == report.id:
        raise InvalidInput.field(where, "duplicate_of", _("No other public report %(number)s.",
                                                            number=wanted))
    if original.duplicate_of_id is not None:
        raise InvalidInput.field(where, "duplicate_of",
                                 _("Report %(number)s is itself a duplicate of %(original)s; "
                                   "use that one.", number=wanted,
                                   original=original.duplicate_of_id))
    return original


def transition_report(report_id: int, actor: Actor, request: TransitionRequest, *,
                      now: datetime | None = None) -> StatusChange:
    """Move a report to another status, if the lifecycle and the actor's role allow it."""
    now = now or utcnow()
    where = request.location
    report = load_report(report_id, actor)
    rule = find_transition(report.status, request.to)
    if rule is None:
        allowed = allowed_targets(report, actor, now)
        raise Conflict(_("A report in status '%(status)s' cannot move to '%(target)s'.",
                         status=status_word(report.status), target=status_word(request.to)),
                       status=report.status, allowed=allowed)
    if not can_transition(actor, rule, report.department_id):
        _deny(actor, _("You may not move this report to '%(target)s'.",
                       target=status_word(request.to)))
    window_open = within_public_window(report.closed_at, now)
    if not can_transition(actor, rule, report.department_id, within_window=window_open):
        raise Conflict(_("The report was resolved more than 30 days ago; neighbours can no "
                         "longer reopen it. Please file a new report."),
                       status=report.status, allowed=allowed_targets(report, actor, now))
    note = (request.note or "").strip() or None
    if rule.note_required and not note:
        raise InvalidInput.field(where, "note", _("Moving to '%(target)s' needs a note.",
                                                  target=status_word(request.to)))
    reason = request.reason
    if rule.reason_required and not reason:
        raise InvalidInput.field(where, "reason", _(
            "Closing needs a reason: %(reasons)s.",
            reasons=", ".join(r.value for r in CloseReason)))
    if reason and request.to != Status.CLOSED:
        raise InvalidInput.field(where, "reason", _("Only closing takes a reason."))
    original = None
    if reason == CloseReason.DUPLICATE:
        original = _duplicate_target(report, request.duplicate_of, where)
    elif request.duplicate_of is not None:
        raise InvalidInput.field(where, "duplicate_of",
                                 _("Only a duplicate has an original."))
    if request.photo and request.to != Status.RESOLVED:
        raise InvalidInput.field("files", "photo", _("Only a resolution takes a photo."))
    photos = process_uploads([request.photo], "photo") if request.photo else []

    previous = report.status
    report.status = request.to
    report.updated_at = now
    if request.to in CLOSED_STATUSES:
        report.closed_at = now
        report.close_reason = reason
    else:
        report.closed_at = None
        report.close_reason = None
        report.duplicate_of_id = None  # a reopened duplicate stands on its own again
    if rule.is_reopen:
        report.reopen_count += 1
    if original is not None:
        report.duplicate_of_id = original.id
        merge_engagement(report, original, now=now)
    photo_rows = attach_photos(report, photos, kind="resolution", now=now)
    db.session.flush()
    return _record(report, actor, now, kind="status", from_status=previous,
                   to_status=request.to, close_reason=reason, note=note,
                   duplicate_of_id=original.id if original else None,
                   to_department_id=report.department_id,
                   photo_id=photo_rows[0].id if photo_rows else None)


def reassign_report(report_id: int, actor: Actor, department: str, *, note: str | None = None,
                    now: datetime | None = None) -> StatusChange:
    """Route a report to another department; the move is a timeline step."""
    now = now or utcnow()
    report = load_report(report_id, actor)
    if not can_reassign(actor, report.department_id):
        _deny(actor, _("Only staff of the routed department, moderators and admins reassign."))
    if report.status in CLOSED_STATUSES:
        raise Conflict(_("A closed report cannot be reassigned; reopen it first."),
                       status=report.status, allowed=allowed_targets(report, actor, now))
    target = find_department(department)
    if target.id == report.department_id:
        raise InvalidInput.field("json", "department", _(
            "The report is already with %(department)s.", department=target.name))
    previous = report.department_id
    report.department_id = target.id
    report.updated_at = now
    return _record(report, actor, now, kind="reassign", from_status=report.status,
                   to_status=report.status, from_department_id=previous,
                   to_department_id=target.id, note=(note or "").strip() or None)


def confirm_fixed(report_id: int, actor: Actor, *, device: str | None = None,
                  now: datetime | None = None) -> tuple[Report, bool]:
    """Record that a resolved report is really fixed, once per person or device."""
    now = now or utcnow()
    report = load_report(report_id, actor)
    if not can_confirm_fix(actor, report.department_id):
        _deny(actor, _("The department that resolved a report cannot confirm its own fix."))
    if report.status != Status.RESOLVED:
        raise Conflict(_("Only a resolved report can be confirmed fixed."), status=report.status,
                       allowed=allowed_targets(report, actor, now))
    if not within_public_window(report.closed_at, now):
        raise Conflict(_("The report was resolved more than 30 days ago."), status=report.status,
                       allowed=[])
    key = supporter_key(actor, device)
    if not insert_once(FixConfirmation(report_id=report.id, supporter=key, created_at=now)):
        return report, False
    db.session.execute(update(Report).where(Report.id == report.id)
                       .values(fixed_count=Report.fixed_count + 1))
    db.session.flush()
    db.session.refresh(report)
    _record(report, actor, now, kind="confirm_fixed", from_status=report.status,
            to_status=report.status)
    return report, True

