"""Action-plan metric values from live data: the statistics queries and the hotspot maps.

Every value covers the public reports of one neighborhood (and family) over windows of whole
days in the city's time zone (metrics.Window). The statistics come from accountability.queries
with the definitions of GET /api/v1/stats; hotspot cells are counted inside the neighborhood
on the cached city-wide map of GET /api/v1/hotspots (spatial.services). Definitions:
docs/accountability.md, "Action plans".
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import h3
from geoalchemy2.shape import to_shape
from sqlalchemy import select

from neighborhood.accountability import queries, stats
from neighborhood.accountability.metrics import HOT_BIN, Value, Window
from neighborhood.accountability.queries import Scope
from neighborhood.areas.models import Area
from neighborhood.extensions import db
from neighborhood.reports.models import Category
from neighborhood.spatial.hotspots import NotEnoughData
from neighborhood.spatial.services import HotspotQuery, cached_hotspots

HOURS_PER_DAY = 24.0
DAYS_PER_YEAR = 365.0
PER_RESIDENTS = 1000
HOTSPOT_RESOLUTION = 9  # the hotspot map's defaults: blocks, the ring around each
HOTSPOT_K = 1


@dataclass(frozen=True)
class Subject:
    """Whose figures: one neighborhood, optionally one family, and its population."""

    area_id: int
    family: str | None = None
    population: int | None = None


def local_midnight(day: date, tz: str) -> datetime:
    """Return the start of a day in the city's time zone, in UTC."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def _scope(subject: Subject) -> Scope:
    """Return the statistics scope of a subject: its neighborhood, its family's categories."""
    if subject.family is None:
        return Scope(area_id=subject.area_id)
    ids = db.session.scalars(select(Category.id).where(Category.family == subject.family))
    return Scope(category_ids=tuple(ids), area_id=subject.area_id)


def _bounds(windows: Sequence[Window], tz: str) -> list[tuple[datetime, datetime]]:
    return [(local_midnight(w.start, tz), local_midnight(w.end, tz)) for w in windows]


def _closings(subject: Subject, windows: Sequence[Window], tz: str) -> list[list[tuple]]:
    """Return, per window, (created_at, closed_at, due_at) of the reports closed in it.

    One streamed pass over the span of every window, as GET /api/v1/stats reads closings.
    """
    bounds = _bounds(windows, tz)
    found: list[list[tuple]] = [[] for _ in windows]
    if not bounds:
        return found
    start, end = min(b[0] for b in bounds), max(b[1] for b in bounds)
    for _, _, created_at, closed_at, due_at in queries.closings(_scope(subject), start, end):
        for index, (a, b) in enumerate(bounds):
            if a <= closed_at < b:
                found[index].append((created_at, closed_at, due_at))
    return found


def median_days_to_resolve(subject, windows, tz) -> list[Value]:
    """Return per window the median days from created_at to closed_at of the reports closed."""
    out = []
    for rows in _closings(subject, windows, tz):
        hours = [stats.hours_between(created, closed) for created, closed, _ in rows]
        middle = stats.median(hours)
        out.append(Value(None, 0, "No report was closed in the window.") if middle is None
                   else Value(middle / HOURS_PER_DAY, len(hours)))
    return out


def within_sla_share(subject, windows, tz) -> list[Value]:
    """Return per window the share closed by the due date, of the closed reports with one."""
    out = []
    for rows in _closings(subject, windows, tz):
        verdicts = [stats.within_sla(closed, due) for _, closed, due in rows]
        judged = [v for v in verdicts if v is not None]
        out.append(Value(stats.share(sum(judged), len(judged)), len(judged),
                         None if judged else "No report with a due date was closed in the "
                                             "window."))
    return out


def open_backlog(subject, windows, tz) -> list[Value]:
    """Return the reports open (open, acknowledged, in progress) at each window's end."""
    scope, out = _scope(subject), []
    for _, end in _bounds(windows, tz):
        n, _ = queries.backlog_at(scope, end, 0).counts.get(None, (0, 0))
        out.append(Value(float(n), n))
    return out


def reopen_rate(subject, windows, tz) -> list[Value]:
    """Return per window the share of reports with a closing step in it reopened since."""
    scope, out = _scope(subject), []
    for start, end in _bounds(windows, tz):
        rows = queries.reopenings(scope, start, end)
        n, again = (rows[0][1], rows[0][2]) if rows else (0, 0)
        out.append(Value(stats.share(again, n), n,
                         None if n else "No report was closed in the window."))
    return out


def reports_per_1000(subject, windows, tz) -> list[Value]:
    """Return the reports created in each window per 1,000 residents per 365-day year."""
    scope, out = _scope(subject), []
    for window, (start, end) in zip(windows, _bounds(windows, tz)):
        n = sum(count for _, _, count, _ in queries.opened_by_week(scope, [start, end]))
        if not subject.population:
            out.append(Value(None, n, "No population given."))
            continue
        rate = n * PER_RESIDENTS / subject.population * DAYS_PER_YEAR / window.days
        out.append(Value(rate, n))
    return out


def area_cells(area_id: int, resolution: int = HOTSPOT_RESOLUTION) -> set[str]:
    """Return the H3 cells whose centre lies inside a neighborhood."""
    area = db.session.get(Area, area_id)
    return set(h3.geo_to_cells(to_shape(area.geom).__geo_interface__, resolution))


def hotspot_cells(subject, windows, tz) -> list[Value]:
    """Return the hot cells (bin +2 or +3) inside the neighborhood on each window's map.

    The map is GET /api/v1/hotspots?family=F&days=D&end=E with its defaults (resolution 9,
    k = 1, observed cells); n is the number of reports the map counted, city-wide.
    """
    inside, out = area_cells(subject.area_id), []
    for window, (_, end) in zip(windows, _bounds(windows, tz)):
        query = HotspotQuery(family=subject.family, days=window.days, end=end,
                             resolution=HOTSPOT_RESOLUTION, k=HOTSPOT_K)
        try:
            payload = cached_hotspots(query, tz)
        except NotEnoughData as exc:
            out.append(Value(None, 0, str(exc)))
            continue
        hot = sum(1 for cell, props in payload["cells"].items()
                  if props["bin"] >= HOT_BIN and cell in inside)
        out.append(Value(float(hot), int(payload["reports"])))
    return out


COMPUTE = {"median_days_to_resolve": median_days_to_resolve,
           "within_sla_share": within_sla_share, "open_backlog": open_backlog,
           "hotspot_cells": hotspot_cells, "reopen_rate": reopen_rate,
           "reports_per_1000": reports_per_1000}


def values(metric: str, subject: Subject, windows: Sequence[Window], tz: str) -> list[Value]:
    """Return a metric's value over each window (whole days, city time), from live data."""
    return COMPUTE[metric](subject, list(windows), tz)
