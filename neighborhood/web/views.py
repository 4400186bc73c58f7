"""Site pages: one blueprint (web.blueprint), routes by page in the *_pages modules.

Pages are server-rendered and work without JavaScript; scripts add GPS, the camera, the map
layers and the offline queue. Views stay thin: services decide and check permissions.
"""

from flask import current_app, render_template, request

from neighborhood.reports import engagement
from neighborhood.web import labels, queries
from neighborhood.web.blueprint import bp
from neighborhood.web import (account_pages, dashboard_pages, map_pages,  # noqa: F401  (routes)
                             moderation_pages, plan_pages, report_pages, staff_pages,
                             walk_pages)

__all__ = ["bp"]


@bp.get("/")
def index():
    """Show the city at a glance: reports per family, and the latest public reports."""
    return render_template("web/index.html", city=current_app.config["CITY_NAME"],
                           families=queries.family_counts(), latest=queries.latest_reports(20),
                           labels=labels)


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
