"""Open-data exports of public reports (CSV and GeoJSON, streamed)."""

from flask_smorest import Blueprint

blp = Blueprint("exports_api", __name__, url_prefix="/api/v1/exports",
                description="Open-data exports of public reports.")
