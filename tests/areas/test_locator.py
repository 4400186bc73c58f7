"""AreaLocator: is a point in the city, and in which neighborhood."""

import pytest
from shapely.geometry import box
from shapely.ops import unary_union

from neighborhood.areas.locator import AreaLocator

# Two unit squares side by side: West (id 11) spans lon 0..1, East (id 22) spans lon 1..2.
WEST = box(0.0, 0.0, 1.0, 1.0)
EAST = box(1.0, 0.0, 2.0, 1.0)


def make_locator(city="union") -> AreaLocator:
    if city == "union":
        city = unary_union([WEST, EAST])
    return AreaLocator(city=city, neighborhood_ids=[11, 22], neighborhoods=[WEST, EAST])


@pytest.mark.parametrize("lon, lat, inside", [
    (0.5, 0.5, True),
    (1.5, 0.25, True),
    (1.0, 0.5, True),   # on the shared edge (interior of the union)
    (0.0, 0.5, True),   # on the outer border: covers() counts it
    (2.0, 1.0, True),   # on a corner
    (-0.001, 0.5, False),
    (2.5, 0.5, False),
    (1.0, 1.0001, False),
    (-0.5, -0.5, False),
], ids=["west-inside", "east-inside", "shared-edge", "outer-border", "corner",
        "just-west", "far-east", "just-north", "south-west"])
def test_in_city(lon, lat, inside):
    assert make_locator().in_city(lon, lat) is inside


@pytest.mark.parametrize("lon, lat, expected", [
    (0.5, 0.5, 11),
    (1.5, 0.5, 22),
    (0.0, 0.0, 11),    # corner of West only
    (2.0, 0.5, 22),    # outer border of East
    (0.5, 1.0, 11),    # top border of West
    (3.0, 0.5, None),
    (0.5, -0.1, None),
], ids=["west", "east", "west-corner", "east-border", "west-top-border",
        "outside-east", "outside-south"])
def test_neighborhood_at(lon, lat, expected):
    assert make_locator().neighborhood_at(lon, lat) == expected


def test_shared_edge_belongs_to_one_of_the_two_neighborhoods_deterministically():
    locator = make_locator()
    found = {locator.neighborhood_at(1.0, y / 10) for y in range(11)}
    assert found == {11}  # the lowest index wins, every time


def test_ids_follow_position_not_insertion_of_geometry():
    locator = AreaLocator(city=None, neighborhood_ids=[7, 3], neighborhoods=[EAST, WEST])
    assert locator.neighborhood_at(1.5, 0.5) == 7
    assert locator.neighborhood_at(0.5, 0.5) == 3


def test_without_city_boundary_every_point_is_in_the_city():
    locator = make_locator(city=None)
    for lon, lat in [(0.5, 0.5), (179.9, -89.9), (-180.0, 90.0), (1000.0, 1000.0)]:
        assert locator.in_city(lon, lat) is True
    assert locator.neighborhood_at(50.0, 50.0) is None  # neighborhoods still apply


def test_city_smaller_than_neighborhoods_limits_in_city_only():
    locator = make_locator(city=WEST)
    assert locator.in_city(0.5, 0.5) and not locator.in_city(1.5, 0.5)
    assert locator.neighborhood_at(1.5, 0.5) == 22


def test_no_neighborhoods_means_none_everywhere():
    locator = AreaLocator(city=WEST, neighborhood_ids=[], neighborhoods=[])
    assert locator.neighborhood_at(0.5, 0.5) is None
    assert locator.in_city(0.5, 0.5)


def test_works_with_polygon_holes():
    ring_with_hole = box(0, 0, 4, 4).difference(box(1, 1, 3, 3))
    locator = AreaLocator(city=ring_with_hole, neighborhood_ids=[5],
                          neighborhoods=[ring_with_hole])
    assert locator.neighborhood_at(0.5, 0.5) == 5
    assert locator.neighborhood_at(2, 2) is None
    assert not locator.in_city(2, 2)
    assert locator.in_city(1, 2)  # on the hole's edge: still covered
