"""The lifecycle API: transitions, reassignment, fix confirmations and the staff queue."""

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from neighborhood.accounts.auth import current_actor
from neighborhood.core.db import utcnow
from neighborhood.core.errors import InvalidInput, error_response
from neighborhood.reports.schemas import DeviceSchema
from neighborhood.reports.views import photo_url, read_body, read_optional_json
from neighborhood.workflow import queries, services
from neighborhood.workflow.schemas import (ConfirmOutSchema, QueueQuerySchema, QueueSchema,
                                           ReassignSchema, StepOutSchema, TransitionMultipartSchema,
                                           TransitionSchema)

blp = Blueprint("workflow_api", __name__, url_prefix="/api/v1",
                description="Move reports through their lifecycle; the staff queue.")


def _step_out(step, report_status):
    return {"report_id": step.report_id, "status": report_status, "kind": step.kind,
            "at": step.at}


@blp.route("/reports/<int:report_id>/transitions", endpoint="transitions")
class Transitions(MethodView):
    @blp.doc(requestBody={"required": True, "content": {
        "application/json": {"schema": TransitionSchema},
        "multipart/form-data": {"schema": TransitionMultipartSchema}}})
    @blp.response(201, StepOutSchema)
    @error_response(blp, 401)
    @error_response(blp, 403, "Your role may not make this move on this report.")
    @error_response(blp, 404, "No such report (or not visible to you).")
    @error_response(blp, 409, "Illegal from the current status; `allowed` lists the statuses "
                              "you may move it to.")
    @error_response(blp, 413)
    @error_response(blp, 422, "Invalid fields, or a required note, reason or original is "
                              "missing.")
    def post(self, report_id):
        """Move a report to another status (acknowledge, start, resolve, close, reopen, ...)."""
        data, uploads, location = read_body(TransitionSchema, "photo")
        if len(uploads) > 1:
            raise InvalidInput.field("files", "photo", "Send at most one resolution photo.")
        request = services.TransitionRequest(
            to=data["to"], note=data.get("note"), reason=data.get("reason"),
            duplicate_of=data.get("duplicate_of"), photo=uploads[0] if uploads else None,
            location=location)
        step = services.transition_report(report_id, current_actor(), request)
        return _step_out(step, step.to_status), 201


@blp.route("/reports/<int:report_id>/reassign", endpoint="reassign")
class Reassign(MethodView):
    @blp.arguments(ReassignSchema, unknown=RAISE)
    @blp.response(201, StepOutSchema)
    @error_response(blp, 400)
    @error_response(blp, 401)
    @error_response(blp, 403, "Only the routed department's staff, moderators, admins.")
    @error_response(blp, 404, "No such report (or not visible to you), or no such department.")
    @error_response(blp, 409, "The report is closed; `allowed` lists the statuses you may move "
                              "it to.")
    @error_response(blp, 413)
    @error_response(blp, 422, "Invalid fields, or the report is already with that department.")
    def post(self, data, report_id):
        """Route a report to another department (a timeline step)."""
        step = services.reassign_report(report_id, current_actor(), data["department"],
                                        note=data.get("note"))
        return _step_out(step, step.to_status), 201


@blp.route("/reports/<int:report_id>/confirmation", endpoint="confirm_fixed")
class ConfirmFixed(MethodView):
    @blp.doc(requestBody={"required": False, "content": {
        "application/json": {"schema": DeviceSchema}}})
    @blp.response(201, ConfirmOutSchema, description="Confirmation recorded.")
    @blp.alt_response(200, schema=ConfirmOutSchema, description="Already confirmed.")
    @error_response(blp, 401)
    @error_response(blp, 403, "The department that resolved the report cannot confirm its own "
                              "fix.")
    @error_response(blp, 404, "No such report (or not visible to you).")
    @error_response(blp, 409, "Not resolved, or resolved more than 30 days ago.")
    @error_response(blp, 413)
    @error_response(blp, 422, "Invalid fields, or no device_id from an anonymous caller.")
    def post(self, report_id):
        """Confirm that a resolved report is really fixed (once per account or device)."""
        data = read_optional_json(DeviceSchema)
        report, created = services.confirm_fixed(report_id, current_actor(),
                                                 device=data.get("device_id"))
        body = {"report_id": report.id, "fixed_count": report.fixed_count, "confirmed": True}
        return body, 201 if created else 200


@blp.route("/queue", endpoint="queue")
class Queue(MethodView):
    @blp.arguments(QueueQuerySchema, location="query", as_kwargs=True, unknown=RAISE)
    @blp.response(200, QueueSchema)
    @error_response(blp, 401)
    @error_response(blp, 403, "Not department staff, a moderator or an admin; or staff asking "
                              "for another department.")
    @error_response(blp, 404, "No such department.")
    @error_response(blp, 422, "Invalid or unknown query parameters.")
    def get(self, limit, offset, department=None, status=(), overdue=None):
        """List a department's open reports, oldest due first, with the reporter's contact."""
        now = utcnow()
        page = queries.queue(current_actor(), department=department, statuses=tuple(status),
                             overdue=overdue, limit=limit, offset=offset, now=now)
        return {"features": [queries.queue_item(r, photo_url, now) for r in page.reports],
                "total": page.total, "overdue_total": page.overdue_total}
