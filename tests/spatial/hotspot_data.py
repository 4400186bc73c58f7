"""Synthetic reports inside Boston for the hotspot service and API tests, stored in bulk.

Reports go in with one executemany `insert(Report)`, as the importer stores them
(neighborhood/importers/services.py): location through point_element, H3 cells through
h3_cells. The expected counts in the tests are computed from these Python objects, never read
back from the stored cell columns.
"""

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources

import numpy as np
import shapely
from shapely import unary_union
from shapely.geometry import shape
from sqlalchemy import insert, select

from neighborhood.core.db import utcnow
from neighborhood.core.spatial import point_element
from neighborhood.extensions import db
from neighborhood.reports.models import Category, Report
from neighborhood.reports.services import h3_cells

METRES_PER_DEGREE = 111_320.0
YEAR_2015 = (datetime(2015, 1, 1, 5, tzinfo=UTC), datetime(2016, 1, 1, 5, tzinfo=UTC))


@cache
def city():
    """Return Boston as one shapely (multi)polygon: the union of the demo neighborhoods."""
    data = resources.files("neighborhood.demo") / "data" / "boston-neighborhoods.geojson"
    features = json.loads(data.read_text(encoding="utf-8"))["features"]
    polygon = unary_union([shape(f["geometry"]) for f in features]).buffer(0)
    shapely.prepare(polygon)
    return polygon


def uniform_points(n: int, rng: np.random.Generator) -> list[tuple[float, float]]:
    """Return n (lon, lat) points drawn uniformly inside the city."""
    west, south, east, north = city().bounds
    found: list[tuple[float, float]] = []
    while len(found) < n:
        lon = rng.uniform(west, east, size=2 * n)
        lat = rng.uniform(south, north, size=2 * n)
        inside = shapely.contains_xy(city(), lon, lat)
        found += list(zip(lon[inside].tolist(), lat[inside].tolist()))
    return found[:n]


def cluster_points(lon: float, lat: float, sigma_m: float, n: int,
                   rng: np.random.Generator) -> list[tuple[float, float]]:
    """Return n points of a Gaussian cluster (sd sigma_m metres) around (lon, lat)."""
    dlat = rng.normal(0, sigma_m / METRES_PER_DEGREE, size=n)
    dlon = rng.normal(0, sigma_m / (METRES_PER_DEGREE * math.cos(math.radians(lat))), size=n)
    return list(zip((lon + dlon).tolist(), (lat + dlat).tolist()))


def times_between(start: datetime, end: datetime, n: int,
                  rng: np.random.Generator) -> list[datetime]:
    """Return n instants uniformly spread over [start, end), to the microsecond."""
    span = (end - start) // timedelta(microseconds=1)
    return [start + timedelta(microseconds=int(us)) for us in rng.integers(0, span, size=n)]


@dataclass(frozen=True)
class Synthetic:
    """One report to store."""

    lon: float
    lat: float
    created_at: datetime
    category: str = "street_light_outage"
    status: str = "open"


def category_ids() -> dict[str, int]:
    """Return the stored categories' ids by code."""
    return dict(db.session.execute(select(Category.code, Category.id)).all())


def store(reports: Iterable[Synthetic], batch: int = 5000) -> None:
    """Insert the reports in executemany batches and flush; the caller commits."""
    ids = category_ids()
    now = utcnow()
    rows = []
    for r in reports:
        r8, r9 = h3_cells(r.lon, r.lat)
        rows.append({"category_id": ids[r.category], "description": "Synthetic.",
                     "location": point_element(r.lon, r.lat), "status": r.status,
                     "source": "import", "created_at": r.created_at, "updated_at": now,
                     "h3_r8": r8, "h3_r9": r9})
        if len(rows) >= batch:
            db.session.execute(insert(Report), rows)
            rows = []
    if rows:
        db.session.execute(insert(Report), rows)
    db.session.flush()


def reports_at(points: list[tuple[float, float]], times: list[datetime],
               **fields) -> list[Synthetic]:
    """Return a Synthetic report per (point, time), all with the same other fields."""
    return [Synthetic(lon, lat, when, **fields)
            for (lon, lat), when in zip(points, times, strict=True)]
