"""GET /api/v1/exports/reports.csv and .geojson on both engines: filters, privacy, formats,
streaming and what an export does to the database while it streams."""

import csv
import io
import json
import re
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from neighborhood.areas.models import Area
from neighborhood.core import transaction
from neighborhood.core.db import sqlite_dbapi
from neighborhood.demo.services import upsert_categories
from neighborhood.exports import queries
from neighborhood.exports.formats import TEXT_COLUMNS
from neighborhood.exports.schemas import COLUMNS
from neighborhood.extensions import db
from neighborhood.importers.csv311 import load_preset
from neighborhood.importers.services import import_files
from neighborhood.reports.models import Category, Report
from neighborhood.reports.services import Submission, submit_report

EXPORTS = "/api/v1/exports"
REPORTS = "/api/v1/reports"
FORMATS = ("csv", "geojson")
BBOX = "-71.07,42.35,-71.05,42.36"
COMMON = (42.3550, -71.0656)  # Boston Common (lat, lon)
DOCS = Path(__file__).parents[2] / "docs" / "exports.md"
SAMPLE = Path(__file__).parents[1] / "fixtures" / "boston-sample.csv"
# Planted in every report's contact: none of it may appear in any export.
CONTACT = {"email": "plant-7f3a9c@contact.example", "name": "Plantname Qzxv",
           "phone": "+1 617 555 0199"}


@pytest.fixture
def city(app, lifecycle_city, create_category, create_account):
    """Boston, two departments, four categories (one sensitive) and the accounts that act."""
    create_category(code="sign_repair", name="Damaged sign", family="signs", sla_days=14)
    create_category(code="tree_in_park", name="Tree in a park", family="parks", sla_days=None)
    create_category(code="unsanitary_food", name="Unsanitary food handling",
                    family="problem_business", sla_days=2, sensitive=True)
    return {"moderator": create_account("moderator"), "admin": create_account("admin"),
            "resident": create_account("resident", email="plant-account-51e2@contact.example")}


def post_report(client, headers=None, **overrides) -> int:
    body = {"category": "street_light_outage", "description": "The lamp is dark.",
            "lat": COMMON[0], "lon": COMMON[1], "address": "Tremont St & Boylston St",
            "contact": CONTACT}
    body.update(overrides)
    response = client.post(REPORTS, json=body, headers=headers or {})
    assert response.status_code == 201, response.json
    return response.json["id"]


def move(client, report_id, headers, **body):
    with client.post(f"{REPORTS}/{report_id}/transitions", json=body,
                     headers=headers) as response:
        assert response.status_code == 201, response.json


def insert_at(app, when, category="street_light_outage") -> int:
    """Store a report created at `when` through the service, and return its id."""
    data = {"category": category, "description": "Dated.", "lat": COMMON[0], "lon": COMMON[1]}
    with app.app_context():
        result = submit_report(Submission(data=data), source="app", now=when)
        transaction.commit()
        return result.report.id


def set_report(app, report_id, **values):
    with app.app_context():
        db.session.execute(update(Report).where(Report.id == report_id).values(**values))
        db.session.commit()


def export(client, fmt, **query):
    response = client.get(f"{EXPORTS}/reports.{fmt}", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def csv_rows(body: bytes) -> list[dict]:
    reader = csv.DictReader(io.StringIO(body.decode("utf-8"), newline=""))
    rows = list(reader)
    assert reader.fieldnames == list(COLUMNS)
    return rows


def features(body: bytes) -> list[dict]:
    collection = json.loads(body.decode("utf-8"))
    assert collection["type"] == "FeatureCollection"
    return collection["features"]


def exported_ids(client, fmt, **query) -> list[int]:
    body = export(client, fmt, **query).data
    if fmt == "csv":
        return [int(row["id"]) for row in csv_rows(body)]
    return [feature["id"] for feature in features(body)]


def listed_ids(client, **query) -> list[int]:
    response = client.get(REPORTS, query_string={"limit": 1000, **query})
    assert response.status_code == 200, response.json
    return [feature["id"] for feature in response.json["features"]]


def documented_columns() -> list[str]:
    """Return the column names of the table under "## Columns" in docs/exports.md."""
    section = DOCS.read_text(encoding="utf-8").split("\n## Columns", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE)


# --- columns and formats ---------------------------------------------------------------------

def test_csv_columns_are_the_documented_list_and_parse_back(client, city):
    post_report(client)
    response = export(client, "csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="boston-reports-\d{4}-\d{2}-\d{2}\.csv"',
                        response.headers["Content-Disposition"])
    assert documented_columns() == list(COLUMNS)
    rows = csv_rows(response.data)
    assert len(rows) == 1
    assert rows[0]["category"] == "street_light_outage"
    assert rows[0]["department"] == "Public Works"
    assert rows[0]["public_status"] == "open"
    assert rows[0]["location_generalized"] == "false"


def test_csv_is_rfc_4180_with_crlf_and_quoting_and_keeps_unicode(client, city):
    tricky = 'Two lamps, "both" dark\nsince Tuesday – café ☕'
    post_report(client, description=tricky)
    raw = export(client, "csv").data
    assert raw.count(b"\r\n") == 2  # the header's end and the row's; the LF inside is quoted
    assert '"Two lamps, ""both"" dark\nsince Tuesday – café ☕"'.encode() in raw
    assert csv_rows(raw)[0]["description"] == tricky


def test_geojson_properties_are_the_same_columns(client, city):
    post_report(client)
    response = export(client, "geojson")
    assert response.headers["Content-Type"] == "application/geo+json"
    assert response.headers["Content-Disposition"].endswith('.geojson"')
    [feature] = features(response.data)
    assert list(feature["properties"]) == list(COLUMNS)
    assert feature["geometry"] == {"type": "Point", "coordinates": [COMMON[1], COMMON[0]]}
    assert feature["properties"]["attributes"] == {}


def test_csv_and_geojson_hold_the_same_values(client, city):
    for i in range(3):
        post_report(client, description=f"Lamp {i}, \"dark\".", address=None if i else "x")
    rows = csv_rows(export(client, "csv").data)
    props = [f["properties"] for f in features(export(client, "geojson").data)]
    assert len(rows) == len(props) == 3
    for row, prop in zip(rows, props, strict=True):
        for name in COLUMNS:
            value = prop[name]
            expected = ("" if value is None else "true" if value is True
                        else "false" if value is False else json.dumps(value)
                        if isinstance(value, dict) else str(value))
            assert row[name] == expected, name


@pytest.mark.parametrize("query", [{}, {"category": "sign_repair"}, {"family": "lighting"},
                                   {"status": ["open", "resolved"]}, {"bbox": BBOX},
                                   {"created_from": "2000-01-01T00:00:00Z"}],
                         ids=["all", "category", "family", "status", "bbox", "created_from"])
def test_geojson_has_the_list_endpoints_reports_and_values(client, city, query):
    admin = city["admin"].headers
    ids = [post_report(client, category=c, lat=lat, lon=lon)
           for c, lat, lon in (("street_light_outage", *COMMON), ("sign_repair", *COMMON),
                               ("street_light_outage", 42.3016, -71.0676),
                               ("unsanitary_food", 42.35312, -71.06231))]
    move(client, ids[0], admin, to="resolved", note="Fixed.")
    move(client, ids[3], city["moderator"].headers, to="open")
    listed = {f["id"]: f for f in client.get(
        REPORTS, query_string={"limit": 1000, **query}).json["features"]}
    exported = features(export(client, "geojson", **query).data)
    assert [f["id"] for f in exported] == sorted(listed)  # oldest first
    assert exported, "the filter should match something"
    for feature in exported:
        shown = listed[feature["id"]]
        assert feature["geometry"]["coordinates"] == shown["geometry"]["coordinates"]
        for name, value in feature["properties"].items():
            if name not in shown["properties"]:
                continue
            if name.endswith("_at") and value is not None:
                assert datetime.fromisoformat(value) == datetime.fromisoformat(
                    shown["properties"][name]), name
            else:
                assert value == shown["properties"][name], name


def test_times_are_iso_8601_in_utc_and_closed_reports_carry_their_reason(client, city):
    first = post_report(client)
    second = post_report(client)
    move(client, second, city["admin"].headers, to="closed", note="Same lamp.",
         reason="duplicate", duplicate_of=first)
    rows = {int(r["id"]): r for r in csv_rows(export(client, "csv").data)}
    closed = rows[second]
    assert (closed["status"], closed["public_status"]) == ("closed", "closed")
    assert (closed["close_reason"], closed["duplicate_of"]) == ("duplicate", str(first))
    for name in ("created_at", "updated_at", "closed_at", "due_at"):
        moment = datetime.fromisoformat(closed[name])
        assert closed[name].endswith("+00:00") and moment.utcoffset().total_seconds() == 0
    assert rows[first]["closed_at"] == ""


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_export_is_valid(client, city, fmt):
    for query in ({}, {"category": "no_such_code"}):
        response = export(client, fmt, **query)
        if fmt == "csv":
            assert csv_rows(response.data) == []
            assert response.data == (",".join(COLUMNS) + "\r\n").encode()
        else:
            assert features(response.data) == []


# --- filters ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_bbox_filter_includes_the_edges(client, city, fmt):
    inside = post_report(client, lat=42.355, lon=-71.06)
    on_edge = post_report(client, lat=42.36, lon=-71.05)
    post_report(client, lat=42.3601, lon=-71.06)
    post_report(client, lat=42.3016, lon=-71.0676)
    assert exported_ids(client, fmt, bbox=BBOX) == [inside, on_edge]
    assert len(exported_ids(client, fmt)) == 4


@pytest.mark.parametrize("fmt", FORMATS)
def test_category_filter_is_repeatable(client, city, fmt):
    light = post_report(client)
    sign = post_report(client, category="sign_repair")
    tree = post_report(client, category="tree_in_park")
    assert exported_ids(client, fmt, category="sign_repair") == [sign]
    assert exported_ids(client, fmt, category=["tree_in_park", "sign_repair"]) == [sign, tree]
    assert exported_ids(client, fmt) == [light, sign, tree]


@pytest.mark.parametrize("fmt", FORMATS)
def test_family_filter_is_repeatable(client, city, fmt):
    post_report(client)
    sign = post_report(client, category="sign_repair")
    tree = post_report(client, category="tree_in_park")
    assert exported_ids(client, fmt, family="parks") == [tree]
    assert exported_ids(client, fmt, family=["parks", "signs"]) == [sign, tree]


@pytest.mark.parametrize("fmt", FORMATS)
def test_status_filter(client, city, fmt):
    opened = post_report(client)
    resolved = post_report(client)
    move(client, resolved, city["admin"].headers, to="resolved", note="Fixed.")
    assert exported_ids(client, fmt, status="open") == [opened]
    assert exported_ids(client, fmt, status=["resolved", "closed"]) == [resolved]
    assert exported_ids(client, fmt, status="acknowledged") == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_created_range_is_inclusive_from_and_exclusive_to(app, client, city, fmt):
    jan = insert_at(app, datetime(2015, 1, 15, 12, tzinfo=UTC))
    feb = insert_at(app, datetime(2015, 2, 1, 0, tzinfo=UTC))
    mar = insert_at(app, datetime(2015, 3, 1, 0, tzinfo=UTC))
    frm, to = "2015-02-01T00:00:00+00:00", "2015-03-01T00:00:00+00:00"
    assert exported_ids(client, fmt, created_from=frm) == [feb, mar]
    assert exported_ids(client, fmt, created_to=to) == [jan, feb]
    assert exported_ids(client, fmt, created_from=frm, created_to=to) == [feb]


@pytest.mark.parametrize("fmt", FORMATS)
def test_naive_created_bounds_are_read_in_the_city_time_zone(app, client, city, fmt):
    before = insert_at(app, datetime(2015, 3, 1, 4, 59, tzinfo=UTC))  # 23:59 EST, Feb 28
    after = insert_at(app, datetime(2015, 3, 1, 5, 0, tzinfo=UTC))  # 00:00 EST, Mar 1
    assert exported_ids(client, fmt, created_from="2015-03-01T00:00:00") == [after]
    assert exported_ids(client, fmt, created_to="2015-03-01T00:00:00") == [before]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("query, field", [
    ({"bbox": "1,2,3"}, "bbox"), ({"bbox": "-71.05,42.35,-71.07,42.36"}, "bbox"),
    ({"family": "weather"}, "family"), ({"status": "lost"}, "status"),
    ({"created_from": "last tuesday"}, "created_from"),
    ({"created_from": "2015-03-01T00:00:00Z", "created_to": "2015-02-01T00:00:00Z"},
     "created_from"),
    ({"limit": "10"}, "limit"), ({"cursor": "cjox"}, "cursor"), ({"format": "xlsx"}, "format"),
], ids=["bbox-three-numbers", "bbox-west-over-east", "family", "status", "created-from",
        "range-reversed", "limit", "cursor", "unknown"])
def test_bad_filters_are_refused_with_the_field_and_reason(client, city, fmt, query, field):
    response = client.get(f"{EXPORTS}/reports.{fmt}", query_string=query)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/json"
    reasons = response.json["errors"]["query"][field]  # list fields: by index, then messages
    reasons = [m for ms in reasons.values() for m in ms] if isinstance(reasons, dict) else reasons
    assert reasons and all(isinstance(m, str) and m for m in reasons)


# --- privacy ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_held_and_hidden_reports_are_never_exported(client, city, fmt):
    visible = post_report(client)
    post_report(client, category="unsanitary_food")  # held for review: pending_review
    flagged = post_report(client)
    move(client, flagged, city["moderator"].headers, to="pending_review", note="Names someone.")
    queries_to_try = [{}, {"status": "pending_review"}, {"status": ["open", "pending_review"]},
                      {"family": "problem_business"}, {"category": "unsanitary_food"},
                      {"bbox": BBOX}]
    expected = [[visible], [], [visible], [], [], [visible]]
    for query, ids in zip(queries_to_try, expected, strict=True):
        assert exported_ids(client, fmt, **query) == ids, query


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_contact_or_reporter_data_anywhere_in_the_bytes(client, city, fmt):
    resident = city["resident"]
    held = post_report(client, category="unsanitary_food", address="Plantaddress 9 Nowhere St")
    move(client, held, city["moderator"].headers, to="open")
    post_report(client, headers=resident.headers)
    post_report(client, category="sign_repair")
    raw = export(client, fmt).data
    assert len(exported_ids(client, fmt)) == 3
    for secret in (*CONTACT.values(), "6175550199", "Plantname", "plant-7f3a9c",
                   resident.email, "Plantaddress"):
        assert secret.encode() not in raw, secret
    for column in ("contact", "reporter", "api_key", "email", "phone"):
        assert column.encode() not in raw, column


@pytest.mark.parametrize("fmt", FORMATS)
def test_sensitive_category_is_generalized_and_its_address_and_area_withheld(
        app, client, city, fmt):
    lat, lon = 42.3531234, -71.0623456
    held = post_report(client, category="unsanitary_food", lat=lat, lon=lon,
                       address="Joe's Diner, 12 Plantstreet")
    move(client, held, city["moderator"].headers, to="open")
    light = post_report(client)
    raw = export(client, fmt).data
    for secret in (b"Joe's Diner", b"Plantstreet", b"42.35312", b"-71.06234"):
        assert secret not in raw, secret
    if fmt == "csv":
        rows = {int(r["id"]): {**r, "lat": float(r["lat"]), "lon": float(r["lon"])}
                for r in csv_rows(raw)}
        empty = ""
    else:
        rows = {f["id"]: f["properties"] for f in features(raw)}
        empty = None
        coordinates = {f["id"]: f["geometry"]["coordinates"] for f in features(raw)}
        assert coordinates[held] == [round(lon, 3), round(lat, 3)]
    with app.app_context():
        area = db.session.scalar(select(Area.name).join(Report, Report.neighborhood_id == Area.id)
                                 .where(Report.id == light))
    assert area
    assert rows[held]["location_generalized"] in (True, "true")
    assert (rows[held]["lat"], rows[held]["lon"]) == (round(lat, 3), round(lon, 3))
    assert rows[held]["address"] == rows[held]["neighborhood"] == empty
    assert rows[light]["location_generalized"] in (False, "false")
    assert (rows[light]["lat"], rows[light]["lon"]) == COMMON
    assert rows[light]["neighborhood"] == area


def test_generalization_follows_the_privacy_setting(app, client, city):
    app.config["SENSITIVE_COORDINATE_DECIMALS"] = 2
    held = post_report(client, category="unsanitary_food", lat=42.3531234, lon=-71.0623456)
    move(client, held, city["moderator"].headers, to="open")
    [feature] = features(export(client, "geojson").data)
    assert feature["geometry"]["coordinates"] == [-71.06, 42.35]
    listed = client.get(f"{REPORTS}/{held}").json
    assert listed["geometry"]["coordinates"] == feature["geometry"]["coordinates"]


# --- imported reports ------------------------------------------------------------------------

def test_imported_reports_carry_their_external_id_and_neighborhood(app, client, boston_areas):
    categories = json.loads((resources.files("neighborhood.demo") / "data" / "categories.json")
                            .read_text(encoding="utf-8"))
    with app.app_context():
        upsert_categories(categories)
        import_files([SAMPLE], load_preset("boston"))
        db.session.commit()
        stored = db.session.execute(
            select(Report.id, Report.external_id, Report.address, Category.sensitive,
                   Area.name).join(Report.category)
            .outerjoin(Area, Area.id == Report.neighborhood_id)).all()
    assert len(stored) == 61 and any(s.sensitive for s in stored)
    response = export(client, "csv", created_from="2015-01-01", created_to="2016-01-01")
    rows = {int(r["id"]): r for r in csv_rows(response.data)}
    assert {r["external_id"] for r in rows.values()} == {s.external_id for s in stored}
    for report in stored:
        row = rows[report.id]
        assert (row["external_id"], row["source"]) == (report.external_id, "import")
        if report.sensitive:
            assert (row["location_generalized"], row["address"], row["neighborhood"]) == (
                "true", "", "")
        else:
            assert (row["address"], row["neighborhood"]) == (report.address or "",
                                                             report.name or "")
    public_addresses = {s.address for s in stored if not s.sensitive}
    for report in stored:
        if report.sensitive and report.address not in public_addresses:
            assert report.address.encode() not in response.data, report.address
    geojson = features(export(client, "geojson", created_from="2015-01-01",
                              created_to="2016-01-01").data)
    assert {f["properties"]["external_id"] for f in geojson} == {s.external_id for s in stored}


# --- spreadsheet formulas --------------------------------------------------------------------

def test_formula_like_text_gets_an_apostrophe_in_csv_only(app, client, city, create_category):
    create_category(code="plus_code", name="+Plus category", family="other")
    texts = ['=HYPERLINK("http://evil.example","x")', "+1 lamps", "-dark", "@SUM(A1)",
             "'quoted already", "Plain = fine", "\tTabbed", "\rCarriage"]
    ids = [post_report(client, description=f"placeholder {i}", address="=1+2")
           for i in range(len(texts))]
    for report_id, description in zip(ids, texts, strict=True):
        set_report(app, report_id, description=description)  # API input is trimmed
    plus = post_report(client, category="plus_code", address=None)
    rows = {int(r["id"]): r for r in csv_rows(export(client, "csv").data)}
    props = {f["id"]: f["properties"] for f in features(export(client, "geojson").data)}
    for report_id, description in zip(ids, texts, strict=True):
        escaped = description if description.startswith("Plain") else "'" + description
        assert rows[report_id]["description"] == escaped
        assert props[report_id]["description"] == description
        assert rows[report_id]["address"] == "'=1+2"
        assert rows[report_id]["lon"] == str(COMMON[1])  # numbers are never prefixed
    assert rows[plus]["category_name"] == "'+Plus category"
    assert props[plus]["category_name"] == "+Plus category"
    # The documented reading: drop one leading apostrophe from a text column.
    for report_id, row in rows.items():
        for name in TEXT_COLUMNS:
            original = props[report_id][name]
            cell = row[name].removeprefix("'")
            assert cell == ("" if original is None else original), (report_id, name)


# --- streaming -------------------------------------------------------------------------------

def test_the_view_returns_a_streamed_response(app, client, city):
    post_report(client)
    with app.test_request_context(f"{EXPORTS}/reports.csv"):
        response = app.full_dispatch_request()
    assert response.is_streamed and "Content-Length" not in response.headers
    body = b"".join(response.response)  # as the WSGI server would, after the view returned
    with app.test_request_context(REPORTS):  # the list endpoint, for contrast
        assert not app.full_dispatch_request().is_streamed
    assert body.count(b"\r\n") == 2


def _write_now(app, engine, report_id, description):
    """Change a report's description at once: fails (never waits) if a write lock is held."""
    if engine == "spatialite":
        with app.app_context():
            path = db.engine.url.database
        conn = sqlite_dbapi().connect(path, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE report SET description = ? WHERE id = ?",
                         (description, report_id))
            conn.execute("COMMIT")
        finally:
            conn.close()
        return
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("SET LOCAL lock_timeout = '100ms'"))
        conn.execute(update(Report).where(Report.id == report_id)
                     .values(description=description))


def _export_read_is_open(app, engine) -> bool:
    """Return True while an export's SELECT is still open on the database server.

    SQLite: a TRUNCATE checkpoint cannot finish while a reader keeps an older snapshot.
    PostgreSQL: a backend sits idle in a transaction whose last statement fetched at most a
    chunk (2 rows) from a server-side cursor.
    """
    if engine == "spatialite":
        with app.app_context():
            path = db.engine.url.database
        conn = sqlite_dbapi().connect(path, timeout=0, isolation_level=None)
        try:
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            conn.close()
        return busy == 1
    with app.app_context(), db.engine.connect() as conn:
        fetches = conn.scalars(text(
            "SELECT query FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state = 'idle in transaction'")).all()
    # SQLAlchemy reads one row ahead when it opens the cursor, so the first chunk's last
    # fetch is FETCH FORWARD 1; the next ones are FETCH FORWARD 2.
    return len(fetches) == 1 and re.match(r'FETCH FORWARD [12] FROM "', fetches[0]) is not None


@pytest.mark.parametrize("fmt", FORMATS)
def test_rows_are_fetched_and_sent_in_chunks_from_one_snapshot_without_a_write_lock(
        app, client, city, engine, monkeypatch, fmt):
    monkeypatch.setattr(queries, "CHUNK_ROWS", 2)
    ids = [post_report(client, description=f"Lamp {i}.") for i in range(5)]
    with client.get(f"{EXPORTS}/reports.{fmt}", buffered=False) as response:
        assert response.status_code == 200 and "Content-Length" not in response.headers
        pieces = iter(response.response)
        received = [next(pieces)]  # the header and 2 rows; 3 rows still in the database
        _write_now(app, engine, ids[-1], "Changed while streaming.")  # the last chunk's row
        assert _export_read_is_open(app, engine)
        received.extend(pieces)
    assert not _export_read_is_open(app, engine)
    body = b"".join(received)
    if fmt == "csv":
        rows_per_piece = [piece.count(b"\r\n") for piece in received]
        assert rows_per_piece == [3, 2, 1]  # the header rides with the first chunk
        described = [row["description"] for row in csv_rows(body)]
    else:
        rows_per_piece = [piece.count(b'"type":"Feature"') for piece in received]
        assert rows_per_piece == [2, 2, 1, 0]  # and the closing "]}"
        described = [f["properties"]["description"] for f in features(body)]
    assert described == [f"Lamp {i}." for i in range(5)]  # one snapshot: the change is not in
    assert csv_rows(export(client, "csv").data)[-1]["description"] == "Changed while streaming."


# --- OpenAPI ---------------------------------------------------------------------------------

def test_both_exports_are_documented_with_filters_types_and_columns(client):
    spec = client.get("/api/openapi.json").json
    row = spec["components"]["schemas"]["ExportRow"]
    assert list(row["properties"]) == list(COLUMNS)
    assert all(p.get("description") for p in row["properties"].values())
    for fmt, media in (("csv", "text/csv"), ("geojson", "application/geo+json")):
        operation = spec["paths"][f"{EXPORTS}/reports.{fmt}"]["get"]
        assert [p["name"] for p in operation["parameters"]] == [
            "bbox", "category", "family", "status", "created_from", "created_to"]
        assert list(operation["responses"]["200"]["content"]) == [media]
        assert "Content-Disposition" in operation["responses"]["200"]["headers"]
        assert operation["responses"]["422"]["content"]["application/json"]
    csv_doc = spec["paths"][f"{EXPORTS}/reports.csv"]["get"]["responses"]["200"]["description"]
    assert re.findall(r"^- `([a-z_]+)`", csv_doc, flags=re.MULTILINE) == list(COLUMNS)
