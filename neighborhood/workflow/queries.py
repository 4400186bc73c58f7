"""Read side of the lifecycle: a report with its timeline, and a department's work queue."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, nulls_last, select
from sqlalchemy.orm import selectinload

from neighborhood.accounts.permissions import (Actor, Role, can_view_contact, can_view_queue,
                                               can_view_report)
from neighborhood.core.db import utcnow
from neighborhood.core.errors import Forbidden, NotFound, Unauthorized
from neighborhood.extensions import db
from neighborhood.reports.models import MAX_ID, Report
from neighborhood.reports.queries import report_feature
from neighborhood.routing.models import Department
from neighborhood.routing.services import find_department
from neighborhood.workflow.models import StatusChange
from neighborhood.workflow.states import CLOSED_STATUSES


def contact_of(report: Report) -> dict:
    """Return the reporter's contact details (only for callers allowed to see them)."""
    return {"email": report.contact_email, "name": report.contact_name,
            "phone": report.contact_phone}


def _step(step: StatusChange, departments: dict[int, str], photo_url) -> dict:
    photo = step.photo
    return {
        "kind": step.kind, "at": step.at, "actor_role": step.actor_role,
        "from_status": step.from_status, "to": step.to_status,
        "close_reason": step.close_reason,
        "department": departments.get(step.to_department_id),
        "duplicate_of": step.duplicate_of_id, "note": step.note,
        "photo": ({"url": photo_url(photo.key), "width": photo.width, "height": photo.height}
                  if photo else None),
    }


def report_detail(report_id: int, actor: Actor, photo_url, *,
                  now: datetime | None = None) -> dict:
    """Return a report as a Feature with its timeline; the contact only for those allowed."""
    report = None
    if report_id <= MAX_ID:
        report = db.session.scalar(select(Report).where(Report.id == report_id)
                                   .options(selectinload(Report.photos)))
    if report is None or not can_view_report(actor, report.status, report.department_id):
        raise NotFound(_("No public report %(number)s.", number=report_id))
    feature = report_feature(report, photo_url, now,
                             exact=can_view_contact(actor, report.department_id))
    steps = list(db.session.scalars(select(StatusChange)
                                    .where(StatusChange.report_id == report.id)
                                    .order_by(StatusChange.at, StatusChange.id)))
    departments = dict(db.session.execute(select(Department.id, Department.name)).all())
    props = feature["properties"]
    props["timeline"] = [_step(s, departments, photo_url) for s in steps]
    props["duplicates"] = list(db.session.scalars(
        select(Report.id).where(Report.duplicate_of_id == report.id).order_by(Report.id)))
    if can_view_contact(actor, report.department_id):
        props["contact"] = contact_of(report)
    return feature


@dataclass(frozen=True)
class QueuePage:
    """One page of a queue and the totals behind it."""

    reports: list[Report]
    total: int
    overdue_total: int


def queue(actor: Actor, *, department: str | None = None, statuses: tuple[str, ...] = (),
          overdue: bool | None = None, limit: int = 50, offset: int = 0,
          now: datetime | None = None) -> QueuePage:
    """Return a department's reports, oldest due first (no due date last)."""
    now = now or utcnow()
    if actor.is_anonymous:
        raise Unauthorized("Sign in to see a work queue.")
    if actor.role == Role.STAFF:
        department_id = actor.department_id
        if department and find_department(department).id != department_id:
            raise Forbidden(_("Staff see their own department's queue only."))
    else:
        department_id = find_department(department).id if department else None
    if not can_view_queue(actor, department_id):
        raise Forbidden(_("Only department staff, moderators and admins have a work queue."))

    query = select(Report)
    if department_id is not None:
        query = query.where(Report.department_id == department_id)
    if statuses:
        query = query.where(Report.status.in_(statuses))
    else:
        query = query.where(Report.status.not_in(sorted(CLOSED_STATUSES)))
    is_late = (Report.due_at < now) & Report.status.not_in(sorted(CLOSED_STATUSES))
    if overdue is True:
        query = query.where(is_late)
    elif overdue is False:
        query = query.where(~is_late | Report.due_at.is_(None))
    counted = query.with_only_columns(func.count(Report.id)).order_by(None)
    total = db.session.scalar(counted)
    overdue_total = db.session.scalar(counted.where(is_late))
    rows = db.session.scalars(query.options(selectinload(Report.photos))
                              .order_by(nulls_last(Report.due_at.asc()), Report.id)
                              .limit(limit).offset(offset))
    return QueuePage(list(rows.unique()), total, overdue_total)


def queue_item(report: Report, photo_url, now: datetime) -> dict:
    """Return a queue entry: the public Feature plus the reporter's contact."""
    feature = report_feature(report, photo_url, now, exact=True)
    feature["properties"]["contact"] = contact_of(report)
    return feature
