"""The moderation JSON API: flag a report (anyone), the queue, decisions and the ban list."""

from flask.views import MethodView
from flask_smorest import Blueprint

from neighborhood.accounts.auth import current_actor
from neighborhood.core.errors import error_response
from neighborhood.moderation import queries, services
from neighborhood.moderation.schemas import (BanOutSchema, BanSchema, DecisionOutSchema,
                                             DecisionSchema, FlagOutSchema, FlagSchema,
                                             ModerationItemSchema)

blp = Blueprint("moderation_api", __name__, url_prefix="/api/v1",
                description="Moderation: anyone flags a report; moderators and admins work "
                            "the queue (publish, keep, hide, remove) and keep the ban list.")


@blp.route("/reports/<int:report_id>/flags", endpoint="flag")
class Flags(MethodView):
    @blp.arguments(FlagSchema)
    @blp.response(201, FlagOutSchema)
    @error_response(blp, 400)
    @error_response(blp, 401)
    @error_response(blp, 404, "No such public report.")
    @error_response(blp, 413)
    @error_response(blp, 422, "Invalid fields, or no device_id from an anonymous caller.")
    def post(self, data, report_id):
        """Flag a report that should not be public; enough flags hold it for a moderator."""
        return services.flag_report(report_id, current_actor(), reason=data["reason"],
                                    note=data.get("note"), device=data.get("device_id"))


@blp.route("/moderation/queue", endpoint="queue")
class Queue(MethodView):
    @blp.response(200, ModerationItemSchema(many=True))
    @error_response(blp, 401)
    @error_response(blp, 403, "Not a moderator or admin.")
    def get(self):
        """List held reports not yet decided and public reports with open flags, oldest first."""
        return queries.moderation_queue(current_actor())


@blp.route("/moderation/reports/<int:report_id>/decision", endpoint="decision")
class DecisionView(MethodView):
    @blp.arguments(DecisionSchema)
    @blp.response(200, DecisionOutSchema)
    @error_response(blp, 400)
    @error_response(blp, 401)
    @error_response(blp, 403, "Not a moderator or admin.")
    @error_response(blp, 404, "No such report.")
    @error_response(blp, 409, "Not possible in the report's current status.")
    @error_response(blp, 413)
    @error_response(blp, 422)
    def post(self, data, report_id):
        """Publish, keep, hide or remove a report; its open flags are resolved."""
        status = services.decide(report_id, current_actor(), data["decision"], data.get("note"))
        return {"report_id": report_id, "status": status}


@blp.route("/moderation/bans", endpoint="bans")
class Bans(MethodView):
    @blp.response(200, BanOutSchema(many=True))
    @error_response(blp, 401)
    @error_response(blp, 403, "Not a moderator or admin.")
    def get(self):
        """List the banned addresses and domains, newest first."""
        return services.list_bans(current_actor())

    @blp.arguments(BanSchema)
    @blp.response(201, BanOutSchema)
    @error_response(blp, 400)
    @error_response(blp, 401)
    @error_response(blp, 403, "Not a moderator or admin.")
    @error_response(blp, 409, "Already on the ban list.")
    @error_response(blp, 413)
    @error_response(blp, 422)
    def post(self, data):
        """Ban an address or a whole domain: its reports and follows are refused."""
        return services.add_ban(current_actor(), data["pattern"], data.get("note"))


@blp.route("/moderation/bans/<int:ban_id>", endpoint="ban")
class Ban(MethodView):
    @blp.response(204)
    @error_response(blp, 401)
    @error_response(blp, 403, "Not a moderator or admin.")
    @error_response(blp, 404, "No such ban.")
    def delete(self, ban_id):
        """Take an entry off the ban list."""
        services.remove_ban(current_actor(), ban_id)
