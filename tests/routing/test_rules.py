"""choose_department and Router: the most specific rule wins. Pure: shapely polygons only."""

import pytest
from shapely import MultiPolygon, box
from shapely.prepared import prep

from neighborhood.routing.rules import Claim, Decision, Router, choose_department

LAMPS, SIGNS = 1, 2  # category ids
CITY = box(0, 0, 10, 10)
PARK = box(2, 2, 4, 4)
PLAZA = box(3, 3, 3.5, 3.5)  # inside the park
RIVER = box(6, 0, 8, 10)
INSIDE_PLAZA, INSIDE_PARK, ON_RIVER, NOWHERE = (3.2, 3.2), (2.5, 2.5), (7, 5), (9, 9)
DEFAULT, FALLBACK = 100, 200


def claim(id, department, area, category=None) -> Claim:
    return Claim(id=id, department_id=department, category_id=category, area=area)


# name: (claims, category, point, default, fallback, expected decision)
CASES = {
    "category claim beats an all-category claim": (
        [claim(1, 10, CITY), claim(2, 20, CITY, LAMPS)], LAMPS, INSIDE_PARK, DEFAULT, FALLBACK,
        Decision(20, "category_area", 2)),
    "a large category claim beats a small all-category claim": (
        [claim(1, 10, PLAZA), claim(2, 20, CITY, LAMPS)], LAMPS, INSIDE_PLAZA, DEFAULT,
        FALLBACK, Decision(20, "category_area", 2)),
    "all-category claim beats the category default": (
        [claim(1, 10, PARK)], LAMPS, INSIDE_PARK, DEFAULT, FALLBACK, Decision(10, "area", 1)),
    "a claim for another category does not apply": (
        [claim(1, 10, PARK, SIGNS)], LAMPS, INSIDE_PARK, DEFAULT, FALLBACK,
        Decision(DEFAULT, "category_default")),
    "a claim elsewhere does not apply": (
        [claim(1, 10, RIVER, LAMPS), claim(2, 20, RIVER)], LAMPS, INSIDE_PARK, DEFAULT,
        FALLBACK, Decision(DEFAULT, "category_default")),
    "category default beats the fallback": (
        [], LAMPS, INSIDE_PARK, DEFAULT, FALLBACK, Decision(DEFAULT, "category_default")),
    "fallback when nothing else applies": (
        [claim(1, 10, RIVER)], LAMPS, NOWHERE, None, FALLBACK, Decision(FALLBACK, "fallback")),
    "unrouted when nothing applies": (
        [claim(1, 10, RIVER)], LAMPS, NOWHERE, None, None, Decision(None, "unrouted")),
    "the smaller of two overlapping category claims wins": (
        [claim(1, 10, PARK, LAMPS), claim(2, 20, PLAZA, LAMPS)], LAMPS, INSIDE_PLAZA, DEFAULT,
        None, Decision(20, "category_area", 2)),
    "the larger claim still wins outside the smaller": (
        [claim(1, 10, PARK, LAMPS), claim(2, 20, PLAZA, LAMPS)], LAMPS, INSIDE_PARK, DEFAULT,
        None, Decision(10, "category_area", 1)),
    "the smaller of two overlapping all-category claims wins": (
        [claim(1, 10, CITY), claim(2, 20, PARK)], SIGNS, INSIDE_PARK, DEFAULT, None,
        Decision(20, "area", 2)),
    "equal areas go to the older claim (lower id)": (
        [claim(9, 90, PARK), claim(4, 40, PARK)], LAMPS, INSIDE_PARK, DEFAULT, None,
        Decision(40, "area", 4)),
    "equal category areas go to the older claim": (
        [claim(7, 70, box(2, 2, 4, 4), LAMPS), claim(3, 30, box(2, 2, 4, 4), LAMPS)], LAMPS,
        INSIDE_PARK, DEFAULT, None, Decision(30, "category_area", 3)),
    "a point on an edge counts as inside": (
        [claim(1, 10, PARK)], LAMPS, (2, 3), DEFAULT, None, Decision(10, "area", 1)),
    "a point on a corner counts as inside": (
        [claim(1, 10, PARK, LAMPS)], LAMPS, (4, 4), DEFAULT, None,
        Decision(10, "category_area", 1)),
    "a point just outside does not": (
        [claim(1, 10, PARK)], LAMPS, (4.000001, 3), DEFAULT, None,
        Decision(DEFAULT, "category_default")),
    "a hole in a claim is outside it": (
        [claim(1, 10, CITY.difference(PARK)), claim(2, 20, CITY.buffer(1))], LAMPS,
        INSIDE_PARK, DEFAULT, None, Decision(20, "area", 2)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_router_chooses_the_most_specific_department(case):
    claims, category, (lon, lat), default, fallback, expected = CASES[case]
    router = Router(claims)
    assert router.choose_department(category, lon, lat, default, fallback) == expected


@pytest.mark.parametrize("case", list(CASES))
def test_the_order_claims_are_given_in_does_not_matter(case):
    claims, category, (lon, lat), default, fallback, expected = CASES[case]
    assert Router(reversed(claims)).choose_department(category, lon, lat, default,
                                                      fallback) == expected


def test_choose_department_takes_prepared_pairs_smallest_first():
    pairs = [(c, prep(c.area)) for c in (claim(2, 20, PLAZA), claim(1, 10, PARK))]
    assert choose_department(pairs, LAMPS, *INSIDE_PLAZA, DEFAULT) == Decision(20, "area", 2)
    assert choose_department(pairs, LAMPS, *INSIDE_PARK, DEFAULT) == Decision(10, "area", 1)
    assert choose_department([], LAMPS, *INSIDE_PARK, None) == Decision(None, "unrouted")


def test_a_multipolygon_claim_covers_each_of_its_parts():
    router = Router([claim(1, 10, MultiPolygon([PARK, RIVER]))])
    assert router.choose_department(LAMPS, *INSIDE_PARK, DEFAULT).department_id == 10
    assert router.choose_department(LAMPS, *ON_RIVER, DEFAULT).department_id == 10
    assert router.choose_department(LAMPS, *NOWHERE, DEFAULT).department_id == DEFAULT


def test_claim_size_is_its_area():
    assert claim(1, 10, PARK).size == pytest.approx(4.0)


def test_a_router_with_no_claims_uses_the_default():
    assert Router([]).choose_department(LAMPS, 1, 1, DEFAULT, FALLBACK) == Decision(
        DEFAULT, "category_default", None)
