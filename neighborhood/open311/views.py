"""Open311 GeoReport v2 at /open311/v2: thin views over open311.services and open311.queries."""

from flask import Blueprint

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
