"""Officer walk mode (/walk) and past walks (/walks, /walks/<uuid>).

The walk page runs on the phone: the walk, its GPS track and its reports live in the
outbox (IndexedDB) and reach the walks API and the reports API when there is a connection.
"""

import folium
from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from neighborhood.accounts.auth import current_actor
from neighborhood.accounts.permissions import can_record_walk, can_view_walk
from neighborhood.maps.render import city_map, embed
from neighborhood.reports.queries import list_categories
from neighborhood.walks import queries as walk_queries
from neighborhood.web import labels
from neighborhood.web.blueprint import bp
from neighborhood.web.report_pages import family_choices


def _signed_in_or_login():
    if current_actor().is_anonymous:
        return redirect(url_for("web.login", next=request.full_path), code=303)
    return None


@bp.get("/walk")
def walk():
    """Show walk mode: start, capture reports in two taps, end with a summary."""
    if (to_login := _signed_in_or_login()) is not None:
        return to_login
    if not can_record_walk(current_actor()):
        abort(403, description=_("Walk mode is for officers."))
    return render_template("web/walk.html", families=family_choices(list_categories()),
                           map=embed(city_map(zoom=17)))


@bp.get("/walks")
def walks():
    """List past walks: an officer's own, every officer's for supervisors."""
    if (to_login := _signed_in_or_login()) is not None:
        return to_login
    actor = current_actor()
    officer = None if can_view_walk(actor, None) else actor.user_id
    rows = walk_queries.list_walks(actor, officer, limit=100)
    return render_template("web/walks.html", walks=rows)


@bp.get("/walks/<walk_uuid>")
def walk_summary(walk_uuid):
    """Show one walk: the route on a map, distance, duration and the reports made."""
    if (to_login := _signed_in_or_login()) is not None:
        return to_login
    summary = walk_queries.walk_summary(current_actor(), walk_uuid)
    fmap = city_map(zoom=16)
    points = [(lat, lon) for lon, lat in (summary["track"] or {}).get("coordinates", [])]
    if points:
        folium.PolyLine(points, color="#0b4f94", weight=5, opacity=0.8,
                        tooltip=str(labels.WALK_ROUTE)).add_to(fmap)
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        fmap.fit_bounds([(min(lats), min(lons)), (max(lats), max(lons))])
    names = {c.code: c.name for c in list_categories()}
    for number, report in enumerate(summary["reports"], 1):
        lon, lat = report["geometry"]["coordinates"]
        folium.CircleMarker((lat, lon), radius=9, color="#a4141b", fill=True, fill_opacity=0.8,
                            tooltip=f"{number}").add_to(fmap)
    return render_template("web/walk_summary.html", walk=summary, map=embed(fmap),
                           names=names, labels=labels)
