"""Sensitive categories (problem businesses) on the report list, the exports and nearby, on
both engines: bbox filters, radii, distances and group sizes read their generalized points
(SENSITIVE_COORDINATE_DECIMALS, core.privacy), never the exact ones; other categories are
matched and measured exactly, as before."""

import csv
import io
import itertools
import json

import pytest
from neighborhood.core.privacy import generalize_point, generalized_bbox
from neighborhood.core.spatial import BBox
from tests.fixtures.sensitive import ORDINARY, SENSITIVE, city, store  # noqa: F401 (a fixture)

REPORTS = "/api/v1/reports"
NEARBY = "/api/v1/reports/nearby"
EXPORTS = "/api/v1/exports"
# (lat, lon): off the 3-decimal grid; its public point is (42.352, -71.063).
BUSINESS = (42.35231, -71.06347)
PUBLIC = (-71.063, 42.352)  # (lon, lat)
AROUND_EXACT = "-71.0636,42.3522,-71.0633,42.3525"  # holds the exact point, not the public one
AROUND_PUBLIC = "-71.0631,42.3519,-71.0629,42.3521"  # holds the public point, not the exact one


def listed(client, **query) -> dict[int, list[float]]:
    with client.get(REPORTS, query_string={"limit": 1000, **query}) as response:
        assert response.status_code == 200, response.json
        return {f["id"]: f["geometry"]["coordinates"] for f in response.json["features"]}


def exported(client, fmt, **query) -> set[int]:
    with client.get(f"{EXPORTS}/reports.{fmt}", query_string=query) as response:
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_data(as_text=True)
    if fmt == "csv":
        return {int(row["id"]) for row in csv.DictReader(io.StringIO(body, newline=""))}
    return {feature["id"] for feature in json.loads(body)["features"]}


def nearby(client, where, category, **params) -> list[dict]:
    query = {"lat": where[0], "lon": where[1], "category": category, **params}
    with client.get(NEARBY, query_string=query) as response:
        assert response.status_code == 200, response.json
        return response.json["features"]


# --- bbox: the list and the exports ----------------------------------------------------------

def test_a_sensitive_report_is_matched_on_its_public_point_in_list_and_exports(client, city):
    [business] = store(city, SENSITIVE, [BUSINESS])
    [lamp] = store(city, ORDINARY, [BUSINESS])
    # A tiny box around the exact point finds the lamp, not the business: shrinking boxes
    # cannot place it more finely than its public point.
    assert set(listed(client, bbox=AROUND_EXACT)) == {lamp}
    # A box around the public point only finds the business, where it is published.
    assert listed(client, bbox=AROUND_PUBLIC) == {business: list(PUBLIC)}
    for fmt in ("csv", "geojson"):
        assert exported(client, fmt, bbox=AROUND_EXACT) == {lamp}
        assert exported(client, fmt, bbox=AROUND_PUBLIC) == {business}
    # With a filter that joins the category itself, too.
    assert set(listed(client, bbox=AROUND_PUBLIC, category=[SENSITIVE, ORDINARY])) == {business}
    assert exported(client, "csv", bbox=AROUND_EXACT, family="problem_business") == set()


def test_a_box_whose_edge_is_the_public_point_holds_it(client, city):
    [business] = store(city, SENSITIVE, [BUSINESS])
    assert set(listed(client, bbox="-71.063,42.352,-71.063,42.352")) == {business}
    assert set(listed(client, bbox="-71.0629999,42.352,-71.0629,42.3521")) == set()


# Points on the 4th decimal, halves included (-71.0635, 42.3525 are ties in decimal but not
# in binary), so rounding ties are where the engines and Python would most easily disagree.
GRID = [(round(42.3520 + i * 0.0001, 4), round(-71.0640 + j * 0.0001, 4))
        for i in range(8) for j in range(8) if (i + j) % 3 == 0]


def test_bbox_results_are_exactly_the_reports_whose_public_point_is_inside(client, city):
    businesses = set(store(city, SENSITIVE, GRID))
    store(city, ORDINARY, GRID)
    everything = listed(client)
    assert len(everything) == 2 * len(GRID)
    edges = [round(-71.0642 + k * 0.00025, 5) for k in range(6)]
    lat_edges = [round(42.3518 + k * 0.00025, 5) for k in range(6)]
    checked_exports = 0
    for (w, e), (s, n) in itertools.product(itertools.combinations(edges, 2),
                                            itertools.combinations(lat_edges, 2)):
        expected = {i for i, (lon, lat) in everything.items()
                    if w <= lon <= e and s <= lat <= n}
        bbox = f"{w},{s},{e},{n}"
        assert set(listed(client, bbox=bbox)) == expected, bbox
        if (w, s) == (edges[1], lat_edges[1]) or (e, n) == (edges[3], lat_edges[4]):
            checked_exports += 1
            assert exported(client, "csv", bbox=bbox) == expected, bbox
    assert checked_exports > 0
    assert businesses & set(listed(client, bbox="-71.0645,42.3515,-71.0625,42.3535"))


def test_generalized_bbox_matches_the_rounding_rule_at_ties():
    # The float -71.0635 lies a hair west of the tie (it rounds to -71.064), 42.3525 a hair
    # south of its own (42.352): the box follows the binary values, as generalize_point does.
    box = generalized_bbox(BBox(-71.0639, 42.3519, -71.0629, 42.3521), 3)
    assert generalize_point(box.min_lon, box.min_lat, 3) == (-71.063, 42.352)
    assert generalize_point(box.max_lon, box.max_lat, 3) == (-71.063, 42.352)
    assert box.min_lon > -71.0635 and box.max_lat == 42.3525
    assert generalized_bbox(BBox(-71.0636, 42.3522, -71.0633, 42.3525), 3) is None


def test_exact_boxes_when_generalization_is_off(client, city, app):
    app.config["SENSITIVE_COORDINATE_DECIMALS"] = None
    [business] = store(city, SENSITIVE, [BUSINESS])
    assert set(listed(client, bbox=AROUND_EXACT)) == {business}
    assert exported(client, "geojson", bbox=AROUND_EXACT) == {business}


# --- nearby ----------------------------------------------------------------------------------

def test_nearby_measures_a_sensitive_report_from_its_public_point(client, city):
    [business] = store(city, SENSITIVE, [BUSINESS])
    # A street light exactly at the business's public point: the reference distance.
    [lamp] = store(city, ORDINARY, [(PUBLIC[1], PUBLIC[0])])
    distances = set()
    for where in [(42.3530, -71.0640), (42.3515, -71.0625), (42.3524, -71.0629),
                  (42.35231, -71.06347)]:  # the last one: standing at the exact spot
        [found] = nearby(client, where, SENSITIVE, radius=500)
        [reference] = nearby(client, where, ORDINARY, radius=500)
        assert (found["id"], reference["id"]) == (business, lamp)
        assert found["properties"]["distance_m"] == reference["properties"]["distance_m"]
        assert found["geometry"]["coordinates"] == list(PUBLIC)
        distances.add(found["properties"]["distance_m"])
    assert len(distances) == 4  # real distances, not a constant


def test_nearby_tells_nothing_finer_than_the_rounding_cell(client, city):
    # Two businesses in the same cell, about 60 m apart: the same distance from anywhere,
    # listed by id; their exact points (the second is 4 m from where we ask, the first 60 m)
    # make no difference.
    ids = store(city, SENSITIVE, [(42.35231, -71.06347), (42.35210, -71.06280)])
    where = (42.35210, -71.06285)
    found = nearby(client, where, SENSITIVE, radius=100)
    assert [f["id"] for f in found] == ids
    assert found[0]["properties"]["distance_m"] == found[1]["properties"]["distance_m"]
    # The radius is decided on the public point too: 4 m from the first one's exact point,
    # but about 55 m from the public one, neither is "nearby" within 40 m.
    assert nearby(client, (42.35235, -71.06347), SENSITIVE, radius=40) == []
    # ...and within 20 m of the public point both are, although their exact points are 46 m
    # and 27 m away.
    assert [f["id"] for f in nearby(client, (42.35200, -71.06310), SENSITIVE, radius=20)] == [
        ids[0], ids[1]]


def test_nearby_group_sizes_are_made_from_public_points(client, city):
    # 20 m apart but on both sides of a 3-decimal latitude line: two public points 111 m
    # apart, each alone; the same places for street lights are one group of 2.
    places = [(42.35245, -71.0632), (42.35262, -71.0632)]
    store(city, SENSITIVE, places)
    store(city, ORDINARY, places)
    where = (42.3525, -71.0632)
    assert [f["properties"]["incident_size"]
            for f in nearby(client, where, SENSITIVE, radius=500)] == [1, 1]
    assert [f["properties"]["incident_size"]
            for f in nearby(client, where, ORDINARY, radius=500)] == [2, 2]


def test_nearby_ordinary_reports_are_measured_exactly(client, city):
    [lamp] = store(city, ORDINARY, [BUSINESS])
    [found] = nearby(client, (42.35235, -71.06347), ORDINARY, radius=50)
    assert found["id"] == lamp
    assert found["properties"]["distance_m"] == pytest.approx(4.4, abs=0.15)
