"""POST /api/v1/reports: what a created report looks like, privacy, visibility, idempotency."""

import json
from datetime import datetime, timedelta

import h3
import pytest
from sqlalchemy import func, inspect, select

from neighborhood.areas.models import Area
from neighborhood.core.signals import report_submitted
from neighborhood.extensions import db
from neighborhood.reports.models import IdempotencyKey, Report
from neighborhood.reports.queries import report_feature
from neighborhood.reports.schemas import ReportFeatureSchema
from neighborhood.reports.services import Submission, submit_report
from neighborhood.reports.views import photo_url

URL = "/api/v1/reports"
CONTACT = {"email": "resident@example.org", "name": "Pat Resident", "phone": "+1 617 555 0100"}


def body(**overrides):
    data = {"category": "street_light_outage", "description": "The lamp at the corner is dark.",
            "lat": 42.3550, "lon": -71.0656, "address": "Tremont St & Boylston St",
            "contact": dict(CONTACT)}
    data.update(overrides)
    return data


def post_report(client, key=None, **overrides):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(URL, json=body(**overrides), headers=headers)


def report_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Report.id)))


def when(text):
    return datetime.fromisoformat(text)


def test_created_report_echoes_the_submitted_fields(client, dummy_category):
    resp = post_report(client)
    assert resp.status_code == 201, resp.json
    feature = resp.json
    props = feature["properties"]
    assert feature["type"] == "Feature"
    assert feature["id"] == props["id"]
    assert resp.headers["Location"].endswith(f"/api/v1/reports/{feature['id']}")
    assert "Idempotent-Replayed" not in resp.headers
    assert feature["geometry"] == {"type": "Point", "coordinates": [-71.0656, 42.3550]}
    assert props["category"] == "street_light_outage"
    assert props["category_name"] == "Street light outage"
    assert props["family"] == "lighting"
    assert props["description"] == "The lamp at the corner is dark."
    assert props["address"] == "Tremont St & Boylston St"
    assert props["status"] == "open"
    assert props["source"] == "app"
    assert props["closed_at"] is None and props["close_reason"] is None
    assert props["photos"] == []


@pytest.mark.parametrize("sla_days", [15, 2.5], ids=["whole-days", "fractional-days"])
def test_due_at_is_created_at_plus_the_category_sla(client, create_category, sla_days):
    create_category(sla_days=sla_days)
    props = post_report(client).json["properties"]
    assert when(props["due_at"]) - when(props["created_at"]) == timedelta(days=sla_days)
    assert when(props["created_at"]).utcoffset() == timedelta(0)


def test_due_at_is_null_without_an_sla(client, create_category):
    create_category(sla_days=None)
    assert post_report(client).json["properties"]["due_at"] is None


def test_h3_cells_are_those_of_the_point(client, dummy_category):
    props = post_report(client, lat=42.3601, lon=-71.0589).json["properties"]
    assert props["h3_r8"] == h3.latlng_to_cell(42.3601, -71.0589, 8)
    assert props["h3_r9"] == h3.latlng_to_cell(42.3601, -71.0589, 9)


def test_report_row_is_stored_with_its_private_contact(app, client, dummy_category):
    report_id = post_report(client).json["id"]
    with app.app_context():
        report = db.session.get(Report, report_id)
        assert report is not None
        assert (report.contact_email, report.contact_name, report.contact_phone) == (
            CONTACT["email"], CONTACT["name"], CONTACT["phone"])
        assert report.source == "app" and report.status == "open"
    assert report_count(app) == 1


def test_contact_never_appears_in_any_public_json(client, dummy_category):
    created = post_report(client)
    detail = client.get(f"{URL}/{created.json['id']}")
    listing = client.get(URL)
    assert detail.status_code == 200 and listing.status_code == 200
    assert len(listing.json["features"]) == 1
    for resp in (created, detail, listing):
        text = resp.get_data(as_text=True)
        for value in CONTACT.values():
            assert value not in text, (resp.request.path, value)
        assert "contact" not in text


def test_html_in_description_is_stored_and_returned_verbatim(app, client, dummy_category):
    html = '<script>alert("x")</script> <b>bold</b> & <img src=x onerror=alert(1)>'
    created = post_report(client, description=html)
    assert created.json["properties"]["description"] == html
    assert client.get(f"{URL}/{created.json['id']}").json["properties"]["description"] == html
    with app.app_context():
        assert db.session.get(Report, created.json["id"]).description == html


def test_sensitive_category_report_is_pending_and_hidden(app, client, create_category):
    create_category(code="unsanitary_food", name="Unsanitary food", family="problem_business",
                    sensitive=True)
    created = post_report(client, category="unsanitary_food")
    assert created.status_code == 201
    assert created.json["properties"]["status"] == "pending_review"
    detail = client.get(f"{URL}/{created.json['id']}")
    assert detail.status_code == 404
    assert detail.json["code"] == 404
    assert client.get(URL).json["features"] == []
    assert client.get(URL, query_string={"status": "pending_review"}).status_code == 200
    assert client.get(URL, query_string={"status": "pending_review"}).json["features"] == []
    with app.app_context():
        assert db.session.get(Report, created.json["id"]).status == "pending_review"


def test_point_in_back_bay_gets_the_back_bay_area(app, client, dummy_category, boston_areas):
    created = post_report(client, lat=42.3503, lon=-71.0810)
    assert created.status_code == 201, created.json
    with app.app_context():
        back_bay = db.session.scalar(select(Area.id).where(Area.kind == "neighborhood",
                                                           Area.name == "Back Bay"))
        assert back_bay is not None
        assert db.session.get(Report, created.json["id"]).neighborhood_id == back_bay


def test_neighborhood_is_null_without_areas(app, client, dummy_category):
    report_id = post_report(client, lat=42.3503, lon=-71.0810).json["id"]
    with app.app_context():
        assert db.session.get(Report, report_id).neighborhood_id is None


# --- Idempotency-Key -------------------------------------------------------------------------

def test_replay_with_the_same_key_returns_the_same_report(app, client, dummy_category):
    first = post_report(client, key="7f1c2a3b-0000-4000-8000-000000000001")
    again = post_report(client, key="7f1c2a3b-0000-4000-8000-000000000001")
    assert first.status_code == again.status_code == 201
    assert again.json["id"] == first.json["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert again.json == first.json
    assert report_count(app) == 1


def test_quoted_and_bare_keys_are_the_same_key(app, client, dummy_category):
    first = post_report(client, key='"abc"')
    again = post_report(client, key="abc")
    assert first.status_code == again.status_code == 201
    assert again.json["id"] == first.json["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert report_count(app) == 1
    with app.app_context():
        assert db.session.scalars(select(IdempotencyKey.key)).all() == ["abc"]


def test_different_keys_create_different_reports(app, client, dummy_category):
    assert post_report(client, key="one").json["id"] != post_report(client, key="two").json["id"]
    assert report_count(app) == 2


def test_same_key_with_another_body_is_refused(app, client, dummy_category):
    assert post_report(client, key="k-1").status_code == 201
    resp = post_report(client, key="k-1", description="Something else entirely.")
    assert resp.status_code == 422
    assert resp.json["code"] == 422
    assert "Idempotency-Key" in resp.json["errors"]["headers"]
    assert report_count(app) == 1


@pytest.mark.parametrize("key", ["", "   ", '""', "k" * 256, "clé-ünïcode", "tab\tkey"],
                         ids=["empty", "blank", "empty-quoted", "256-chars", "non-ascii",
                              "control-char"])
def test_invalid_idempotency_key_is_refused(app, client, dummy_category, key):
    resp = post_report(client, key=key)
    assert resp.status_code == 422, resp.json
    assert "Idempotency-Key" in resp.json["errors"]["headers"]
    assert report_count(app) == 0


def test_key_of_255_characters_is_accepted(client, dummy_category):
    assert post_report(client, key="k" * 255).status_code == 201


# --- report_submitted signal -----------------------------------------------------------------

def test_report_submitted_fires_once_per_created_report_not_on_replay(app, client,
                                                                     dummy_category):
    received = []

    def receiver(sender, report, **extra):
        received.append((sender, report.id))

    with report_submitted.connected_to(receiver, sender=app):
        first = post_report(client, key="signal-key")
        replay = post_report(client, key="signal-key")
        other = post_report(client)
        refused = post_report(client, lat=95)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert refused.status_code == 422
    assert received == [(app, first.json["id"]), (app, other.json["id"])]


def test_the_submitted_report_is_stored_as_given_with_nothing_left_to_load(app, dummy_category):
    """Intake INSERTs the report with Core and hands back an instance built from the same
    values: every column must be set on it (no lazy SELECT later) and match the stored row."""
    with app.app_context():
        report = submit_report(Submission(data=body())).report
        state = inspect(report)
        assert state.persistent and state.unloaded == set()
        given = {column.key: getattr(report, column.key) for column in Report.__table__.columns
                 if column.key != "location"}
        db.session.commit()
        db.session.expire_all()
        stored = db.session.get(Report, report.id)
        assert {key: getattr(stored, key) for key in given} == given


def test_the_answer_is_the_feature_schema_dump_of_the_stored_report(app, client,
                                                                    dummy_category):
    created = post_report(client, key="answer-shape")
    replayed = post_report(client, key="answer-shape")
    with app.test_request_context():
        stored = db.session.get(Report, created.json["id"])
        expected = ReportFeatureSchema().dump(report_feature(stored, photo_url))
    assert created.json == replayed.json == json.loads(json.dumps(expected))
    assert created.mimetype == "application/json"
