"""Accountability JSON API: statistics per neighborhood, department and category."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from neighborhood.accountability import services
from neighborhood.accountability.schemas import StatsQuerySchema, StatsRowSchema
from neighborhood.core.errors import error_response

blp = Blueprint("accountability_api", __name__, url_prefix="/api/v1",
                description="Accountability: SLA performance and statistics.")


@blp.route("/stats", endpoint="stats")
class Stats(MethodView):
    @blp.arguments(StatsQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, StatsRowSchema(many=True))
    @error_response(blp, 401, "The bearer token sent is not valid (the statistics need no "
                              "account).")
    @error_response(blp, 422, "Invalid or unknown query parameters (the field and the reason "
                              "are in `errors.query`).")
    def get(self, args):
        """Timeliness figures per city, neighborhood, department, family or category.

        Counts, backlog, median and 90th-percentile hours to acknowledge and to resolve, the
        share closed within the service level, the reopen rate, weekly series and the oldest
        open reports. Only public reports count. Definitions: docs/accountability.md.
        """
        config = current_app.config
        query = services.StatsQuery(
            group_by=args["group_by"], start=args.get("start"), end=args.get("end"),
            categories=tuple(args.get("category", ())), families=tuple(args.get("family", ())),
            oldest=args["oldest"])
        return services.compute_stats(
            query, city_tz=config["CITY_TIMEZONE"], city_name=config["CITY_NAME"],
            generalize_sensitive=config["SENSITIVE_COORDINATE_DECIMALS"] is not None)
