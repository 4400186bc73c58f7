"""The walks JSON API: thin views over walks.services and walks.queries."""

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from neighborhood.accounts.auth import current_actor
from neighborhood.core.errors import error_response
from neighborhood.walks import queries, services
from neighborhood.walks.schemas import (WalkPutSchema, WalkQuerySchema, WalkSchema,
                                        WalkSummarySchema)

blp = Blueprint("walks_api", __name__, url_prefix="/api/v1/walks",
                description="Officer walks: patrol routes recorded offline, and the reports "
                            "made on them.")


@blp.route("", endpoint="walks")
class Walks(MethodView):
    @blp.arguments(WalkQuerySchema, location="query", as_kwargs=True, unknown=RAISE)
    @blp.response(200, WalkSchema(many=True))
    @error_response(blp, 401)
    @error_response(blp, 403, "Not an officer, moderator or admin; or an officer asking for "
                              "another officer's walks.")
    @error_response(blp, 422, "Invalid or unknown query parameters.")
    def get(self, limit, offset, officer_id=None):
        """List walks, newest first: an officer's own, everyone's for moderators and admins."""
        return queries.list_walks(current_actor(), officer_id, limit=limit, offset=offset)


@blp.route("/<uuid:walk_uuid>", endpoint="walk")
class WalkDetail(MethodView):
    @blp.response(200, WalkSummarySchema)
    @error_response(blp, 401)
    @error_response(blp, 403, "Not an officer, moderator or admin; or another officer's walk.")
    @error_response(blp, 404, "No such walk.")
    def get(self, walk_uuid):
        """Get a walk: its route as a LineString, distance, duration and the reports made on it."""
        return queries.walk_summary(current_actor(), str(walk_uuid))

    @blp.arguments(WalkPutSchema, unknown=RAISE)
    @blp.response(200, WalkSchema, description="Merged into the stored walk (a retry changes "
                                               "nothing).")
    @blp.alt_response(201, schema=WalkSchema, description="The walk was created.")
    @error_response(blp, 400)
    @error_response(blp, 401)
    @error_response(blp, 403, "Not an officer or admin, or another officer's walk.")
    @error_response(blp, 404, "The path's walk id is not a UUID.")
    @error_response(blp, 409, "started_at, or an ended_at already stored, differs; nothing was "
                              "stored.")
    @error_response(blp, 413)
    @error_response(blp, 422)
    def put(self, data, walk_uuid):
        """Upload a walk, or part of its track, by the phone's UUID: idempotent, any order."""
        result = services.save_walk(current_actor(), str(walk_uuid), data)
        return queries.walk_row(result.walk), 201 if result.created else 200
