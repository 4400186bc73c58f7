"""The spatial filters use each engine's spatial index and give exact answers."""

import math

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import select

from neighborhood.core.spatial import BBox, distance_metres, intersects_bbox, within_metres
from neighborhood.extensions import db
from neighborhood.reports.models import Category, Report
from neighborhood.reports.services import h3_cells

CENTRE = (-71.0656, 42.3550)  # Boston Common (lon, lat)
EARTH_RADIUS = 6_371_008.8


def offset(lon, lat, north_m=0.0, east_m=0.0):
    """Return (lon, lat) moved by metres north and east (spherical; fine below 1 km)."""
    dlat = math.degrees(north_m / EARTH_RADIUS)
    dlon = math.degrees(east_m / (EARTH_RADIUS * math.cos(math.radians(lat))))
    return lon + dlon, lat + dlat


@pytest.fixture
def place_reports(ctx):
    """Return a function that stores reports at the given (lon, lat) points; returns ids."""
    category = Category(code="c", name="C", family="lighting", sensitive=False)
    db.session.add(category)
    db.session.flush()

    def place(points):
        reports = []
        for lon, lat in points:
            r8, r9 = h3_cells(lon, lat)
            reports.append(Report(category=category, description="x", status="open",
                                  source="app", location=from_shape(Point(lon, lat), 4326),
                                  h3_r8=r8, h3_r9=r9))
        db.session.add_all(reports)
        db.session.commit()
        return [r.id for r in reports]

    return place


def _dialect():
    return db.session.get_bind().dialect.name


def _ids(condition):
    return set(db.session.scalars(select(Report.id).where(condition)))


def _plan(statement) -> str:
    """Return the engine's query plan for a statement, as one string."""
    sql = str(statement.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql).all()
        return "\n".join(str(row[-1]) for row in rows)
    # The tables are tiny, so make a sequential scan look expensive: the point is that the
    # predicate CAN be answered from the GiST index (SET LOCAL ends with the transaction).
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    # Read whole, the cells' covering b-tree (which INCLUDEs location) can then look cheaper
    # than a GiST probe on a table this small; hidden until the test's transaction rolls back.
    conn.exec_driver_sql("DROP INDEX ix_report_h3_r9_id")
    return "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql).all())


def test_bbox_filter_is_answered_from_the_spatial_index(place_reports):
    place_reports([CENTRE])
    box = BBox(-71.07, 42.35, -71.06, 42.36)
    statement = select(Report.id).where(
        intersects_bbox(Report.location, Report.id, box, _dialect()))
    assert "idx_report_location" in _plan(statement)


def test_radius_filter_is_answered_from_the_spatial_index(place_reports):
    place_reports([CENTRE])
    statement = select(Report.id).where(
        within_metres(Report.location, Report.id, *CENTRE, 50, _dialect()))
    assert "idx_report_location" in _plan(statement)


def test_bbox_filter_includes_points_on_the_edge_and_excludes_outside(place_reports):
    inside, edge, outside = place_reports([(-71.065, 42.355), (-71.06, 42.36), (-71.059, 42.355)])
    found = _ids(intersects_bbox(Report.location, Report.id,
                                 BBox(-71.07, 42.35, -71.06, 42.36), _dialect()))
    assert found == {inside, edge}
    assert outside not in found


@pytest.mark.parametrize("radius, expected", [(30, {"20 m"}), (50, {"20 m", "45 m"}),
                                              (100, {"20 m", "45 m", "55 m east"})],
                         ids=["30m", "50m", "100m"])
def test_radius_filter_measures_metres_on_the_ground(place_reports, radius, expected):
    points = {"20 m": offset(*CENTRE, north_m=20), "45 m": offset(*CENTRE, north_m=-45),
              "55 m east": offset(*CENTRE, east_m=55), "150 m": offset(*CENTRE, east_m=150)}
    ids = dict(zip(points, place_reports(points.values()), strict=True))
    found = _ids(within_metres(Report.location, Report.id, *CENTRE, radius, _dialect()))
    assert found == {ids[name] for name in expected}


def test_distance_is_in_metres(place_reports):
    (report_id,) = place_reports([offset(*CENTRE, north_m=100)])
    metres = db.session.scalar(select(distance_metres(Report.location, *CENTRE, _dialect()))
                               .where(Report.id == report_id))
    assert metres == pytest.approx(100, rel=0.005)


@pytest.mark.engines("spatialite")
def test_spatialite_ignores_its_index_without_the_helper(place_reports):
    """The reason the helper exists: SQLite never consults the R*Tree by itself."""
    from sqlalchemy import func

    place_reports([CENTRE])
    bare = select(Report.id).where(
        func.ST_Intersects(Report.location, func.BuildMbr(-71.07, 42.35, -71.06, 42.36, 4326)) == 1)
    assert "idx_report_location" not in _plan(bare)


def test_points_are_stored_to_the_last_bit(ctx, dummy_category):
    """17 significant digits survive storage (Shapely's WKT would keep only 16)."""
    from neighborhood.core.spatial import point_element
    from sqlalchemy import text

    lon, lat = 0.001211381103483559, 42.35500000000001
    category = db.session.scalar(select(Category))
    db.session.add(Report(category=category, description="x", status="open", source="app",
                          location=point_element(lon, lat), h3_r8="a", h3_r9="b"))
    db.session.commit()
    stored = db.session.execute(text("SELECT ST_X(location), ST_Y(location) FROM report")).one()
    assert tuple(stored) == (lon, lat)
