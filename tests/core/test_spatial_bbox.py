"""BBox.around must contain every point within the given geodesic distance of its centre."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neighborhood.core.spatial import BBox

EARTH_RADIUS_M = 6_371_008.8
BEARINGS = [0, 30, 45, 90, 135, 180, 225, 270, 315, 359.9]


def destination(lon: float, lat: float, bearing_deg: float, metres: float):
    """The point metres from (lon, lat) along bearing_deg, on a sphere (haversine form)."""
    phi1, lam1 = math.radians(lat), math.radians(lon)
    theta, delta = math.radians(bearing_deg), metres / EARTH_RADIUS_M
    phi2 = math.asin(math.sin(phi1) * math.cos(delta)
                     + math.cos(phi1) * math.sin(delta) * math.cos(theta))
    lam2 = lam1 + math.atan2(math.sin(theta) * math.sin(delta) * math.cos(phi1),
                             math.cos(delta) - math.sin(phi1) * math.sin(phi2))
    return math.degrees(lam2), math.degrees(phi2)


def contains(b: BBox, lon: float, lat: float) -> bool:
    return b.min_lon <= lon <= b.max_lon and b.min_lat <= lat <= b.max_lat


def test_destination_helper_is_sane():
    lon, lat = destination(0.0, 0.0, 90, 111_195.0)  # one degree of the equator
    assert lon == pytest.approx(1.0, abs=1e-4) and lat == pytest.approx(0.0, abs=1e-9)
    lon, lat = destination(10.0, 45.0, 0, 111_195.0)
    assert lon == pytest.approx(10.0) and lat == pytest.approx(46.0, abs=1e-4)


@given(lon=st.floats(-179.0, 179.0), lat=st.floats(-80.0, 80.0),
       metres=st.floats(1.0, 5000.0))
def test_box_contains_points_at_that_distance_in_every_bearing(lon, lat, metres):
    b = BBox.around(lon, lat, metres)
    for bearing in BEARINGS:
        dlon, dlat = destination(lon, lat, bearing, metres)
        assert contains(b, dlon, dlat), (bearing, dlon, dlat, b)


@given(lon=st.floats(-179.0, 179.0), lat=st.floats(-80.0, 80.0),
       metres=st.floats(1.0, 5000.0))
def test_box_is_centred_and_not_absurdly_large(lon, lat, metres):
    b = BBox.around(lon, lat, metres)
    assert b.min_lon < lon < b.max_lon and b.min_lat < lat < b.max_lat
    # 1% padding plus the latitude bump: never more than 2x the true half-widths.
    assert b.max_lat - lat <= 2 * metres / 111_195.0
    assert b.max_lon - lon <= 2 * metres / (111_195.0 * math.cos(math.radians(lat)))


@pytest.mark.parametrize("lon, lat, metres", [
    (179.999, 0.0, 5000.0),
    (-179.999, 0.0, 5000.0),
    (0.0, 89.99, 5000.0),
    (0.0, -89.99, 5000.0),
    (180.0, 90.0, 100_000.0),
    (0.0, 89.9999, 1.0),
], ids=["east-antimeridian", "west-antimeridian", "north-pole", "south-pole", "corner",
        "near-pole-tiny"])
def test_box_is_clamped_to_valid_coordinates(lon, lat, metres):
    b = BBox.around(lon, lat, metres)
    assert -180.0 <= b.min_lon <= b.max_lon <= 180.0
    assert -90.0 <= b.min_lat <= b.max_lat <= 90.0
    assert contains(b, lon, lat)


def test_box_at_pole_spans_all_longitudes():
    b = BBox.around(0.0, 89.999, 5000.0)
    assert (b.min_lon, b.max_lon, b.max_lat) == (-180.0, 180.0, 90.0)


def test_clamps_exactly_at_antimeridian():
    b = BBox.around(179.99, 10.0, 5000.0)
    assert b.max_lon == 180.0 and b.min_lon < 179.99
