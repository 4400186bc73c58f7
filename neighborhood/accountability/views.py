"""Accountability JSON API: statistics per neighborhood, department and category."""

from flask_smorest import Blueprint

blp = Blueprint("accountability_api", __name__, url_prefix="/api/v1",
                description="Accountability: SLA performance and statistics.")
