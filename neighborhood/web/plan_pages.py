"""Action plans on the site: the list (/plans), a plan's scorecard (/plans/<id>), a recorded
version (/plans/<id>/versions/<n>) and the printable meeting pack (/plans/<id>/pack).

Read-only and public, like GET /api/v1/plans. The scorecards are plan_progress's, the same as
the API's (definitions in docs/accountability.md, "Action plans"); the hotspots are the cached
city-wide maps of GET /api/v1/hotspots, counted inside the plan's neighborhood; the reports
come from web.queries. Plans are adopted and amended through the API (admins only): these
pages write nothing. docs/dashboard.md ("Plan pages and the meeting pack") describes the
pages and the pack.
"""

from datetime import date, datetime, timedelta

import h3
from flask import current_app, render_template, url_for
from flask_babel import format_date, format_decimal, format_number, format_percent
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from markupsafe import Markup

from neighborhood.accountability import charts, plan_progress, plan_services
from neighborhood.accountability.metrics import Progress
from neighborhood.accountability.plan_values import area_cells, local_midnight
from neighborhood.core.db import utcnow
from neighborhood.core.messages import localize
from neighborhood.reports.queries import public_place
from neighborhood.spatial.hotspots import NotEnoughData
from neighborhood.spatial.services import HotspotQuery, cached_hotspots
from neighborhood.web import labels, queries
from neighborhood.web.blueprint import bp

PACK_CELLS = 5  # hotspot and trend cells per family in the pack
PACK_OLDEST = 10  # oldest open reports in the pack
SENSITIVE_FAMILY = "problem_business"  # its public map is drawn at resolution 8, as on /map

# The status of a commitment: a word and a symbol, never colour alone (docs/accountability.md).
STATUS_WORDS = {
    Progress.MET.value: _l("Met"),
    Progress.ON_TRACK.value: _l("On track"),
    Progress.AT_RISK.value: _l("At risk"),
    Progress.MISSED.value: _l("Missed"),
    Progress.NO_DATA.value: _l("No data"),
}
STATUS_SYMBOLS = {"met": "✓", "on_track": "→", "at_risk": "⚠", "missed": "✗",
                  "no_data": "?"}
METRIC_LABELS = {
    "median_days_to_resolve": _l("Median days to resolve"),
    "within_sla_share": _l("Share closed within the service level"),
    "open_backlog": _l("Open backlog"),
    "hotspot_cells": _l("Hotspot cells at 95 % confidence or more"),
    "reopen_rate": _l("Reopen rate"),
    "reports_per_1000": _l("Reports per 1,000 residents per year"),
}
DIRECTIONS = {"lower": _l("lower is better"), "higher": _l("higher is better")}
# What the history of a plan names (plan_rules.Change.field).
CHANGE_FIELDS = {
    "title": _l("Title"), "meeting_date": _l("Meeting date"),
    "participants": _l("Participants"), "population": _l("Population"),
    "metric": _l("measure"), "family": _l("family"), "target": _l("target"),
    "deadline": _l("deadline"), "owner": _l("owner"), "description": _l("description"),
}
# The words of the hotspot map (/map): a Gi* bin, an emerging-trend pattern and its meaning.
BIN_WORDS = {
    3: _l("Hotspot, 99 % confidence"), 2: _l("Hotspot, 95 % confidence"),
    1: _l("Hotspot, 90 % confidence"), 0: _l("Nothing unusual"),
    -1: _l("Coldspot, 90 % confidence"), -2: _l("Coldspot, 95 % confidence"),
    -3: _l("Coldspot, 99 % confidence"),
}
PATTERN_WORDS = {
    1: _l("New hotspot"), 2: _l("Consecutive hotspot"), 3: _l("Intensifying hotspot"),
    4: _l("Persistent hotspot"), 5: _l("Diminishing hotspot"), 6: _l("Sporadic hotspot"),
    7: _l("Oscillating hotspot"), 8: _l("Historical hotspot"),
    -1: _l("New coldspot"), -2: _l("Consecutive coldspot"), -3: _l("Intensifying coldspot"),
    -4: _l("Persistent coldspot"), -5: _l("Diminishing coldspot"), -6: _l("Sporadic coldspot"),
    -7: _l("Oscillating coldspot"), -8: _l("Historical coldspot"),
}
PATTERN_MEANINGS = {
    1: _l("Significant only in the latest month."),
    2: _l("Significant for an unbroken run of the latest months, never before."),
    3: _l("Significant in at least 90 % of months including the latest, and getting "
          "stronger."),
    4: _l("Significant in at least 90 % of months, with no clear trend."),
    5: _l("Significant in at least 90 % of months including the latest, but getting weaker."),
    6: _l("On and off significant, including the latest month."),
    7: _l("Significant in the latest month, the opposite in some earlier month."),
    8: _l("Significant in at least 90 % of months, but not the latest."),
}


# --- words and numbers ----------------------------------------------------------------------

def figure_text(value: float | None, unit: str) -> str:
    """Return a metric's value with its unit, for people ("no data" when there is none)."""
    if value is None:
        return _("no data")
    if unit == "days":
        return _("%(n)s days", n=format_decimal(value, format="#,##0.0#"))
    if unit == "share":
        return format_percent(value, format="#,##0.0%")
    if unit == "reports":
        return ngettext("%(num)s report", "%(num)s reports", round(value))
    if unit == "cells":
        return ngettext("%(num)s cell", "%(num)s cells", round(value))
    if unit.startswith("reports per 1,000"):
        return _("%(n)s per 1,000 residents per year", n=format_decimal(value, format="#,##0.0"))
    return f"{format_decimal(value, format='#,##0.##')} {unit}"


def days_text(first: date, end: date) -> str:
    """Return a window [first, end) as its first and last day, both included."""
    return _("%(first)s to %(last)s", first=format_date(first, "medium"),
             last=format_date(end - timedelta(days=1), "medium"))


def family_text(family: str | None) -> str:
    """Return a family's name, or "every family"."""
    return labels.label(labels.FAMILIES, family) if family else _("Every family")


def owner_text(owner: dict) -> str:
    """Return who is held to a commitment: a department or a community group, by name."""
    if owner["kind"] == "group":
        return _("%(name)s (community group)", name=owner["name"])
    return owner["name"]


def status_counts_text(counts: dict) -> str:
    """Return how many commitments have each status in words, e.g. "1 met · 2 missed"."""
    parts = [f"{STATUS_SYMBOLS[code]} {word}: {format_number(counts.get(code, 0))}"
             for code, word in STATUS_WORDS.items() if counts.get(code)]
    return " · ".join(parts) if parts else _("no commitment")


def _sparkline(c: dict, ident: str, label: str, width: int, height: int) -> Markup:
    """Return a commitment's sparkline: the baseline, each 1st of a month, now; the target."""
    points = c["sparkline"]
    known = [p["value"] for p in points if p["value"] is not None]
    title = _("%(metric)s from the baseline to now", metric=label)
    if known:
        desc = _("%(n)s points from %(first)s to %(last)s, lowest %(low)s, highest %(high)s. "
                 "The dashed line is the target, %(target)s.", n=format_number(len(points)),
                 first=figure_text(points[0]["value"], c["unit"]),
                 last=figure_text(points[-1]["value"], c["unit"]),
                 low=figure_text(min(known), c["unit"]),
                 high=figure_text(max(known), c["unit"]),
                 target=figure_text(c["target"], c["unit"]))
    else:
        desc = _("No value yet. The target is %(target)s.",
                 target=figure_text(c["target"], c["unit"]))
    return charts.sparkline([p["value"] for p in points], title=title, desc=desc, ident=ident,
                            target=c["target"], width=width, height=height)


def _points(c: dict) -> list[dict]:
    """Return the sparkline's points for its data table: when, the window, value, n."""
    last = len(c["sparkline"]) - 1
    out = []
    for i, p in enumerate(c["sparkline"]):
        when = (_("Baseline") if i == 0 else _("Now") if i == last
                else format_date(p["to"], "medium"))
        out.append({"when": when, "window": days_text(p["from"], p["to"]),
                    "value": p["value"], "text": figure_text(p["value"], c["unit"]),
                    "n": p["n"], "small": p["small_sample"]})
    return out


def _commitment_view(c: dict, *, spark_width: int = 160, spark_height: int = 40) -> dict:
    """Return a scorecard commitment with its words, texts, sparkline and data table."""
    label = str(METRIC_LABELS.get(c["metric"], c["label"]))
    view = {"label": label, "family": family_text(c["family"]), "owner": owner_text(c["owner"]),
            "direction": DIRECTIONS.get(c["direction"], c["direction"]),
            "target": figure_text(c["target"], c["unit"]),
            "baseline": figure_text(c["baseline"]["value"], c["unit"]),
            "baseline_window": days_text(c["baseline"]["from"], c["baseline"]["to"])}
    if "status" in c:
        view |= {"status": STATUS_WORDS[c["status"]], "symbol": STATUS_SYMBOLS[c["status"]],
                 "now": figure_text(c["now"]["value"], c["unit"]),
                 "now_window": days_text(c["now"]["from"], c["now"]["to"]),
                 "expected": (None if c["expected"] is None
                              else figure_text(c["expected"], c["unit"])),
                 "sparkline": _sparkline(c, f"spark-{c['number']}", label, spark_width,
                                         spark_height),
                 "points": _points(c)}
    return c | {"view": view}


def _change_value(field: str, value) -> str:
    if value is None or value == "" or value == []:
        return _("none")
    if field == "metric":
        return str(METRIC_LABELS.get(value, value))
    if field == "family":
        return labels.label(labels.FAMILIES, value)
    if field in ("meeting_date", "deadline"):
        return format_date(date.fromisoformat(str(value)), "medium")
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, (int, float)):
        return format_decimal(value)
    return str(value)


def change_text(change) -> str:
    """Return one fact of a plan's history in the reader's language."""
    if change == "adopted":
        return _("Adopted.")
    field = str(CHANGE_FIELDS.get(change.field, change.field or ""))
    if change.kind == "plan":
        return _("%(field)s: “%(old)s” → “%(new)s”.", field=field,
                 old=_change_value(change.field, change.old),
                 new=_change_value(change.field, change.new))
    if change.kind == "removed":
        return _("Commitment %(number)s removed.", number=change.number)
    if change.kind == "added":
        metric, family = change.new
        return _("Commitment %(number)s added: %(metric)s (%(family)s).", number=change.number,
                 metric=_change_value("metric", metric), family=family_text(family))
    if change.kind == "commitment":
        return _("Commitment %(number)s, %(field)s: “%(old)s” → “%(new)s”.",
                 number=change.number, field=field,
                 old=_change_value(change.field, change.old),
                 new=_change_value(change.field, change.new))
    return _("Commitment %(number)s: baseline recomputed (its definition changed).",
             number=change.number)


def _tz() -> str:
    return current_app.config["CITY_TIMEZONE"]


# --- the pages ------------------------------------------------------------------------------

@bp.get("/plans")
def plans():
    """List every action plan: neighborhood, last meeting, how its commitments stand."""
    rows = plan_progress.plan_summaries(tz=_tz())
    return render_template("web/plans.html", plans=rows, status_counts=status_counts_text)


@bp.get("/plans/<int:plan_id>")
def plan_page(plan_id):
    """Show a plan's scorecard: each commitment's baseline -> now -> target, status, trend."""
    detail = plan_progress.plan_detail(plan_id, tz=_tz())
    commitments = [_commitment_view(c) for c in detail["commitments"]]
    return render_template("web/plan.html", plan=detail, commitments=commitments,
                           baseline_window=days_text(detail["baseline_from"],
                                                     detail["baseline_to"]),
                           status_counts=status_counts_text, labels=labels,
                           words=STATUS_WORDS, symbols=STATUS_SYMBOLS, change_text=change_text)


@bp.get("/plans/<int:plan_id>/versions/<int:number>")
def plan_version(plan_id, number):
    """Show one version of a plan as it was recorded: its commitments and frozen baselines."""
    version = plan_progress.version_detail(plan_id, number)
    latest = len(plan_services.load_plan(plan_id).versions)
    return render_template("web/plan_version.html", version=version, latest=latest,
                           baseline_window=days_text(version["baseline_from"],
                                                     version["baseline_to"]),
                           commitments=[_commitment_view(c) for c in version["commitments"]],
                           labels=labels, change_text=change_text)


# --- the meeting pack -----------------------------------------------------------------------

def _cell_rows(cells: dict, chosen: list[str], places: dict) -> list[dict]:
    rows = []
    for cell in chosen:
        props = cells[cell]
        lat, lon = h3.cell_to_latlng(cell)
        pattern = props.get("pattern") or 0
        rows.append({"cell": cell, "lat": lat, "lon": lon, "count": props["count"],
                     "bin": props["bin"], "confidence": BIN_WORDS.get(props["bin"], ""),
                     "pattern": PATTERN_WORDS.get(pattern),
                     "meaning": PATTERN_MEANINGS.get(abs(pattern)),
                     "place": places.get(cell)})
    return rows


def _hotspots(area_id: int, family: str | None, tz: str) -> dict:
    """Return the top hotspot and emerging-trend cells of a family inside a neighborhood.

    The map is the city-wide one of GET /api/v1/hotspots?family=F&trend=true (its default
    window: the 365 days up to the family's newest report); a cell belongs to the
    neighborhood when its centre lies inside it, as for the hotspot_cells metric.
    """
    resolution = 8 if family == SENSITIVE_FAMILY else 9
    out = {"family": family, "family_text": family_text(family), "resolution": resolution}
    try:
        payload = cached_hotspots(HotspotQuery(family=family, trend=True,
                                               resolution=resolution), tz)
    except NotEnoughData as exc:
        return out | {"refused": localize(str(exc))}
    inside = area_cells(area_id, resolution)
    cells = {c: p for c, p in payload["cells"].items() if c in inside}
    hot = sorted((c for c, p in cells.items() if p["bin"] > 0),
                 key=lambda c: (-cells[c]["bin"], -cells[c]["count"], c))
    busiest = [] if hot else sorted((c for c, p in cells.items() if p["count"]),
                                    key=lambda c: (-cells[c]["count"], c))
    trends = sorted((c for c, p in cells.items() if p.get("pattern")),
                    key=lambda c: (cells[c]["pattern"] < 0, -cells[c]["count"], c))
    start, end = (datetime.fromisoformat(payload[k]) for k in ("start", "end"))
    shown_hot, shown_trends = (hot or busiest)[:PACK_CELLS], trends[:PACK_CELLS]
    places = queries.cell_places(sorted(set(shown_hot + shown_trends)), resolution, family,
                                 start, end)
    return out | {"start": start, "end": end - timedelta(microseconds=1),
                  "reports": payload["reports"], "hot_count": len(hot),
                  "hot95_count": sum(1 for c in hot if cells[c]["bin"] >= 2),
                  "trend_count": len(trends), "busiest": not hot,
                  "hot": _cell_rows(cells, shown_hot, places),
                  "trends": _cell_rows(cells, shown_trends, places)}


def _since_meeting(plan, detail: dict, since: date, tz: str, now: datetime) -> dict:
    """Return what changed since the last meeting the plan records (its latest version's).

    The neighborhood's reports opened and closed since that day (and open now), per family of
    the plan and in all; each commitment's figure and status as the scorecard stood on that
    day and now; the plan's own versions recorded at or after that meeting.
    """
    counts = queries.area_counts_by_family(plan.area_id, local_midnight(since, tz), now)
    zero = {"opened": 0, "closed": 0, "resolved": 0, "open": 0}
    families = list(dict.fromkeys(c["family"] for c in detail["commitments"] if c["family"]))
    rows = [{"family": family_text(f), "code": f} | counts.get(f, zero) for f in families]
    total = {key: sum(row[key] for row in counts.values()) for key in zero}
    rows.append({"family": family_text(None), "code": "all"} | total)
    version, codes = plan.versions[-1], plan_services.department_codes()
    then = {c.number: plan_progress.commitment_progress(
        c, version, plan.area_id, tz, local_midnight(since, tz), codes, sparkline=False)
        for c in version.commitments}
    standing = []
    for c in detail["commitments"]:
        before = then[c["number"]]
        standing.append({"number": c["number"], "label": c["view"]["label"],
                         "family": c["view"]["family"],
                         "then": figure_text(before["now"]["value"], c["unit"]),
                         "then_value": before["now"]["value"],
                         "then_status": before["status"], "now": c["view"]["now"],
                         "now_value": c["now"]["value"], "now_status": c["status"]})
    versions = [v for v in detail["versions"] if v["meeting_date"] >= since]
    return {"since": since, "counts": rows, "standing": standing, "versions": versions}


@bp.get("/plans/<int:plan_id>/pack")
def meeting_pack(plan_id):
    """Show the printable meeting pack of a plan's neighborhood (A4 and Letter)."""
    tz, now = _tz(), utcnow()
    plan = plan_services.load_plan(plan_id)
    detail = plan_progress.plan_detail(plan_id, tz=tz, now=now)
    commitments = [_commitment_view(c, spark_width=120, spark_height=30)
                   for c in detail["commitments"]]
    detail = detail | {"commitments": commitments}
    families = list(dict.fromkeys(c["family"] for c in commitments))
    hotspots = [_hotspots(plan.area_id, f, tz) for f in families]
    reports, unlisted = queries.oldest_open_in_area(plan.area_id, PACK_OLDEST)
    oldest = [{"id": r.id, "category": r.category.name, "status": r.status,
               "created_at": r.created_at, "days": (now - r.created_at).days,
               "due_at": r.due_at, "overdue": r.due_at is not None and r.due_at < now,
               "address": public_place(r).address} for r in reports]
    changed = _since_meeting(plan, detail, detail["meeting_date"], tz, now)
    return render_template("web/meeting_pack.html", plan=detail, commitments=commitments,
                           baseline_window=days_text(detail["baseline_from"],
                                                     detail["baseline_to"]),
                           hotspots=hotspots, oldest=oldest, unlisted=unlisted,
                           changed=changed, printed=now, labels=labels, change_text=change_text,
                           report_url=url_for("web.report_page", report_id=1,
                                              _external=True).rsplit("/", 1)[0] + "/N",
                           words=STATUS_WORDS, symbols=STATUS_SYMBOLS,
                           status_counts=status_counts_text, figure=figure_text)
