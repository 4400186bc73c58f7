"""Hotspots from the database: counts by SQL GROUP BY, statistics in pure code, cached results.

Counting is one GROUP BY on the stored H3 cell columns on both engines; no per-report Python
loop. Results are stored in `hotspot_cache`, keyed by the question and checked against the
reports' data version (count, newest id, newest updated_at: all answered from indexes), so a
new or changed report invalidates them for every worker at once.

Sensitive categories (problem businesses) are published only at generalized points (about
100 m, core.privacy). A resolution-9 hexagon (~0.1 km², edge ~170 m) drawn from their exact
points could place a report more finely than that, so resolution 9 never counts them: a
question about a sensitive category or an all-sensitive family is refused (ask resolution
8), and the all-reports map and mixed families leave them out at resolution 9. Stacks that
hold a sensitive report are published at the generalized point.
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import h3
from flask import current_app
from flask_babel import gettext as _
from geoalchemy2.shape import to_shape
from sqlalchemy import and_, case, func, not_, or_, select
from sqlalchemy.exc import IntegrityError

from neighborhood.areas.models import Area
from neighborhood.core.db import utcnow
from neighborhood.core.privacy import generalize_point
from neighborhood.extensions import db
from neighborhood.reports.models import Category, Report
from neighborhood.spatial import emerging, hotspots
from neighborhood.spatial.models import HotspotCache
from neighborhood.workflow.states import PUBLIC_STATUSES, CloseReason

RESOLUTIONS = (8, 9)
CELL_MODES = ("observed", "boundary")
STEP_UNITS = ("month", "week")
EXCLUDED_REASONS = frozenset({CloseReason.SPAM, CloseReason.DUPLICATE})
# The finest resolution at which sensitive categories are counted (res 8: ~0.7 km² hexagons,
# far coarser than their ~100 m generalized points); finer maps leave them out or refuse.
SENSITIVE_MAX_RESOLUTION = 8
# Bumped when the content of a stored map changes for the same question (privacy rules).
CACHE_FORMAT = 2


class TooFineForSensitive(hotspots.NotEnoughData):
    """A map finer than SENSITIVE_MAX_RESOLUTION of sensitive reports only: refused (422)."""


@dataclass(frozen=True)
class HotspotQuery:
    """What a hotspot map asks: which reports, which window, which grid and neighbourhood."""

    category: str | None = None
    family: str | None = None
    days: int = 365
    end: datetime | None = None  # None: the newest matching report (the last `days` of data)
    resolution: int = 9
    k: int = 1
    cells: str = "observed"  # or "boundary": every cell inside the city, zeros included
    trend: bool = False
    step: str = "month"

    def key(self, end: datetime) -> str:
        """Return the cache key of this question, with its resolved end."""
        fields = asdict(self) | {"end": end.astimezone(UTC).isoformat(),
                                 "format": CACHE_FORMAT}
        return "hotspots:" + hashlib.sha256(json.dumps(fields, sort_keys=True).encode()
                                            ).hexdigest()


@dataclass
class Selection:
    """The reports a question covers (SQL conditions without the window), the window, stacks."""

    conditions: list
    start: datetime
    end: datetime
    stacks: list[hotspots.Stack] = field(default_factory=list)
    stacked_reports: int = 0
    r9_counts: dict[str, int] = field(default_factory=dict)  # per res-9 cell, stacks removed
    sensitive_stacks: set[tuple[float, float]] = field(default_factory=set)  # (lon, lat)


def data_version() -> str:
    """Return a token that changes when a report, a category or the city's areas change.

    Each part is answered from an index end or a small table (max id, max updated_at), so the
    check costs the same at any size. Reports are never deleted by the app; after deleting
    rows by hand, run `flask hotspots rebuild`, which clears the cache.
    """
    newest = db.session.scalar(select(func.max(Report.id)))
    changed = db.session.scalar(select(func.max(Report.updated_at)))
    areas = db.session.execute(select(func.count(Area.id), func.max(Area.id),
                                      func.max(Area.updated_at))).one()
    categories = db.session.execute(select(Category.id, Category.code, Category.family)
                                    .order_by(Category.id)).all()
    digest = hashlib.sha256(repr((areas, categories)).encode()).hexdigest()[:16]
    return f"{newest}:{changed.isoformat() if changed else '-'}:{digest}"


def _filters(query: HotspotQuery) -> list:
    """Public reports of the category or family; reports closed as spam or duplicates never
    count (a duplicate would count one problem twice); finer than SENSITIVE_MAX_RESOLUTION,
    sensitive categories never count."""
    conditions = [Report.status.in_(sorted(PUBLIC_STATUSES)),
                  or_(Report.close_reason.is_(None),
                      Report.close_reason.not_in(sorted(EXCLUDED_REASONS)))]
    if query.resolution > SENSITIVE_MAX_RESOLUTION:
        conditions.append(Report.category_id.not_in(select(Category.id).where(
            Category.sensitive.is_(True))))
    if query.category:
        conditions.append(Report.category_id == select(Category.id).where(
            Category.code == query.category).scalar_subquery())
    if query.family:
        conditions.append(Report.category_id.in_(select(Category.id).where(
            Category.family == query.family)))
    return conditions


def check_privacy(query: HotspotQuery) -> None:
    """Refuse a map finer than SENSITIVE_MAX_RESOLUTION whose selection is only sensitive
    categories (a sensitive category, or a family of sensitive categories only)."""
    if query.resolution <= SENSITIVE_MAX_RESOLUTION or not (query.category or query.family):
        return
    which = (Category.code == query.category if query.category
             else Category.family == query.family)
    flags = set(db.session.scalars(select(Category.sensitive).where(which)))
    if flags and all(flags):
        values = {"code": query.category or query.family, "resolution": query.resolution,
                  "coarser": SENSITIVE_MAX_RESOLUTION}
        raise TooFineForSensitive(_(
            "The category %(code)s is sensitive: its reports are published only at "
            "generalized places (about 100 m), which a resolution-%(resolution)s hexagon could "
            "narrow. Ask resolution=%(coarser)s (hexagons of about 0.7 km²).", **values)
            if query.category else _(
            "The family %(code)s is sensitive: its reports are published only at generalized "
            "places (about 100 m), which a resolution-%(resolution)s hexagon could narrow. Ask "
            "resolution=%(coarser)s (hexagons of about 0.7 km²).", **values))


def resolve_end(query: HotspotQuery) -> datetime:
    """Return the window's end: as asked, or just after the newest matching report."""
    if query.end is not None:
        return query.end
    newest = db.session.scalar(select(func.max(Report.created_at)).where(*_filters(query)))
    return (newest or utcnow()) + timedelta(microseconds=1)


def select_reports(query: HotspotQuery, end: datetime) -> Selection:
    """Return the question's conditions, with coincident-point stacks found and left out.

    A stack needs many reports at one point, so its block (H3 res 9 cell) is crowded too:
    only crowded cells are grouped by exact point, which spares parsing every geometry.
    """
    start = end - timedelta(days=query.days)
    conditions = _filters(query)
    window = [Report.created_at >= start, Report.created_at < end]
    per_cell = db.session.execute(select(Report.h3_r9, func.count(Report.id))
                                  .where(*conditions, *window).group_by(Report.h3_r9)).all()
    total = sum(n for _, n in per_cell)
    threshold = max(hotspots.STACK_MIN_REPORTS, hotspots.STACK_MIN_SHARE * total)
    crowded = [cell for cell, n in per_cell if n >= threshold]
    x, y = func.ST_X(Report.location), func.ST_Y(Report.location)
    heavy = []
    if crowded:
        heavy = db.session.execute(
            select(x, y, func.count(Report.id))
            .where(*conditions, *window, Report.h3_r9.in_(crowded)).group_by(x, y)
            .having(func.count(Report.id) >= threshold)).all()
    stacks = hotspots.find_stacks({(lon, lat): n for lon, lat, n in heavy}, total)
    r9_counts = dict(per_cell)
    sensitive_stacks = set()
    for stack in stacks:
        at_stack = [*conditions, *window, x == stack.lon, y == stack.lat]
        if db.session.scalar(select(func.count(Report.id)).join(Report.category)
                             .where(*at_stack, Category.sensitive.is_(True))):
            sensitive_stacks.add((stack.lon, stack.lat))
    for stack in stacks:
        conditions.append(not_(and_(x == stack.lon, y == stack.lat)))
        cell = h3.latlng_to_cell(stack.lat, stack.lon, 9)  # as stored at intake
        r9_counts[cell] -= stack.reports
        if not r9_counts[cell]:
            del r9_counts[cell]
    return Selection(conditions, start, end, stacks, sum(s.reports for s in stacks), r9_counts,
                     sensitive_stacks)


def _public_stack(stack: hotspots.Stack, sensitive: bool) -> dict:
    """Return a stack as published: at the generalized point if it holds a sensitive report."""
    decimals = current_app.config.get("SENSITIVE_COORDINATE_DECIMALS")
    lon, lat = stack.lon, stack.lat
    if sensitive and decimals is not None:
        lon, lat = generalize_point(lon, lat, decimals)
    return {"lon": lon, "lat": lat, "reports": stack.reports}


def _cell_column(resolution: int):
    return Report.h3_r8 if resolution == 8 else Report.h3_r9


def cell_counts(selection: Selection, resolution: int) -> dict[str, int]:
    """Return reports per H3 cell (one GROUP BY; at res 9 the selection already holds them)."""
    if resolution == 9:
        return dict(selection.r9_counts)
    cell = _cell_column(resolution)
    return dict(db.session.execute(
        select(cell, func.count(Report.id))
        .where(*selection.conditions, Report.created_at >= selection.start,
               Report.created_at < selection.end).group_by(cell)).all())


def step_bounds(end: datetime, days: int, unit: str, tz: str) -> list[datetime]:
    """Return the bounds of the whole weeks or months (city time) that end with end's own.

    A 365-day window in months gives 12 steps: the month holding `end` and the 11 before it.
    """
    zone = ZoneInfo(tz)
    local = (end - timedelta(microseconds=1)).astimezone(zone)  # end itself is excluded
    if unit == "month":
        last = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        steps = max(1, round(days / 30.4375))

        def shift(moment, months):
            year, month = divmod(moment.month - 1 + months, 12)
            return moment.replace(year=moment.year + year, month=month + 1)
    else:
        last = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0,
                                                                 microsecond=0)
        steps = max(1, round(days / 7))

        def shift(moment, weeks):
            return moment + timedelta(weeks=weeks)  # wall-clock arithmetic in the zone
    bounds = [shift(last, i) for i in range(-(steps - 1), 2)]
    return [b.astimezone(ZoneInfo("UTC")) for b in bounds]


def cube_counts(selection: Selection, resolution: int,
                bounds: list[datetime]) -> dict[tuple[str, int], int]:
    """Return reports per (cell, step): one GROUP BY, steps from a CASE over the bounds.

    The steps are whole weeks or months; the last one stops at the window's end.
    """
    cell = _cell_column(resolution)
    step = case(*[(Report.created_at < b, i) for i, b in enumerate(bounds[1:])], else_=None)
    rows = db.session.execute(
        select(cell, step.label("step"), func.count(Report.id))
        .where(*selection.conditions, Report.created_at >= bounds[0],
               Report.created_at < min(bounds[-1], selection.end))
        .group_by(cell, step)).all()
    return {(c, s): n for c, s, n in rows if s is not None}


def boundary_cells(resolution: int) -> set[str]:
    """Return every H3 cell whose centre lies inside the city boundary."""
    city = db.session.scalar(select(Area).where(Area.kind == "city"))
    if city is None:
        return set()
    return set(h3.geo_to_cells(to_shape(city.geom).__geo_interface__, resolution))


def compute(query: HotspotQuery, city_tz: str) -> dict:
    """Compute a hotspot map (and its trends if asked) as plain data; NotEnoughData refuses."""
    check_privacy(query)
    end = resolve_end(query)
    selection = select_reports(query, end)
    study = boundary_cells(query.resolution) if query.cells == "boundary" else set()
    result = hotspots.hotspots(cell_counts(selection, query.resolution), k=query.k,
                               study_cells=study)
    cells = {c: {"count": int(n), "z": float(z), "p": float(p), "fdr_p": float(q), "bin": int(b)}
             for c, n, z, p, q, b in zip(result.cells, result.counts, result.z, result.p,
                                         result.fdr_p, result.bins)}
    payload = {
        "start": selection.start.isoformat(), "end": selection.end.isoformat(),
        "reports": result.reports, "resolution": query.resolution, "k": query.k,
        "cells_mode": query.cells,
        "excluded_stacks": [_public_stack(s, (s.lon, s.lat) in selection.sensitive_stacks)
                            for s in selection.stacks],
        "excluded_reports": selection.stacked_reports, "cells": cells,
    }
    if query.trend:
        bounds = step_bounds(end, query.days, query.step, city_tz)
        trends = emerging.emerging_hotspots(cube_counts(selection, query.resolution, bounds),
                                            len(bounds) - 1, k=query.k, study_cells=study)
        payload["steps"] = len(bounds) - 1
        for i, cell in enumerate(trends.cells):
            entry = cells.setdefault(cell, {"count": 0, "z": None, "p": None, "fdr_p": None,
                                            "bin": 0})
            entry["pattern"] = int(trends.patterns[i])
            entry["pattern_name"] = emerging.pattern_name(int(trends.patterns[i]))
            entry["trend_z"] = float(trends.trend_z[i])
    return payload


def cached_hotspots(query: HotspotQuery, city_tz: str) -> dict:
    """Return a hotspot map from the cache if the reports have not changed, else compute it."""
    check_privacy(query)
    end = resolve_end(query)
    key, version = query.key(end), data_version()
    row = db.session.scalar(select(HotspotCache).where(HotspotCache.key == key))
    if row is not None and row.data_version == version:
        return row.payload
    payload = compute(HotspotQuery(**(asdict(query) | {"end": end})), city_tz)
    try:
        with db.session.begin_nested():
            if row is None:
                row = HotspotCache(key=key)
                db.session.add(row)
            row.data_version, row.payload, row.computed_at = version, payload, utcnow()
    except IntegrityError:
        pass  # another worker stored the same result first
    return payload
