"""Read-side spatial queries: same-spot incident groups of one category, on either engine.

SpatiaLite has no clustering function, so there the open reports are loaded and grouped by
grouping.group_incidents. PostGIS groups them in SQL with ST_ClusterDBSCAN in a metric
projection (`metric_srid`, a UTM zone: never 4326 degrees or 3857). Both follow the same
DBSCAN rules, border reports included (see grouping's module docstring), and both build their
Incidents with grouping.incidents_from_labels.

Sensitive categories (problem businesses) are grouped on their generalized points only
(`decimals`, core.privacy's rounding, the same as every public output): the bbox, the
distances and the centres then say nothing a public report list does not already say.

One known difference: PostGIS measures distances in the UTM grid, which is shorter than the
ground by the zone's scale factor (in Boston 1e-5 to 9e-5: at most 3 mm at 30 m), while the
pure path measures on the ellipsoid. A pair whose distance falls in that sliver around
radius_m can be grouped by PostGIS and not by SpatiaLite; anywhere else they agree.
"""

from collections.abc import Iterable

from sqlalchemy import func, select

from neighborhood.core.privacy import generalize_point
from neighborhood.core.spatial import BBox, intersects_bbox
from neighborhood.extensions import db
from neighborhood.reports.models import Category, Report
from neighborhood.spatial.grouping import (DEFAULT_MIN_SIZE, DEFAULT_RADIUS_M, Incident,
                                           check_parameters, group_incidents, incidents_from_labels)
from neighborhood.workflow.states import OPEN_STATUSES, PUBLIC_STATUSES

BOSTON_UTM_SRID = 26919  # NAD83 / UTM zone 19N


def incident_groups(category_code: str, *, bbox: BBox | None = None,
                    statuses: Iterable[str] = OPEN_STATUSES,
                    radius_m: float = DEFAULT_RADIUS_M, min_size: int = DEFAULT_MIN_SIZE,
                    metric_srid: int = BOSTON_UTM_SRID, dialect: str,
                    decimals: int | None = None) -> list[Incident]:
    """Return one category's same-spot incidents (DBSCAN over its reports), biggest first.

    Only public reports in `statuses` (open ones by default) count; hidden ones never do,
    whatever `statuses` says. With a bbox, only reports inside it are grouped, so a group that
    straddles the edge is seen from its inside part only. `metric_srid` is a metric SRID
    around the city (PostGIS only; SpatiaLite measures on the ellipsoid).

    With `decimals` (SENSITIVE_COORDINATE_DECIMALS), a sensitive category is grouped on its
    reports' generalized points, on both engines: the bbox is matched and the distances
    measured on the rounded points, and each centre is rounded the same way.
    """
    check_parameters(radius_m, min_size)
    wanted = sorted(str(s) for s in set(statuses) & PUBLIC_STATUSES)
    if not wanted:
        return []
    lon = func.ST_X(Report.location)
    lat = func.ST_Y(Report.location)
    conditions = [Category.code == category_code, Report.status.in_(wanted)]
    if decimals is not None and db.session.scalar(
            select(Category.sensitive).where(Category.code == category_code)):
        rows = db.session.execute(select(Report.id, lon, lat).join(Report.category)
                                  .where(*conditions)).all()
        return _generalized_groups(rows, bbox, decimals, radius_m, min_size)
    if bbox is not None:
        conditions.append(intersects_bbox(Report.location, Report.id, bbox, dialect))

    if dialect == "sqlite":
        rows = db.session.execute(select(Report.id, lon, lat).join(Report.category)
                                  .where(*conditions)).all()
        return group_incidents([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
                               radius_m=radius_m, min_size=min_size)

    # Window functions run after WHERE: only this category's filtered reports are clustered,
    # visited in id order, so a border report joins its lowest-id core neighbour's group.
    cluster = func.ST_ClusterDBSCAN(
        func.ST_Transform(Report.location, metric_srid), float(radius_m), int(min_size),
    ).over(order_by=Report.id)
    rows = db.session.execute(select(Report.id, lon, lat, cluster).join(Report.category)
                              .where(*conditions).order_by(Report.id)).all()
    return incidents_from_labels([r[0] for r in rows], [r[1] for r in rows],
                                 [r[2] for r in rows], [r[3] for r in rows])


def _generalized_groups(rows, bbox: BBox | None, decimals: int, radius_m: float,
                        min_size: int) -> list[Incident]:
    """Group reports on their generalized points; centres generalized too."""
    ids, lons, lats = [], [], []
    for report_id, x, y in rows:
        x, y = generalize_point(x, y, decimals)
        if bbox is not None and not (bbox.min_lon <= x <= bbox.max_lon
                                     and bbox.min_lat <= y <= bbox.max_lat):
            continue
        ids.append(report_id)
        lons.append(x)
        lats.append(y)
    groups = group_incidents(ids, lons, lats, radius_m=radius_m, min_size=min_size)
    return [Incident(g.member_ids, *generalize_point(g.centroid_lon, g.centroid_lat, decimals))
            for g in groups]


# Groups for suggestions are computed this far beyond the search radius, so a group that
# reaches into the circle is counted whole (up to this reach).
INCIDENT_CONTEXT_M = 300


def incident_sizes_near(lon: float, lat: float, category_code: str, *, radius_m: float,
                        metric_srid: int = BOSTON_UTM_SRID, dialect: str,
                        decimals: int | None = None) -> dict[int, int]:
    """Return, per open report of a category near a point, the size of its same-spot group.

    With `decimals`, a sensitive category's groups are made from generalized points, as in
    incident_groups.
    """
    around = BBox.around(lon, lat, radius_m + INCIDENT_CONTEXT_M)
    groups = incident_groups(category_code, bbox=around, metric_srid=metric_srid,
                             dialect=dialect, decimals=decimals)
    return {member: group.size for group in groups for member in group.member_ids}
