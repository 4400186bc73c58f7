"""Departments, service-area claims and the cached router, on both engines; the public list
of departments and `flask departments claim`."""

import json

import pytest
from geoalchemy2.shape import from_shape, to_shape
from shapely import MultiPolygon, box
from sqlalchemy import func, select

from neighborhood.core.errors import InvalidInput, NotFound
from neighborhood.extensions import db
from neighborhood.reports.models import Category, Report
from neighborhood.routing.models import Department, ServiceArea
from neighborhood.routing.services import (claim_service_area, find_department, route, router,
                                           upsert_departments)

# A box around Boston Common (the dummy report's point is inside), and a point in Back Bay.
COMMON = {"type": "Polygon", "coordinates": [[
    [-71.0710, 42.3520], [-71.0610, 42.3520], [-71.0610, 42.3575], [-71.0710, 42.3575],
    [-71.0710, 42.3520]]]}
IN_COMMON = (42.3550, -71.0656)
BACK_BAY = (42.3495, -71.0795)


def department(code) -> Department:
    return db.session.scalar(select(Department).where(Department.code == code))


def category_id(code="street_light_outage") -> int:
    return db.session.scalar(select(Category.id).where(Category.code == code))


# --- departments ---------------------------------------------------------------------------

def test_upsert_departments_creates_and_updates_by_code(ctx):
    upsert_departments([{"code": "PWD", "name": "Public Works", "email": "pw@city.example"},
                        {"code": "BTD", "name": "Transportation"}])
    db.session.commit()
    result = upsert_departments([{"code": "PWD", "name": "Public Works Department"},
                                 {"code": "PARK", "name": "Parks", "email": None}])
    db.session.commit()
    assert set(result) == {"PWD", "BTD", "PARK"}
    rows = {d.code: (d.name, d.email) for d in db.session.scalars(select(Department))}
    assert rows == {"PWD": ("Public Works Department", "pw@city.example"),  # email kept
                    "BTD": ("Transportation", None), "PARK": ("Parks", None)}


@pytest.mark.parametrize("wanted", ["PWD", "pwd", " Pwd ", "Public Works", "PUBLIC WORKS",
                                    "public works"])
def test_find_department_by_code_or_name_ignoring_case(ctx, create_department, wanted):
    pwd = create_department("PWD", "Public Works")
    create_department("BTD", "Transportation", None)
    assert find_department(wanted).id == pwd


@pytest.mark.parametrize("wanted", ["PW", "Public", "Parks", ""])
def test_find_department_of_an_unknown_one_is_not_found(ctx, create_department, wanted):
    create_department("PWD", "Public Works")
    with pytest.raises(NotFound):
        find_department(wanted)


def test_departments_are_listed_publicly_by_name(client, create_department):
    create_department("PWD", "Public Works", "publicworks@city.example")
    create_department("BTD", "Boston Transportation", None)
    response = client.get("/api/v1/departments")
    assert response.status_code == 200
    assert response.json == [
        {"code": "BTD", "name": "Boston Transportation", "email": None},
        {"code": "PWD", "name": "Public Works", "email": "publicworks@city.example"}]


def test_no_departments_is_an_empty_list(client):
    assert client.get("/api/v1/departments").json == []


# --- claims --------------------------------------------------------------------------------

def test_a_polygon_claim_is_stored_as_a_multipolygon(ctx, create_department, dummy_category):
    pwd = db.session.get(Department, create_department())
    area = claim_service_area(pwd, COMMON, name="Boston Common", category_id=category_id())
    db.session.commit()
    stored = db.session.get(ServiceArea, area.id)
    shape = to_shape(stored.geom)
    assert shape.geom_type == "MultiPolygon"
    assert shape.bounds == pytest.approx((-71.0710, 42.3520, -71.0610, 42.3575))
    assert (stored.department_id, stored.category_id, stored.name) == (
        pwd.id, category_id(), "Boston Common")


def test_a_multipolygon_claim_is_stored_as_it_is(ctx, create_department):
    pwd = db.session.get(Department, create_department())
    geometry = {"type": "MultiPolygon", "coordinates": [COMMON["coordinates"], [[
        [-71.08, 42.34], [-71.07, 42.34], [-71.07, 42.35], [-71.08, 42.34]]]]}
    area = claim_service_area(pwd, geometry, name="Two parks")
    assert area.id is not None and area.category_id is None


BAD_GEOMETRIES = {
    "point": {"type": "Point", "coordinates": [-71.06, 42.35]},
    "line": {"type": "LineString", "coordinates": [[-71.06, 42.35], [-71.05, 42.36]]},
    "empty-polygon": {"type": "Polygon", "coordinates": []},
    "self-crossing": {"type": "Polygon", "coordinates": [[
        [0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
    "two-corners": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]},
    "no-coordinates": {"type": "Polygon"},
    "text-coordinates": {"type": "Polygon", "coordinates": "everywhere"},
    "no-type": {"coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
    "not-an-object": "Boston Common",
    "null": None,
    "empty-collection": {"type": "GeometryCollection", "geometries": []},
    "unknown-type": {"type": "Circle", "coordinates": [-71.06, 42.35], "radius": 100},
}


@pytest.mark.parametrize("name", list(BAD_GEOMETRIES))
def test_a_bad_geometry_is_invalid_input(ctx, create_department, name):
    pwd = db.session.get(Department, create_department())
    with pytest.raises(InvalidInput) as info:
        claim_service_area(pwd, BAD_GEOMETRIES[name], name="bad")
    assert list(info.value.errors["json"]) == ["geometry"]
    db.session.rollback()
    assert db.session.scalar(select(func.count(ServiceArea.id))) == 0


def test_a_polygon_with_altitudes_is_claimed_in_two_dimensions(ctx, create_department):
    # RFC 7946 positions may carry an altitude; the claim is about the ground plan.
    pwd = db.session.get(Department, create_department())
    with_altitude = {"type": "Polygon", "coordinates": [
        [[lon, lat, 12.0] for lon, lat in COMMON["coordinates"][0]]]}
    claim_service_area(pwd, with_altitude, name="Boston Common (3D export)")
    db.session.commit()
    assert router().choose_department(1, IN_COMMON[1], IN_COMMON[0], None).department_id == (
        pwd.id)


# --- the cached router ---------------------------------------------------------------------

def test_the_router_is_cached_until_the_claims_change(ctx, lifecycle_city):
    first = router()
    assert router() is first
    assert first.choose_department(category_id(), IN_COMMON[1], IN_COMMON[0],
                                   lifecycle_city["PWD"]).rule == "category_default"
    claim_service_area(db.session.get(Department, lifecycle_city["BTD"]), COMMON,
                       name="Boston Common")
    db.session.commit()
    rebuilt = router()
    assert rebuilt is not first
    decision = rebuilt.choose_department(category_id(), IN_COMMON[1], IN_COMMON[0],
                                         lifecycle_city["PWD"])
    assert (decision.department_id, decision.rule) == (lifecycle_city["BTD"], "area")
    assert router() is rebuilt


def test_the_router_sees_a_second_claim_and_a_moved_one(ctx, lifecycle_city):
    btd = db.session.get(Department, lifecycle_city["BTD"])
    pwd = db.session.get(Department, lifecycle_city["PWD"])
    lamps = db.session.get(Category, category_id())
    area = claim_service_area(btd, COMMON, name="Boston Common")
    db.session.commit()
    assert route(lamps, IN_COMMON[1], IN_COMMON[0]).department_id == btd.id
    claim_service_area(pwd, COMMON, name="Common lamps", category_id=lamps.id)
    db.session.commit()
    assert route(lamps, IN_COMMON[1], IN_COMMON[0]).department_id == pwd.id
    # BTD's claim moves to Back Bay: the router notices (its updated_at changed).
    lat, lon = BACK_BAY
    db.session.get(ServiceArea, area.id).geom = from_shape(
        MultiPolygon([box(lon - 0.002, lat - 0.002, lon + 0.002, lat + 0.002)]), srid=4326)
    db.session.commit()
    assert route(lamps, lon, lat).department_id == btd.id


def test_route_uses_the_fallback_department_by_code(ctx, lifecycle_city, create_category):
    create_category(code="sign_repair", name="Sign repair", family="signs")
    signs = db.session.scalar(select(Category).where(Category.code == "sign_repair"))
    assert route(signs, IN_COMMON[1], IN_COMMON[0]).rule == "unrouted"
    decision = route(signs, IN_COMMON[1], IN_COMMON[0], fallback_code="BTD")
    assert (decision.department_id, decision.rule) == (lifecycle_city["BTD"], "fallback")


# --- intake --------------------------------------------------------------------------------

def submit(client, body, where):
    response = client.post("/api/v1/reports", json={**body, "lat": where[0], "lon": where[1]})
    assert response.status_code == 201, response.json
    return response.json


@pytest.fixture
def parks_claim_the_common(app, lifecycle_city, create_department):
    """Parks claims street lights on Boston Common."""
    parks = create_department("PARK", "Parks", "parks@city.example")
    with app.app_context():
        claim_service_area(db.session.get(Department, parks), COMMON, name="Boston Common",
                           category_id=category_id())
        db.session.commit()
    return parks


def test_a_report_inside_a_claimed_park_goes_to_the_claiming_department(
        app, client, lifecycle_city, parks_claim_the_common, dummy_report_body):
    inside = submit(client, dummy_report_body, IN_COMMON)
    outside = submit(client, dummy_report_body, BACK_BAY)
    assert inside["properties"]["department"] == "Parks"
    assert outside["properties"]["department"] == "Public Works"  # the category default
    with app.app_context():
        departments = dict(db.session.execute(select(Report.id, Report.department_id)).all())
    assert departments == {inside["id"]: parks_claim_the_common,
                           outside["id"]: lifecycle_city["PWD"]}


def test_a_claim_for_another_category_does_not_take_the_report(
        app, client, lifecycle_city, create_department, create_category, dummy_report_body):
    parks = create_department("PARK", "Parks", None)
    create_category(code="tree_in_park", name="Tree in park", family="parks")
    with app.app_context():
        claim_service_area(db.session.get(Department, parks), COMMON, name="Boston Common",
                           category_id=category_id("tree_in_park"))
        db.session.commit()
    assert submit(client, dummy_report_body, IN_COMMON)["properties"]["department"] == (
        "Public Works")


# --- the command ---------------------------------------------------------------------------

def write_geojson(tmp_path, data, name="common.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_flask_departments_claim_records_a_category_claim(app, runner, client, lifecycle_city,
                                                          create_department, tmp_path,
                                                          dummy_report_body):
    create_department("PARK", "Parks", None)
    path = write_geojson(tmp_path, {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": COMMON}]})
    result = runner.invoke(args=["departments", "claim", "park", str(path),
                                 "--category", "street_light_outage"])
    assert result.exit_code == 0, result.output
    assert "PARK takes street_light_outage in common" in result.output
    with app.app_context():
        [area] = db.session.scalars(select(ServiceArea)).all()
        assert (area.category_id, area.name) == (category_id(), "common")
    assert submit(client, dummy_report_body, IN_COMMON)["properties"]["department"] == "Parks"


def test_flask_departments_claim_takes_a_bare_geometry_for_every_category(app, runner,
                                                                         lifecycle_city,
                                                                         tmp_path):
    path = write_geojson(tmp_path, COMMON)
    result = runner.invoke(args=["departments", "claim", "Transportation", str(path),
                                 "--name", "The Common"])
    assert result.exit_code == 0, result.output
    assert "BTD takes every category in The Common" in result.output
    with app.app_context():
        [area] = db.session.scalars(select(ServiceArea)).all()
        assert (area.department_id, area.category_id) == (lifecycle_city["BTD"], None)


@pytest.mark.parametrize("args, message", [
    (["NOPE", "{path}"], "No department 'NOPE'"),
    (["PWD", "{path}", "--category", "nope"], "no category 'nope'"),
])
def test_flask_departments_claim_refuses_unknown_names(app, runner, lifecycle_city, tmp_path,
                                                       args, message):
    path = write_geojson(tmp_path, COMMON)
    result = runner.invoke(args=["departments", "claim",
                                 *[a.format(path=path) for a in args]])
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(ServiceArea.id))) == 0


def test_flask_departments_claim_refuses_a_bad_geometry_cleanly(app, runner, lifecycle_city,
                                                                tmp_path):
    path = write_geojson(tmp_path, BAD_GEOMETRIES["self-crossing"])
    result = runner.invoke(args=["departments", "claim", "PWD", str(path)])
    assert result.exit_code == 1
    assert "valid, non-empty polygon" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
