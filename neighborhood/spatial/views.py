"""The hotspot and incident API."""

from zoneinfo import ZoneInfo

import h3
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from neighborhood.core.errors import InvalidInput, error_response
from neighborhood.core.messages import localize
from neighborhood.spatial import services
from neighborhood.spatial.hotspots import NotEnoughData
from neighborhood.extensions import db
from neighborhood.spatial.queries import incident_groups
from neighborhood.spatial.schemas import (HotspotCollectionSchema, HotspotQuerySchema,
                                          IncidentCollectionSchema, IncidentQuerySchema)

blp = Blueprint("spatial_api", __name__, url_prefix="/api/v1",
                description="Statistically significant hotspots and same-spot incidents.")


def _hexagon(cell: str) -> dict:
    ring = [[lon, lat] for lat, lon in h3.cell_to_boundary(cell)]
    return {"coordinates": [ring + ring[:1]]}


@blp.route("/hotspots", endpoint="hotspots")
class Hotspots(MethodView):
    @blp.arguments(HotspotQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, HotspotCollectionSchema)
    @error_response(blp, 401)
    @error_response(blp, 422, "Invalid parameters, not enough data for a test, or a sensitive "
                              "category at resolution 9 (the message says why).")
    def get(self, args):
        """Gi* hotspots on H3 hexagons (and emerging trends with trend=true)."""
        city_tz = current_app.config["CITY_TIMEZONE"]
        if args.get("end") and args["end"].tzinfo is None:  # naive: the city's local time
            args["end"] = args["end"].replace(tzinfo=ZoneInfo(city_tz))
        query = services.HotspotQuery(**args)
        try:
            payload = services.cached_hotspots(query, city_tz)
        except NotEnoughData as exc:
            message = localize(str(exc))
            raise InvalidInput(message, {"query": {"_schema": [message]}}) from exc
        features = [{"id": cell, "geometry": _hexagon(cell), "properties": props}
                    for cell, props in sorted(payload["cells"].items())]
        return {key: value for key, value in payload.items() if key != "cells"} | {
            "features": features}


@blp.route("/incidents", endpoint="incidents")
class Incidents(MethodView):
    @blp.arguments(IncidentQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, IncidentCollectionSchema)
    @error_response(blp, 401)
    @error_response(blp, 422, "Invalid or unknown query parameters.")
    def get(self, args):
        """Groups of open reports of one category about the same spot (within `radius` m).

        Sensitive categories (problem businesses) are grouped on their generalized points
        (rounded to SENSITIVE_COORDINATE_DECIMALS places, about 100 m) and their centres are
        rounded the same way, as every public location of theirs is.
        """
        groups = incident_groups(
            args["category"], bbox=args.get("bbox"), radius_m=args["radius"],
            metric_srid=current_app.config["CITY_METRIC_SRID"],
            dialect=db.session.get_bind().dialect.name,
            decimals=current_app.config["SENSITIVE_COORDINATE_DECIMALS"])
        return {"features": [
            {"geometry": {"coordinates": [g.centroid_lon, g.centroid_lat]},
             "properties": {"size": g.size, "report_ids": list(g.member_ids)}}
            for g in groups]}
