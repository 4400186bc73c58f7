"""The staff queue (/staff/queue): a department's reports, oldest due first, and the forms
that acknowledge, start, resolve, close as duplicate and reassign them.

The workflow decides everything: who sees which queue (workflow.queries.queue), which
buttons a report gets (the moves workflow.services would accept now) and whether a move
happens. A refused move is flashed and the form goes back to the queue; nothing is stored.
"""

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from neighborhood.accounts.auth import current_actor
from neighborhood.accounts.permissions import Role
from neighborhood.core import transaction
from neighborhood.core.db import utcnow
from neighborhood.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from neighborhood.reports.services import Upload
from neighborhood.reports.views import photo_url
from neighborhood.routing.services import find_department, list_departments
from neighborhood.web import labels, queries
from neighborhood.web.account_pages import local_target
from neighborhood.web.blueprint import bp
from neighborhood.workflow.queries import queue
from neighborhood.workflow.services import TransitionRequest, reassign_report, transition_report
from neighborhood.workflow.states import Status

PER_PAGE = 25
REFUSALS = (Conflict, Forbidden, InvalidInput, NotFound)


@dataclass(frozen=True)
class QueueFilters:
    """What the queue page was asked to show (from the query string)."""

    department: str | None
    status: str | None
    overdue: bool
    page: int

    @classmethod
    def from_args(cls, args) -> "QueueFilters":
        """Read the filters; unknown values fall back to the defaults."""
        status = args.get("status") or None
        page = args.get("page", "")
        return cls(department=args.get("department", "").strip() or None,
                   status=status if status in set(Status) else None,
                   overdue=args.get("overdue") == "1",
                   page=max(int(page), 1) if _number(page, digits=6) else 1)

    def args(self, **changes) -> dict:
        """Return the query string for these filters (with some changed), defaults left out."""
        values = {"department": self.department, "status": self.status,
                  "overdue": "1" if self.overdue else None, "page": self.page} | changes
        return {k: v for k, v in values.items() if v not in (None, "", 1)}


def _number(text: str, digits: int = 10) -> bool:
    """Return True for a plain decimal number of at most `digits` digits."""
    return text.isascii() and text.isdigit() and len(text) <= digits


def _login(target: str):
    return redirect(url_for("web.login", next=target), code=303)


def _here() -> str:
    return request.full_path.rstrip("?")


@bp.get("/staff/queue")
def staff_queue():
    """Show a department's queue; moderators and admins may pick any department (or all)."""
    actor = current_actor()
    if actor.is_anonymous:
        return _login(_here())
    filters = QueueFilters.from_args(request.args)
    now = utcnow()
    page = queue(actor, department=filters.department,
                 statuses=(filters.status,) if filters.status else (),
                 overdue=True if filters.overdue else None,
                 limit=PER_PAGE, offset=(filters.page - 1) * PER_PAGE, now=now)
    if actor.role == Role.STAFF:
        department = queries.department_name(actor.department_id)
    else:
        department = find_department(filters.department).name if filters.department else None
    return render_template(
        "web/staff_queue.html", rows=queries.queue_rows(page.reports, actor, now, photo_url),
        total=page.total, overdue_total=page.overdue_total, filters=filters,
        pages=max(-(-page.total // PER_PAGE), 1), department=department,
        departments=list_departments(), choose_department=actor.role != Role.STAFF,
        statuses=list(Status), back=_here(), labels=labels)


def _back():
    return redirect(local_target(request.form.get("next"), url_for("web.staff_queue")), code=303)


def _act(action, done):
    """Run a move; flash what happened (or why not) and go back to the queue."""
    if current_actor().is_anonymous:
        return _login(local_target(request.form.get("next"), url_for("web.staff_queue")))
    try:
        result = action()
    except REFUSALS as exc:
        transaction.rollback()
        flash(_("Not done: %(reason)s", reason=exc.message), "error")
    else:
        flash(done(result), "ok")
    return _back()


def _original_id() -> int | None:
    value = request.form.get("duplicate_of", "").strip().lstrip("#")
    if not value:
        return None
    if not _number(value):
        raise InvalidInput.field("form", "duplicate_of",
                                 _("Give the original report's number, e.g. 1234."))
    return int(value)


def _transition_request() -> TransitionRequest:
    to = request.form.get("to", "")
    reason = request.form.get("reason") or None
    original = _original_id()
    note = request.form.get("note", "").strip() or None
    if reason == "duplicate" and original is not None and note is None:
        note = _("Same problem as report #%(id)s.", id=original)
    upload = request.files.get("photo")
    photo = Upload(upload.filename, upload.read()) if upload and upload.filename else None
    return TransitionRequest(to=to, note=note, reason=reason, duplicate_of=original,
                             photo=photo, location="form")


@bp.post("/staff/reports/<int:report_id>/transition")
def staff_transition(report_id):
    """Acknowledge, start, resolve (note, optional photo) or close a report as a duplicate."""
    return _act(lambda: transition_report(report_id, current_actor(), _transition_request()),
                lambda step: _("Report #%(id)s is now: %(status)s.", id=report_id,
                               status=labels.label(labels.STATUSES, step.to_status)))


@bp.post("/staff/reports/<int:report_id>/reassign")
def staff_reassign(report_id):
    """Send a report to another department."""
    return _act(lambda: reassign_report(report_id, current_actor(),
                                        request.form.get("department", ""),
                                        note=request.form.get("note")),
                lambda step: _("Report #%(id)s was sent to %(department)s.", id=report_id,
                               department=queries.department_name(step.to_department_id)))
