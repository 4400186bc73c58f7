"""Dialect-aware spatial filters; every spatial WHERE clause in the project is built here.

Each filter is the spatial index's candidates, then an exact predicate. PostGIS: the GiST
operator `&&`. SQLite never uses a SpatiaLite R*Tree on its own, so on SpatiaLite it is an
explicit sub-query on idx_<table>_<column>. Index boxes are 32-bit floats: they only select
candidates.
"""

import math
from dataclasses import dataclass

import h3
from geoalchemy2 import WKTElement
from sqlalchemy import and_, column, func, literal, not_, or_, select, table
from sqlalchemy.sql.elements import ColumnElement

WGS84 = 4326
METRES_PER_DEGREE_LAT = 111_320.0


@dataclass(frozen=True)
class BBox:
    """A lon/lat box: west, south, east, north in degrees (WGS84)."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    @classmethod
    def around(cls, lon: float, lat: float, metres: float) -> "BBox":
        """Return a box that surely contains every point within metres of (lon, lat)."""
        pad = 1.01  # a little slack for the ellipsoid and float rounding
        dlat = metres / METRES_PER_DEGREE_LAT * pad
        cos_lat = max(math.cos(math.radians(min(abs(lat) + dlat, 90.0))), 1e-6)
        dlon = min(metres / (METRES_PER_DEGREE_LAT * cos_lat) * pad, 180.0)
        return cls(max(lon - dlon, -180.0), max(lat - dlat, -90.0),
                   min(lon + dlon, 180.0), min(lat + dlat, 90.0))


def bbox_params(name: str, box: BBox) -> dict[str, float]:
    """Return a box as the values of parameters name_w, name_s, name_e and name_n."""
    return dict(zip((f"{name}_{side}" for side in "wsen"), (box.min_lon, box.min_lat,
                                                             box.max_lon, box.max_lat)))


def point_element(lon: float, lat: float) -> WKTElement:
    """Return a WGS84 point for a Geometry column, with coordinates stored exactly.

    GeoAlchemy2 binds Shapely/WKB values through WKT with 16 significant digits; repr() gives
    the shortest text that reads back as the same float, so what is stored is what was sent.
    """
    return WKTElement(f"POINT({lon!r} {lat!r})", srid=WGS84)


@dataclass(frozen=True)
class Newest:
    """Only the `count` highest ids of the index's candidates (below `below`, if set).

    For a newest-first page on SpatiaLite: SQLite sorts the ids it keeps with a bounded heap and
    walks them backwards, instead of collecting every candidate in the view. Its filter is no
    longer a plain predicate: the caller widens the window when too few candidates pass.
    PostGIS ignores it (a GiST scan cannot return ids in order).
    """

    count: object
    below: object = None


def _rtree_candidates(geom, pk, box: BBox, newest: Newest | None = None):
    """Return `pk IN (ids whose R*Tree box meets box)` for a SpatiaLite geometry column."""
    rtree = table(f"idx_{geom.table.name}_{geom.name}", column("pkid"), column("xmin"),
                  column("xmax"), column("ymin"), column("ymax"))
    candidates = select(rtree.c.pkid).where(
        rtree.c.xmin <= box.max_lon, rtree.c.xmax >= box.min_lon,
        rtree.c.ymin <= box.max_lat, rtree.c.ymax >= box.min_lat,
    )
    if newest is not None:
        if newest.below is not None:
            candidates = candidates.where(rtree.c.pkid < newest.below)
        candidates = candidates.order_by(rtree.c.pkid.desc()).limit(newest.count)
    return pk.in_(candidates)


def intersects_bbox(geom, pk, box: BBox, dialect: str, *, newest: Newest | None = None,
                    indexed: bool = True) -> ColumnElement[bool]:
    """Return a filter: geom meets the lon/lat box, answered from the spatial index.

    indexed=False leaves the index out, for a caller that narrows the rows by other means
    (cells_covering): only the exact test remains.
    """
    if not indexed:
        return _meets(geom, box, dialect)
    return and_(_candidates(geom, pk, box, dialect, newest), _meets(geom, box, dialect))


def _candidates(geom, pk, box: BBox, dialect: str,
                newest: Newest | None = None) -> ColumnElement[bool]:
    """Return the spatial index's filter: geom's bounding box meets box (a superset)."""
    if dialect == "sqlite":
        return _rtree_candidates(geom, pk, box, newest)
    return geom.bool_op("&&")(_envelope(box, dialect))


def _is_point(geom) -> bool:
    return getattr(geom.type, "geometry_type", None) == "POINT"


def _envelope(box: BBox, dialect: str):
    if dialect == "sqlite":
        return func.BuildMbr(box.min_lon, box.min_lat, box.max_lon, box.max_lat, WGS84)
    return func.ST_MakeEnvelope(box.min_lon, box.min_lat, box.max_lon, box.max_lat, WGS84)


def _meets(geom, box: BBox, dialect: str) -> ColumnElement[bool]:
    """Return the exact test: geom meets the lon/lat box (edges included)."""
    # A point compares its coordinates: ST_Intersects' answer without a geometry test per row
    # (a third of the viewport query's time on PostGIS; a GEOS call on SpatiaLite).
    if _is_point(geom):
        return and_(func.ST_X(geom).between(box.min_lon, box.max_lon),
                    func.ST_Y(geom).between(box.min_lat, box.max_lat))
    if dialect == "sqlite":
        return func.ST_Intersects(geom, _envelope(box, dialect)) == 1
    return func.ST_Intersects(geom, _envelope(box, dialect))


def intersects_either_bbox(geom, pk, box: BBox, other: BBox | None, use_other, dialect: str,
                           *, hull: BBox | None = None, newest: Newest | None = None,
                           indexed: bool = True) -> ColumnElement[bool]:
    """Return a filter: geom meets `box` in rows where use_other is false, `other` where true.

    One spatial-index probe on the box covering both (`hull`, computed unless given, as it must
    be for boxes of bound parameters) answers it, then each row gets the exact test of its own
    box. With other None, the rows where use_other holds never match. indexed=False leaves
    the index probe out, as in intersects_bbox.
    """
    if other is None:
        return and_(intersects_bbox(geom, pk, box, dialect, newest=newest, indexed=indexed),
                    not_(use_other))
    exact = or_(and_(not_(use_other), _meets(geom, box, dialect)),
                and_(use_other, _meets(geom, other, dialect)))
    if not indexed:
        return exact
    hull = covering_bbox(box, other) if hull is None else hull
    return and_(_candidates(geom, pk, hull, dialect, newest), exact)


def covering_bbox(box: BBox, other: BBox) -> BBox:
    """Return the smallest box holding both boxes."""
    return BBox(min(box.min_lon, other.min_lon), min(box.min_lat, other.min_lat),
                max(box.max_lon, other.max_lon), max(box.max_lat, other.max_lat))


# About a metre: a cell's edges are great-circle arcs, not the straight lon/lat lines H3's
# polygon test draws (they part by under a millimetre at resolution 9).
CELL_MARGIN_DEGREES = 1e-5


def cells_covering(box: BBox, resolution: int, most: int) -> list[str] | None:
    """Return the H3 cells that any point of the box (edges included) lies in, sorted;
    None when there would be more than `most` of them."""
    cos_lat = max(math.cos(math.radians(max(abs(box.min_lat), abs(box.max_lat)))), 1e-6)
    km2 = ((box.max_lat - box.min_lat) * METRES_PER_DEGREE_LAT / 1000
           * (box.max_lon - box.min_lon) * METRES_PER_DEGREE_LAT * cos_lat / 1000)
    if km2 > most * h3.average_hexagon_area(resolution, "km^2"):
        return None  # surely too many, without listing them
    m = CELL_MARGIN_DEGREES
    west, south, east, north = (box.min_lon - m, box.min_lat - m, box.max_lon + m,
                                box.max_lat + m)
    shape = h3.LatLngPoly([(south, west), (south, east), (north, east), (north, west)])
    cells = h3.h3shape_to_cells_experimental(shape, resolution, contain="overlap")
    return sorted(cells) if len(cells) <= most else None


def point(lon: float, lat: float, dialect: str):
    """Return a SQL WGS84 point expression for (lon, lat)."""
    if dialect == "sqlite":
        return func.MakePoint(literal(lon), literal(lat), WGS84)
    return func.ST_SetSRID(func.ST_MakePoint(literal(lon), literal(lat)), WGS84)


def within_metres(geom, pk, lon: float, lat: float, metres: float,
                  dialect: str) -> ColumnElement[bool]:
    """Return a filter: geom lies within metres (on the ellipsoid) of (lon, lat)."""
    prefilter = intersects_bbox(geom, pk, BBox.around(lon, lat, metres), dialect)
    centre = point(lon, lat, dialect)
    if dialect == "sqlite":
        exact = func.PtDistWithin(geom, centre, metres, 1) == 1
    else:
        exact = func.ST_DWithin(func.geography(geom), func.geography(centre), metres)
    return and_(prefilter, exact)


def distance_metres(geom, lon: float, lat: float, dialect: str):
    """Return a SQL expression: metres from geom to (lon, lat) on the ellipsoid."""
    centre = point(lon, lat, dialect)
    if dialect == "sqlite":
        return func.ST_Distance(geom, centre, 1)
    return func.ST_Distance(func.geography(geom), func.geography(centre))
