"""cells_covering lists every H3 cell a point of the box can lie in, or none for a big box.

PostgreSQL reads a small view's page from those cells alone (reports.queries), so a cell
left out would hide the reports in it.
"""

import h3
from hypothesis import given, settings
from hypothesis import strategies as st

from neighborhood.core.spatial import METRES_PER_DEGREE_LAT, BBox, cells_covering

RESOLUTION = 9


@st.composite
def boxes(draw):
    """A box up to 1.5 km a side, from a point to a city view; in Boston or anywhere."""
    lon = draw(st.one_of(st.floats(-71.19, -70.99), st.floats(-179.0, 178.9)))
    lat = draw(st.one_of(st.floats(42.23, 42.40), st.floats(-70.0, 70.0)))
    width_m = draw(st.one_of(st.just(0.0), st.floats(0.0, 1500.0)))
    height_m = draw(st.one_of(st.just(0.0), st.floats(0.0, 1500.0)))
    return BBox(lon, lat, lon + width_m / METRES_PER_DEGREE_LAT,
                lat + height_m / METRES_PER_DEGREE_LAT)


def points_of(box: BBox, data) -> list[tuple[float, float]]:
    """The corners, points along each edge and inside: (lon, lat)."""
    lons = st.floats(box.min_lon, box.max_lon)
    lats = st.floats(box.min_lat, box.max_lat)
    points = [(box.min_lon, box.min_lat), (box.min_lon, box.max_lat),
              (box.max_lon, box.min_lat), (box.max_lon, box.max_lat)]
    for _ in range(40):
        points += [(data.draw(lons), box.min_lat), (data.draw(lons), box.max_lat),
                   (box.min_lon, data.draw(lats)), (box.max_lon, data.draw(lats)),
                   (data.draw(lons), data.draw(lats))]
    return points


@settings(max_examples=300, deadline=None)
@given(box=boxes(), data=st.data())
def test_every_point_of_the_box_lies_in_a_listed_cell(box, data):
    cells = cells_covering(box, RESOLUTION, most=10_000)
    assert cells == sorted(set(cells))
    for lon, lat in points_of(box, data):
        assert h3.latlng_to_cell(lat, lon, RESOLUTION) in cells, (lon, lat)


def test_a_point_is_covered_by_its_own_cell():
    lon, lat = -71.0589, 42.3601
    assert h3.latlng_to_cell(lat, lon, RESOLUTION) in cells_covering(
        BBox(lon, lat, lon, lat), RESOLUTION, most=48)


def test_a_box_of_more_cells_than_allowed_gives_none():
    view = BBox(-71.07, 42.35, -71.06, 42.36)  # about 0.9 km², a dozen or more cells
    cells = cells_covering(view, RESOLUTION, most=1_000)
    assert 9 < len(cells) < 48
    assert cells_covering(view, RESOLUTION, most=len(cells)) == cells
    assert cells_covering(view, RESOLUTION, most=len(cells) - 1) is None
    city = BBox(-71.19, 42.23, -70.99, 42.40)  # too big to list: refused from its area
    assert cells_covering(city, RESOLUTION, most=48) is None
