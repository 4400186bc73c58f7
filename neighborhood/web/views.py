"""Site pages: the home page with the city at a glance; follow confirmation links."""

from flask import Blueprint, current_app, render_template, request

from neighborhood.accounts.auth import current_actor
from neighborhood.reports import engagement
from neighborhood.reports.views import photo_url
from neighborhood.workflow.queries import report_detail
from neighborhood.web import queries

bp = Blueprint("web", __name__, template_folder="templates")


@bp.get("/")
def index():
    """Show the city at a glance: reports per family, and the latest public reports."""
    return render_template("web/index.html", city=current_app.config["CITY_NAME"],
                           families=queries.family_counts(), latest=queries.latest_reports(20))


@bp.get("/reports/<int:report_id>")
def report_page(report_id):
    """Show one report: status, department, due date and its timeline to resolution."""
    detail = report_detail(report_id, current_actor(), photo_url)
    return render_template("web/report.html", report=detail["properties"])


@bp.get("/follow/confirm")
def confirm_follow():
    """Confirm a follow from the link in the confirmation email (double opt-in)."""
    follower = engagement.confirm_follow(request.args.get("token", ""))
    return render_template("web/follow.html", action="confirmed", report_id=follower.report_id)


@bp.route("/follow/unsubscribe", methods=["GET", "POST"])
def unsubscribe():
    """Stop following: GET shows a one-button page, POST (also RFC 8058 one-click) does it."""
    token = request.values.get("token", "")
    if request.method == "GET":
        return render_template("web/follow.html", action="ask", token=token)
    report_id = engagement.unfollow_by_token(token)
    return render_template("web/follow.html", action="unsubscribed", report_id=report_id)
