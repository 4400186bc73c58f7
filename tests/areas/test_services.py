"""Storing the city's boundaries and locating points in them, on both engines."""

import pytest
from sqlalchemy import func, select

from neighborhood.areas.models import Area
from neighborhood.areas.services import area_locator, replace_boundaries
from neighborhood.extensions import db
from neighborhood.reports.models import Report

BACK_BAY = (42.3503, -71.0810)
BOSTON_COMMON = (42.3550, -71.0656)
ROXBURY = (42.3253, -71.0750)


def areas_by_name(kind="neighborhood") -> dict[str, int]:
    return dict(db.session.execute(select(Area.name, Area.id).where(Area.kind == kind)).all())


def count_areas(kind: str) -> int:
    return db.session.scalar(select(func.count(Area.id)).where(Area.kind == kind))


def neighborhood_name_at(lat: float, lon: float) -> str | None:
    area_id = area_locator().neighborhood_at(lon, lat)
    return None if area_id is None else db.session.get(Area, area_id).name


def without(features: list[dict], name: str) -> list[dict]:
    kept = [f for f in features if f["properties"]["name"] != name]
    assert len(kept) == len(features) - 1
    return kept


def post_report(client, body: dict, lat: float, lon: float) -> int:
    response = client.post("/api/v1/reports", json=body | {"lat": lat, "lon": lon})
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_the_real_boundaries_give_26_neighborhoods_and_one_city(ctx, boston_areas):
    assert count_areas("neighborhood") == 26
    assert count_areas("city") == 1
    assert set(areas_by_name()) == {f["properties"]["name"] for f in boston_areas}
    assert set(areas_by_name("city")) == {"Boston"}


def test_replacing_with_the_same_features_keeps_every_id(ctx, boston_areas):
    before = dict(db.session.execute(select(Area.code, Area.id)).all())
    assert replace_boundaries(boston_areas, city_name="Boston") == 26
    db.session.commit()
    assert dict(db.session.execute(select(Area.code, Area.id)).all()) == before


@pytest.mark.parametrize("lat, lon, in_city, neighborhood", [
    pytest.param(*BOSTON_COMMON, True, "Beacon Hill", id="boston-common"),
    pytest.param(*BACK_BAY, True, "Back Bay", id="back-bay"),
    pytest.param(*ROXBURY, True, "Roxbury", id="roxbury"),
    pytest.param(40.7128, -74.0060, False, None, id="new-york"),
    pytest.param(42.3736, -71.1097, False, None, id="cambridge-across-the-river"),
])
def test_the_locator_places_known_points(ctx, boston_areas, lat, lon, in_city, neighborhood):
    assert area_locator().in_city(lon, lat) is in_city
    assert neighborhood_name_at(lat, lon) == neighborhood


def test_without_boundaries_every_point_is_in_the_city_and_in_no_neighborhood(ctx):
    locator = area_locator()
    assert locator.in_city(-74.0060, 40.7128)
    assert locator.neighborhood_at(-74.0060, 40.7128) is None


def test_removing_a_neighborhood_deletes_it_and_detaches_its_reports(
        app, client, boston_areas, create_category, dummy_report_body):
    create_category()
    in_back_bay = post_report(client, dummy_report_body, *BACK_BAY)
    in_roxbury = post_report(client, dummy_report_body, *ROXBURY)
    with app.app_context():
        before = areas_by_name()
        roxbury_area = db.session.get(Report, in_roxbury).neighborhood_id
        assert db.session.get(Report, in_back_bay).neighborhood_id == before["Back Bay"]
        assert roxbury_area == before["Roxbury"]

        assert replace_boundaries(without(boston_areas, "Back Bay"), city_name="Boston") == 25
        db.session.commit()

    with app.app_context():
        after = areas_by_name()
        assert "Back Bay" not in after
        assert db.session.get(Area, before["Back Bay"]) is None
        assert after == {name: i for name, i in before.items() if name != "Back Bay"}
        assert count_areas("city") == 1
        assert db.session.get(Report, in_back_bay).neighborhood_id is None
        assert db.session.get(Report, in_roxbury).neighborhood_id == roxbury_area


def test_the_locator_is_rebuilt_after_the_boundaries_change(ctx, boston_areas):
    first = area_locator()
    assert neighborhood_name_at(*BACK_BAY) == "Back Bay"
    assert area_locator() is first  # cached while nothing changes

    replace_boundaries(without(boston_areas, "Back Bay"), city_name="Boston")
    db.session.commit()

    rebuilt = area_locator()
    assert rebuilt is not first
    assert rebuilt.neighborhood_at(BACK_BAY[1], BACK_BAY[0]) is None
    assert not rebuilt.in_city(BACK_BAY[1], BACK_BAY[0])
    assert neighborhood_name_at(*ROXBURY) == "Roxbury"


def test_the_locator_follows_a_neighborhood_coming_back(ctx, boston_areas):
    replace_boundaries(without(boston_areas, "Back Bay"), city_name="Boston")
    db.session.commit()
    assert neighborhood_name_at(*BACK_BAY) is None
    replace_boundaries(boston_areas, city_name="Boston")
    db.session.commit()
    assert neighborhood_name_at(*BACK_BAY) == "Back Bay"
    assert area_locator().in_city(BACK_BAY[1], BACK_BAY[0])
