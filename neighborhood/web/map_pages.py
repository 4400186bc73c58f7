"""The city map (/map): reports of the visible area loaded from the API as you pan.

The page itself holds no map data: city-map.js asks /api/v1/reports for the visible area
(and the hotspot and incident APIs for their layers). The same GET form that filters the map
also filters a server-rendered list (newest first, paged), so the page works without
JavaScript and a screen reader always has the map's data as a list (`view=list`: no map).
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from neighborhood.maps.assets import asset_path
from neighborhood.maps.render import city_map as folium_city_map, embed
from neighborhood.reports.queries import ReportFilter, list_categories, public_place
from neighborhood.web import labels, queries
from neighborhood.web.blueprint import bp
from neighborhood.workflow.states import CLOSED_STATUSES, OPEN_STATUSES, Family

PER_PAGE = 50
STATUS_CHOICES = ("all", "open", "closed")
STATUS_GROUPS = {"all": (), "open": tuple(sorted(OPEN_STATUSES)),
                 "closed": tuple(sorted(CLOSED_STATUSES))}
LAYERS = ("reports", "hotspots", "trends", "incidents")
VIEWS = ("map", "list")
# The API's limits (ReportQuerySchema, plausible_date): dates outside them cannot be asked.
FIRST_YEAR, LAST_YEAR = 1900, 2999
FAMILY_CODES = frozenset(f.value for f in Family)
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class MapFilters:
    """What the filter form asks for, as the visitor typed it, and what is wrong with it."""

    families: list[str] = field(default_factory=list)
    status: str = "all"
    date_from: str = ""
    date_to: str = ""
    page: int = 1
    view: str = "map"
    layers: list[str] = field(default_factory=lambda: ["reports"])
    errors: dict[str, str] = field(default_factory=dict)

    def report_filter(self) -> ReportFilter:
        """Return the query for the public report list (dates are whole days, city time)."""
        start = _day(self.date_from)
        end = _day(self.date_to)
        return ReportFilter(
            families=tuple(self.families), statuses=STATUS_GROUPS[self.status],
            created_from=datetime.combine(start, datetime.min.time()) if start else None,
            created_to=datetime.combine(end + timedelta(days=1), datetime.min.time())
            if end else None)

    def query_args(self, **changes) -> dict:
        """Return the URL arguments that repeat this filter (for the pager and view links)."""
        args = {"family": self.families, "status": self.status if self.status != "all" else None,
                "from": self.date_from or None, "to": self.date_to or None,
                "view": self.view if self.view != "map" else None,
                "layer": self.layers if self.layers != ["reports"] else None,
                "page": self.page if self.page > 1 else None} | changes
        return {key: value for key, value in args.items() if value not in (None, [], 1)}


def _day(text: str) -> date | None:
    """Return the day a date field holds (YYYY-MM-DD, as a date input sends), else None."""
    if not DAY.fullmatch(text or ""):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def read_filters(args: MultiDict) -> MapFilters:
    """Read the filter form; every problem becomes a message next to its field."""
    wanted = MapFilters(families=[f for f in args.getlist("family") if f],
                        status=args.get("status") or "all",
                        date_from=(args.get("from") or "").strip(),
                        date_to=(args.get("to") or "").strip(),
                        view=args.get("view") if args.get("view") in VIEWS else "map")
    layers = [layer for layer in args.getlist("layer") if layer in LAYERS]
    if "layer" in args:
        wanted.layers = layers
    page = args.get("page", "1")
    wanted.page = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    if any(f not in FAMILY_CODES for f in wanted.families):
        wanted.errors["family"] = _("Choose families from the list.")
        wanted.families = [f for f in wanted.families if f in FAMILY_CODES]
    if wanted.status not in STATUS_CHOICES:
        wanted.errors["status"] = _("Choose open, closed or all reports.")
        wanted.status = "all"
    for name, text in (("from", wanted.date_from), ("to", wanted.date_to)):
        day = _day(text)
        if text and (day is None or not FIRST_YEAR <= day.year <= LAST_YEAR):
            wanted.errors[name] = _("Enter a date as year-month-day, for example 2015-06-30.")
    start, end = _day(wanted.date_from), _day(wanted.date_to)
    if start and end and start > end and "from" not in wanted.errors:
        wanted.errors["from"] = _("The first day must not be after the last day.")
    return wanted


def _family_choices(categories, chosen: list[str]) -> list[dict]:
    """Return the families to offer: those with categories, and any already chosen."""
    present = {c.family for c in categories} | set(chosen)
    return [{"code": f.value, "label": labels.label(labels.FAMILIES, f.value),
             "icon": labels.FAMILY_ICONS[f.value]}
            for f in Family if f.value in present or not categories]


def _list_rows(reports) -> list[dict]:
    """Return what the list shows of each report (addresses withheld as on the API)."""
    return [{"id": r.id, "category": r.category.name, "family": r.category.family,
             "status": r.status, "created_at": r.created_at,
             "address": public_place(r).address, "description": r.description}
            for r in reports]


def _map_config(categories) -> dict:
    """Return what city-map.js needs besides its strings: API URLs, codes and their words."""
    def asset(name):
        return url_for("maps.asset", filename=asset_path("leaflet.markercluster", name))

    return {
        "api": {"reports": url_for("reports_api.reports"),
                "hotspots": url_for("spatial_api.hotspots"),
                "incidents": url_for("spatial_api.incidents")},
        "reportUrl": url_for("web.report_page", report_id=0).removesuffix("0"),
        "timezone": current_app.config["CITY_TIMEZONE"],
        "families": {f.value: {"label": labels.label(labels.FAMILIES, f.value),
                               "icon": labels.FAMILY_ICONS[f.value]} for f in Family},
        "statuses": {code: str(word) for code, word in labels.STATUSES.items()},
        "statusGroups": {key: list(group) for key, group in STATUS_GROUPS.items()},
        "categories": [{"code": c.code, "name": c.name, "family": c.family,
                        "sensitive": c.sensitive} for c in categories],
        "clusterCss": [asset("MarkerCluster.css"), asset("MarkerCluster.Default.css")],
    }


def map_strings() -> dict[str, str]:
    """Return the words city-map.js shows, in the page's language."""
    strings = {
        "loading": _("Loading reports for this area…"),
        "count": _("%(n)s reports in this area.", n="{n}"),
        "count_one": _("1 report in this area."),
        "cluster": _("%(n)s reports here; zoom in to see them", n="{n}"),
        "none": _("No reports in this area with these filters."),
        "capped": _("Showing the %(n)s most recently added reports in this area. Zoom in to "
                    "see all of them.", n="{n}"),
        "failed": _("The reports could not be loaded. Check your connection and try again."),
        "list_heading": _("Reports in the map area"),
        "more": _("Show %(n)s more", n="{n}"),
        "shown": _("Showing %(shown)s of %(total)s.", shown="{shown}", total="{total}"),
        "open_report": _("Open report #%(id)s", id="{id}"),
        "reported": _("Reported"),
        "no_address": _("No address given"),
        "dates_order": _("The first day must not be after the last day."),
        "date_invalid": _("Enter a date as year-month-day, for example 2015-06-30."),
        "hot_loading": _("Loading hotspots…"),
        "hot_failed": _("No hotspot map for this selection: %(reason)s", reason="{reason}"),
        "hot_window": _("Reports from %(start)s to %(end)s (%(n)s reports, whatever their "
                        "status). The date and status filters do not apply.",
                        start="{start}", end="{end}", n="{n}"),
        "hot_family": _("Family: %(family)s.", family="{family}"),
        "hot_all": _("All families (choose one family to see its own hotspots)."),
        "hot_none": _("No hexagon is a hotspot or a coldspot in this selection."),
        "hot_zero": _("Hexagons with nothing unusual are not drawn."),
        "cells": _("%(n)s hexagons", n="{n}"),
        "cells_one": _("1 hexagon"),
        "bin_3": _("Hotspot, 99 % confidence"),
        "bin_2": _("Hotspot, 95 % confidence"),
        "bin_1": _("Hotspot, 90 % confidence"),
        "bin_-1": _("Coldspot, 90 % confidence"),
        "bin_-2": _("Coldspot, 95 % confidence"),
        "bin_-3": _("Coldspot, 99 % confidence"),
        "hot_pattern_note": _("Hot: solid fill, solid edge. Cold: striped fill, dashed edge."),
        "cell_reports": _("%(n)s reports in this hexagon", n="{n}"),
        "cell_reports_one": _("1 report in this hexagon"),
        "z_score": _("z-score %(z)s", z="{z}"),
        "trend_loading": _("Loading trends…"),
        "trend_none": _("No hexagon shows a trend pattern in this selection."),
        "trend_note": _("Each month of the last 12 is tested; the number on a hexagon is its "
                        "pattern in this legend."),
        "pattern_1": _("New hotspot"),
        "pattern_2": _("Consecutive hotspot"),
        "pattern_3": _("Intensifying hotspot"),
        "pattern_4": _("Persistent hotspot"),
        "pattern_5": _("Diminishing hotspot"),
        "pattern_6": _("Sporadic hotspot"),
        "pattern_7": _("Oscillating hotspot"),
        "pattern_8": _("Historical hotspot"),
        "pattern_-1": _("New coldspot"),
        "pattern_-2": _("Consecutive coldspot"),
        "pattern_-3": _("Intensifying coldspot"),
        "pattern_-4": _("Persistent coldspot"),
        "pattern_-5": _("Diminishing coldspot"),
        "pattern_-6": _("Sporadic coldspot"),
        "pattern_-7": _("Oscillating coldspot"),
        "pattern_-8": _("Historical coldspot"),
        "meaning_1": _("Significant only in the latest month."),
        "meaning_2": _("Significant for an unbroken run of the latest months, never before."),
        "meaning_3": _("Significant in at least 90 % of months including the latest, and "
                       "getting stronger."),
        "meaning_4": _("Significant in at least 90 % of months, with no clear trend."),
        "meaning_5": _("Significant in at least 90 % of months including the latest, but "
                       "getting weaker."),
        "meaning_6": _("On and off significant, including the latest month."),
        "meaning_7": _("Significant in the latest month, the opposite in some earlier month."),
        "meaning_8": _("Significant in at least 90 % of months, but not the latest."),
        "incidents_loading": _("Loading incident groups…"),
        "incidents_none": _("No incident groups in this area."),
        "incidents_note": _("Open reports of one category within 30 m of each other. The date "
                            "and status filters do not apply; problem businesses are not "
                            "grouped on the public map."),
        "incident": _("%(n)s open reports about the same spot", n="{n}"),
        "incidents_count": _("%(n)s incident groups in this area.", n="{n}"),
        "incidents_count_one": _("1 incident group in this area."),
        "incidents_failed": _("The incident groups could not be loaded."),
    }
    return {key: str(value) for key, value in strings.items()}


def _list_page(wanted: MapFilters) -> tuple[list[dict], int, int]:
    """Return the list page's rows, the number of matching reports and of pages.

    A page past the end shows the last one.
    """
    tz = current_app.config["CITY_TIMEZONE"]
    found, total = queries.map_reports(wanted.report_filter(), page=wanted.page,
                                       per_page=PER_PAGE, city_tz=tz)
    pages = max(1, -(-total // PER_PAGE))
    if wanted.page > pages:
        wanted.page = pages
        found, total = queries.map_reports(wanted.report_filter(), page=pages,
                                           per_page=PER_PAGE, city_tz=tz)
    return _list_rows(found), total, pages


@bp.get("/map")
def city_map():
    """Show the city map with its filters, and the list of the same reports."""
    wanted = read_filters(request.args)
    rows, total, pages = ([], 0, 1) if wanted.errors else _list_page(wanted)
    fmap = embed(folium_city_map()) if wanted.view == "map" else None
    categories = list_categories()
    cluster_js = url_for("maps.asset", filename=asset_path("leaflet.markercluster",
                                                           "leaflet.markercluster.js"))
    page = render_template(
        "web/map.html", map=fmap, wanted=wanted, rows=rows, total=total, pages=pages,
        per_page=PER_PAGE, families=_family_choices(categories, wanted.families),
        labels=labels, cluster_js=cluster_js,
        map_config=_map_config(categories) if fmap else None,
        strings=map_strings() if fmap else None)
    return page, 422 if wanted.errors else 200
