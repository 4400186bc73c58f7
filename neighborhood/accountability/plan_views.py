"""Action-plan JSON API: public scorecards; admins adopt and amend plans."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from neighborhood.accountability import plan_progress, plan_services
from neighborhood.accountability.plan_schemas import (PlanAmendSchema, PlanCreateSchema,
                                                      PlanDetailSchema, PlanSummarySchema,
                                                      PlanVersionDetailSchema)
from neighborhood.accountability.plan_forms import CommitmentForm, PlanForm
from neighborhood.accounts.auth import current_actor
from neighborhood.core.errors import error_response

blp = Blueprint("plans_api", __name__, url_prefix="/api/v1/plans",
                description="Neighborhood action plans: commitments, baselines, progress.")

_WRITE_401 = "Not signed in, or the bearer token sent is not valid."
_WRITE_403 = "Not an admin (only admins record action plans)."


def _tz() -> str:
    return current_app.config["CITY_TIMEZONE"]


def _form(data: dict) -> PlanForm:
    commitments = tuple(CommitmentForm(**item) for item in data.pop("commitments"))
    return PlanForm(participants=tuple(data.pop("participants")), commitments=commitments,
                    **data)


@blp.route("", endpoint="plans")
class Plans(MethodView):
    @blp.response(200, PlanSummarySchema(many=True))
    @error_response(blp, 401, "The bearer token sent is not valid (plans are public).")
    def get(self):
        """List action plans, newest first, with how many commitments have each status."""
        return plan_progress.plan_summaries(tz=_tz())

    @blp.arguments(PlanCreateSchema, unknown=RAISE)
    @blp.response(201, PlanDetailSchema)
    @error_response(blp, 400)
    @error_response(blp, 401, _WRITE_401)
    @error_response(blp, 403, _WRITE_403)
    @error_response(blp, 413)
    @error_response(blp, 422, "Invalid fields (the field and the reason are in "
                              "`errors.json`); nothing was stored.")
    def post(self, data):
        """Adopt a plan: version 1, each commitment's baseline computed and frozen."""
        plan = plan_services.create_plan(_form(data), actor=current_actor(), tz=_tz())
        return plan_progress.plan_detail(plan.id, tz=_tz())


@blp.route("/<int:plan_id>", endpoint="plan")
class PlanDetail(MethodView):
    @blp.response(200, PlanDetailSchema)
    @error_response(blp, 401, "The bearer token sent is not valid (plans are public).")
    @error_response(blp, 404, "No such plan.")
    def get(self, plan_id):
        """A plan's scorecard: baseline -> now -> target, status and sparkline per commitment.

        The latest version, computed from live data, and the history of every version.
        Definitions: docs/accountability.md, "Action plans".
        """
        return plan_progress.plan_detail(plan_id, tz=_tz())

    @blp.arguments(PlanAmendSchema, unknown=RAISE)
    @blp.response(200, PlanDetailSchema)
    @error_response(blp, 400)
    @error_response(blp, 401, _WRITE_401)
    @error_response(blp, 403, _WRITE_403)
    @error_response(blp, 404, "No such plan.")
    @error_response(blp, 409, "`version` is not the latest version: another amendment came "
                              "first.")
    @error_response(blp, 413)
    @error_response(blp, 422, "Invalid fields, or nothing changed; nothing was stored.")
    def put(self, data, plan_id):
        """Amend a plan: a new version; the earlier ones stay as they were recorded."""
        plan_services.amend_plan(plan_id, _form(data), actor=current_actor(), tz=_tz())
        return plan_progress.plan_detail(plan_id, tz=_tz())


@blp.route("/<int:plan_id>/versions/<int:number>", endpoint="plan_version")
class PlanVersionDetail(MethodView):
    @blp.response(200, PlanVersionDetailSchema)
    @error_response(blp, 401, "The bearer token sent is not valid (plans are public).")
    @error_response(blp, 404, "No such plan or version.")
    def get(self, plan_id, number):
        """One version of a plan as recorded: its commitments and frozen baselines."""
        return plan_progress.version_detail(plan_id, number)
