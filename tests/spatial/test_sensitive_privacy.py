"""Sensitive categories (problem businesses) on the incident and hotspot APIs: never finer than
their generalized public points (SENSITIVE_COORDINATE_DECIMALS, core.privacy)."""

import pytest
from neighborhood.core.privacy import generalize_point
from neighborhood.spatial import services
from tests.fixtures.sensitive import city, store  # noqa: F401 (city: a fixture)

# Two reports about one business, 6 m apart, both off the 3-decimal grid.
BUSINESS = [(42.35231, -71.06347), (42.35236, -71.06341)]


def incidents(client, **params):
    with client.get("/api/v1/incidents", query_string=params) as response:
        assert response.status_code == 200, response.json
        return response.json["features"]


def test_sensitive_incident_centres_are_generalized(client, city):
    ids = store(city, "unsanitary_food", BUSINESS)
    [group] = incidents(client, category="unsanitary_food")
    assert group["properties"] == {"size": 2, "report_ids": ids}
    lon, lat = group["geometry"]["coordinates"]
    assert (lon, lat) == generalize_point(-71.06344, 42.352335, 3) == (-71.063, 42.352)
    # The same as each report's own public point: nothing finer is told.
    for report_id in ids:
        with client.get(f"/api/v1/reports/{report_id}") as response:
            assert response.json["geometry"]["coordinates"] == [lon, lat]


def test_other_categories_keep_exact_centres(client, city):
    store(city, "street_light_outage", BUSINESS)
    [group] = incidents(client, category="street_light_outage")
    lon, lat = group["geometry"]["coordinates"]
    assert lon == pytest.approx(-71.06344) and lat == pytest.approx(42.352335)


def test_a_sensitive_bbox_matches_the_generalized_points_only(client, city):
    store(city, "unsanitary_food", BUSINESS)
    # A tiny box around the exact points, missing the generalized one: nothing to find, so
    # shrinking boxes cannot locate the business more finely than its public point.
    exact_box = "-71.0636,42.3522,-71.0633,42.3525"
    assert incidents(client, category="unsanitary_food", bbox=exact_box) == []
    public_box = "-71.0631,42.3519,-71.0629,42.3521"
    assert len(incidents(client, category="unsanitary_food", bbox=public_box)) == 1
    # Street lights at the same places are matched on their exact points.
    store(city, "street_light_outage", BUSINESS)
    assert len(incidents(client, category="street_light_outage", bbox=exact_box)) == 1


def test_sensitive_groups_are_made_from_generalized_points(client, city):
    # 20 m apart but on both sides of a 3-decimal latitude line: two public points 111 m
    # apart, which a 30 m radius does not join (the exact points would be one group).
    store(city, "unsanitary_food", [(42.35245, -71.0632), (42.35262, -71.0632)])
    assert incidents(client, category="unsanitary_food") == []
    store(city, "street_light_outage", [(42.35245, -71.0632), (42.35262, -71.0632)])
    assert len(incidents(client, category="street_light_outage")) == 1


def test_exact_centres_when_generalization_is_off(client, city, app):
    app.config["SENSITIVE_COORDINATE_DECIMALS"] = None
    store(city, "unsanitary_food", BUSINESS)
    [group] = incidents(client, category="unsanitary_food")
    assert group["geometry"]["coordinates"][1] == pytest.approx(42.352335)


# --- hotspots --------------------------------------------------------------------------------

def spread(n: int, lat0=42.300, lon0=-71.110) -> list[tuple[float, float]]:
    """n points ~600 m apart, the first five twice (counts must vary): n + 5 reports."""
    points = [(lat0 + (i // 7) * 0.006, lon0 + (i % 7) * 0.007) for i in range(n)]
    return points + points[:5]


def hotspot(client, **params):
    return client.get("/api/v1/hotspots", query_string=params)


def test_a_sensitive_map_at_resolution_9_is_refused_with_the_reason(client, city):
    store(city, "unsanitary_food", spread(42))
    for params in ({"category": "unsanitary_food"}, {"family": "problem_business"},
                   {"family": "problem_business", "resolution": 9, "trend": "true"}):
        with hotspot(client, **params) as response:
            assert response.status_code == 422, params
            assert "sensitive" in response.json["message"]
            assert "resolution=8" in response.json["message"]
    with hotspot(client, family="problem_business", resolution=8,
                 cells="boundary") as response:
        assert response.status_code == 200, response.json
        assert response.json["resolution"] == 8 and response.json["reports"] == 47


def test_the_all_reports_map_at_resolution_9_leaves_sensitive_reports_out(client, city):
    store(city, "street_light_outage", spread(42))
    store(city, "unsanitary_food", spread(42, lat0=42.301))
    with hotspot(client) as response:  # resolution 9
        assert response.status_code == 200, response.json
        assert response.json["reports"] == 47
    with hotspot(client, family="lighting") as lights:
        assert lights.json["features"] == response.json["features"]  # nothing to subtract
    with hotspot(client, resolution=8, cells="boundary") as coarse:
        assert coarse.status_code == 200, coarse.json
        assert coarse.json["reports"] == 94


def test_a_sensitive_stack_is_published_at_the_generalized_point(app, city):
    lat, lon = 42.33217, -71.08366
    with app.app_context():
        store(app, "street_light_outage", spread(40))
        store(app, "unsanitary_food", [(lat, lon)] * 25)
        store(app, "street_light_outage", [(42.31111, -71.09999)] * 25)
        query = services.HotspotQuery(resolution=8)
        selection = services.select_reports(query, services.resolve_end(query))
        stacks = {(s["lon"], s["lat"]): s["reports"] for s in (
            services._public_stack(stack, (stack.lon, stack.lat) in selection.sensitive_stacks)
            for stack in selection.stacks)}
    assert stacks == {(-71.084, 42.332): 25, (-71.09999, 42.31111): 25}
