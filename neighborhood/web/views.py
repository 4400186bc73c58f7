"""Site pages: the home page with the city at a glance."""

from flask import Blueprint, current_app, render_template

from neighborhood.web import queries

bp = Blueprint("web", __name__, template_folder="templates")


@bp.get("/")
def index():
    """Show the city at a glance: reports per family, and the latest public reports."""
    return render_template("web/index.html", city=current_app.config["CITY_NAME"],
                           families=queries.family_counts(), latest=queries.latest_reports(20))
