"""GET /api/v1/reports builds its features from plain rows: the same JSON the schema dumps."""

import json
import math
from datetime import UTC, datetime, timedelta

import pytest
from flask import jsonify
from sqlalchemy import Column, select, text
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import visitors

from neighborhood.core.spatial import BBox, point_element
from neighborhood.extensions import db
from neighborhood.reports import queries, views
from neighborhood.reports.models import Category, Photo, Report
from neighborhood.reports.schemas import ReportCollectionSchema, ReportFeatureSchema, dump_feature
from neighborhood.reports.services import h3_cells
from neighborhood.routing.models import Department

URL = "/api/v1/reports"
BBOX = "-71.07,42.35,-71.05,42.36"
CREATED = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def varied_reports(app, create_category, create_department):
    """Public reports of every shape a feature has, and two that must never be listed."""
    create_category()
    create_category(code="unsanitary_food", name="Unsanitary food", family="problem_business",
                    sensitive=True)
    department_id = create_department()
    with app.app_context():
        light, food = (db.session.scalar(select(Category).where(Category.code == code))
                       for code in ("street_light_outage", "unsanitary_food"))

        def add(category, lon=-71.0656, lat=42.3551, status="open", **fields):
            r8, r9 = h3_cells(lon, lat)
            report = Report(category_id=category.id, description=f"Report {lon} {lat}.",
                            location=point_element(lon, lat), status=status, source="web",
                            created_at=CREATED, updated_at=CREATED, h3_r8=r8, h3_r9=r9,
                            contact_email="private@example.org", **fields)
            db.session.add(report)
            db.session.flush()
            return report

        plain = add(light)
        routed = add(light, -71.0601, 42.3512, address="1 Tremont St",
                     department_id=department_id, due_at=CREATED + timedelta(days=15),
                     answers={"pole_number": "A-12", "kinds": ["flicker", "dark"]},
                     external_id="BOS-1", support_count=3)
        overdue = add(light, -71.0543, 42.3588, due_at=CREATED - timedelta(days=1),
                      status="in_progress")
        closed = add(light, -71.0688, 42.3502, status="closed", close_reason="duplicate",
                     closed_at=CREATED + timedelta(days=2), duplicate_of_id=plain.id,
                     reopen_count=1, fixed_count=2)
        sensitive = add(food, -71.06123456, 42.35678901, address="The Diner, 5 Main St",
                        department_id=department_id)
        # Rounds into the box although its exact point lies just outside it.
        add(food, -71.07049, 42.3553)
        add(light, status="pending_review")  # held: never listed
        add(light, -71.08, 42.3551)  # outside the box
        for number, (report, kind) in enumerate([(routed, "report"), (routed, "report"),
                                                 (routed, "resolution"), (sensitive, "report")]):
            db.session.add(Photo(report_id=report.id, key=f"{number + 1:032x}", width=640,
                                 height=480 + number, size_bytes=1000, kind=kind))
        db.session.add(Department(code="BTD", name="Transportation", email="btd@city.example"))
        db.session.commit()
        return [plain.id, routed.id, overdue.id, closed.id, sensitive.id]


def schema_dump(app, query_string: dict) -> dict:
    """The reference: the ORM page, report_feature and ReportCollectionSchema, as before."""
    limit, cursor = int(query_string.get("limit", 100)), query_string.get("cursor")
    with app.test_request_context(URL, query_string=query_string):
        flt = queries.ReportFilter(bbox=BBox(*map(float, BBOX.split(","))))
        query = queries.public_reports_query(flt, "UTC").options(selectinload(Report.photos))
        if cursor:
            query = query.where(Report.id < queries.decode_cursor(cursor))
        reports = list(db.session.scalars(query.order_by(Report.id.desc())
                                          .limit(limit + 1)).unique())
        body = ReportCollectionSchema().dump({
            "features": [queries.report_feature(r, views.photo_url) for r in reports[:limit]],
            "next_cursor": (queries.encode_cursor(reports[limit - 1].id)
                            if len(reports) > limit else None)})
        return json.loads(jsonify(body).get_data())


def test_listed_features_equal_the_schema_dump_of_the_orm_reports(app, client, varied_reports):
    resp = client.get(URL, query_string={"bbox": BBOX})
    assert resp.status_code == 200
    assert resp.json == schema_dump(app, {"bbox": BBOX})
    features = {f["id"]: f["properties"] for f in resp.json["features"]}
    plain, routed, overdue, closed, sensitive = varied_reports
    assert len(features) == 6 and set(varied_reports) < set(features)
    assert [p["url"].rsplit("/", 1)[1] for p in features[routed]["photos"]] == [
        f"{1:032x}.jpg", f"{2:032x}.jpg"]  # the reporter's photos, not the resolution's
    assert features[routed]["department"] == "Public Works"
    assert features[routed]["attributes"] == {"pole_number": "A-12", "kinds": ["flicker", "dark"]}
    assert features[overdue]["overdue"] is True
    assert features[closed]["duplicate_of"] == plain
    assert features[sensitive]["location_generalized"] is True
    assert features[sensitive]["address"] is None and features[sensitive]["h3_r9"] is None
    assert "contact_email" not in json.dumps(resp.json)
    with app.app_context():  # the same bytes as jsonify's, which sorts the keys
        assert resp.data == jsonify(resp.json).get_data()


def test_every_page_equals_the_schema_dump(app, client, varied_reports):
    query = {"bbox": BBOX, "limit": "2"}
    pages = 0
    while True:
        resp = client.get(URL, query_string=query)
        assert resp.json == schema_dump(app, query)
        pages += 1
        if resp.json["next_cursor"] is None:
            break
        query["cursor"] = resp.json["next_cursor"]
    assert pages == 3


def test_dump_feature_is_the_feature_schema_dump(app, varied_reports):
    with app.test_request_context():
        reports = db.session.scalars(select(Report).options(selectinload(Report.photos)))
        for report in reports.unique():
            feature = queries.report_feature(report, views.photo_url)
            assert dump_feature(feature) == ReportFeatureSchema().dump(feature)


@pytest.mark.engines("postgis")
@pytest.mark.parametrize(("most_cells", "index"), [(0, "idx_report_location"),
                                                   (48, "ix_report_h3_r9_id")])
def test_postgis_index_covers_what_a_page_of_ids_reads(app, varied_reports, monkeypatch,
                                                       most_cells, index):
    """Every filter's report columns are in the index the page reads (the GiST index for a
    view of too many cells, the cells' index otherwise): the ids are an index-only scan."""
    monkeypatch.setattr(queries, "PAGE_MOST_CELLS", most_cells)
    with app.test_request_context():
        flt = queries.ReportFilter(bbox=BBox(*map(float, BBOX.split(","))),
                                   categories=("street_light_outage",), families=("lighting",),
                                   statuses=("open",), created_from=CREATED,
                                   created_to=CREATED)
        page = queries.public_page_ids(flt, limit=100, cursor=queries.encode_cursor(10**6),
                                       city_tz="UTC")
        covered = set(db.session.scalars(text(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
            " AND a.attnum = ANY (i.indkey) WHERE i.indexrelid = CAST(:index AS regclass)"),
            {"index": index}))
    read = {element.name for element in visitors.iterate(page)
            if isinstance(element, Column) and element.table is Report.__table__}
    assert {"id", "location", "status", "category_id", "created_at"} <= read
    assert read <= covered, read - covered


def test_points_on_the_edges_and_a_float_step_outside_them(client, app, varied_reports):
    """The exact test compares coordinates: edges are in, the next float out is not."""
    west, south, east, north = map(float, BBOX.split(","))
    with app.app_context():
        light = db.session.scalar(select(Category.id).where(
            Category.code == "street_light_outage"))
        places = {"sw corner": (west, south), "ne corner": (east, north),
                  "a step west": (math.nextafter(west, -math.inf), 42.355),
                  "a step north": (-71.06, math.nextafter(north, math.inf))}
        ids = {}
        for name, (lon, lat) in places.items():
            r8, r9 = h3_cells(lon, lat)
            report = Report(category_id=light, description=name, status="open",
                            location=point_element(lon, lat), source="web", h3_r8=r8,
                            h3_r9=r9)
            db.session.add(report)
            db.session.flush()
            ids[name] = report.id
        db.session.commit()
    listed = {f["id"] for f in client.get(URL, query_string={"bbox": BBOX}).json["features"]}
    assert {ids["sw corner"], ids["ne corner"]} <= listed
    assert not {ids["a step west"], ids["a step north"]} & listed


def test_pages_behind_newer_reports_the_filter_refuses(app, client, varied_reports):
    """SpatiaLite first reads only the view's newest candidates; when too few of them pass,
    it reads them all: held and out-of-box reports newer than the page never shorten it."""
    with app.app_context():
        light = db.session.scalar(select(Category.id).where(
            Category.code == "street_light_outage"))
        for number in range(3 * queries.PAGE_WINDOW * 3):  # more than a page of 2's window
            lon, lat = -71.0656, 42.3551 + number * 1e-6
            r8, r9 = h3_cells(lon, lat)
            db.session.add(Report(category_id=light, description=f"Held {number}.",
                                  status="pending_review", source="web", h3_r8=r8, h3_r9=r9,
                                  location=point_element(lon, lat)))
        db.session.commit()
    query = {"bbox": BBOX, "limit": "2"}
    listed = []
    while True:
        resp = client.get(URL, query_string=query)
        assert resp.json == schema_dump(app, query)
        listed += [f["id"] for f in resp.json["features"]]
        if resp.json["next_cursor"] is None:
            break
        query["cursor"] = resp.json["next_cursor"]
    assert len(listed) == 6 and set(varied_reports) < set(listed)
