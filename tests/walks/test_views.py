"""The walks API (/api/v1/walks) and walk_id on report intake, per role, on both engines."""

import io
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from neighborhood.extensions import db
from neighborhood.reports.models import Report
from neighborhood.walks.models import MAX_POINTS_PER_REQUEST
from tests.walks.conftest import ROUTE, ms, points, walk_body

WALKS = "/api/v1/walks"
REPORTS = "/api/v1/reports"
ROLES = ("anonymous", "resident", "officer", "staff", "moderator", "admin")


@pytest.fixture
def accounts(create_account, create_department):
    """An account of every role (staff of PWD), by role; None for anonymous."""
    create_department()
    found = {role: create_account(role, department="PWD" if role == "staff" else None)
             for role in ROLES if role != "anonymous"}
    return {"anonymous": None, **found}


def headers_of(account) -> dict:
    return account.headers if account else {}


def put_walk(client, walk_uuid, body, account):
    return client.put(f"{WALKS}/{walk_uuid}", json=body, headers=headers_of(account))


def report_body(walk_uuid=None, **overrides) -> dict:
    body = {"category": "street_light_outage", "description": "Lamp out on the patrol.",
            "lat": 42.3560, "lon": -71.0643}
    if walk_uuid is not None:
        body["walk_id"] = walk_uuid
    return body | overrides


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


# --- the role matrix --------------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [
    ("anonymous", 401), ("resident", 403), ("officer", 201), ("staff", 403),
    ("moderator", 403), ("admin", 201),
])
def test_who_may_record_a_walk(client, accounts, walk_started_at, role, status):
    response = put_walk(client, uuid.uuid4(), walk_body(walk_started_at), accounts[role])
    assert response.status_code == status, response.json
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("role, status", [
    ("anonymous", 401), ("resident", 403), ("officer", 200), ("staff", 403),
    ("moderator", 200), ("admin", 200),
])
def test_who_may_list_walks(client, accounts, role, status):
    assert client.get(WALKS, headers=headers_of(accounts[role])).status_code == status


@pytest.mark.parametrize("role, status", [
    ("anonymous", 401), ("resident", 403), ("officer", 200), ("other officer", 403),
    ("staff", 403), ("moderator", 200), ("admin", 200),
])
def test_who_may_see_a_walk(client, accounts, create_account, create_walk, role, status):
    walk_uuid = create_walk(accounts["officer"])
    account = create_account("officer") if role == "other officer" else accounts[role]
    response = client.get(f"{WALKS}/{walk_uuid}", headers=headers_of(account))
    assert response.status_code == status, response.json


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_nobody_writes_another_officers_walk(client, accounts, create_account, create_walk,
                                             walk_started_at, role):
    walk_uuid = create_walk(accounts["officer"])
    intruder = create_account(role)
    response = put_walk(client, walk_uuid,
                        walk_body(walk_started_at, points(walk_started_at, first=10)), intruder)
    assert response.status_code == 403
    assert response.json["message"] == "This walk is another officer's."
    summary = client.get(f"{WALKS}/{walk_uuid}", headers=accounts["officer"].headers).json
    assert summary["point_count"] == len(ROUTE)


# --- uploads ----------------------------------------------------------------------------------

def test_retried_puts_create_one_walk(app, client, dummy_officer, walk_started_at):
    from neighborhood.walks.models import Walk

    walk_uuid = uuid.uuid4()
    body = walk_body(walk_started_at, points(walk_started_at),
                     ended_at=walk_started_at + timedelta(minutes=5))
    first = put_walk(client, walk_uuid, body, dummy_officer)
    assert first.status_code == 201
    assert first.json["uuid"] == str(walk_uuid)
    assert first.json["officer_id"] == dummy_officer.id
    assert first.json["point_count"] == len(ROUTE) and first.json["distance_m"] > 0
    for _ in range(2):
        again = put_walk(client, walk_uuid, body, dummy_officer)
        assert again.status_code == 200
        assert again.json == first.json
    assert count(app, Walk) == 1


def test_out_of_order_partial_uploads_merge(client, dummy_officer, walk_started_at):
    walk_uuid = uuid.uuid4()
    whole = points(walk_started_at)
    ended = walk_started_at + timedelta(minutes=5)
    assert put_walk(client, walk_uuid, walk_body(walk_started_at, whole[3:], ended),
                    dummy_officer).status_code == 201
    assert put_walk(client, walk_uuid, walk_body(walk_started_at, whole[:4]),
                    dummy_officer).status_code == 200
    summary = client.get(f"{WALKS}/{walk_uuid}", headers=dummy_officer.headers).json
    assert summary["track"] == {"type": "LineString",
                                "coordinates": [[lon, lat] for lon, lat in ROUTE]}
    assert summary["point_count"] == len(ROUTE)
    assert summary["ended_at"] is not None and summary["duration_s"] == 300


def test_changing_ended_at_is_a_conflict_naming_the_field(client, dummy_officer,
                                                          walk_started_at):
    walk_uuid = uuid.uuid4()
    ended = walk_started_at + timedelta(minutes=5)
    put_walk(client, walk_uuid, walk_body(walk_started_at, ended_at=ended), dummy_officer)
    response = put_walk(client, walk_uuid,
                        walk_body(walk_started_at, points(walk_started_at),
                                  ended_at=ended + timedelta(minutes=1)), dummy_officer)
    assert response.status_code == 409
    assert list(response.json["errors"]["json"]) == ["ended_at"]
    summary = client.get(f"{WALKS}/{walk_uuid}", headers=dummy_officer.headers).json
    assert summary["point_count"] == 0  # nothing of the refused upload was stored


@pytest.mark.parametrize("change, where", [
    (lambda b: b["track"][1].update(lat=91), ("track", "1", "lat")),
    (lambda b: b["track"][0].update(lon=-180.5), ("track", "0", "lon")),
    (lambda b: b["track"][2].update(at="soon"), ("track", "2", "at")),
    (lambda b: b["track"][3].pop("at"), ("track", "3", "at")),
    (lambda b: b["track"][4].update(accuracy=5), ("track", "4", "accuracy")),
    (lambda b: b["track"][4].update(at=b["track"][4]["at"] + 2 * 86_400_000),
     ("track", "4", "at")),
    (lambda b: b.update(track="0,0"), ("track",)),
    (lambda b: b.pop("started_at"), ("started_at",)),
    (lambda b: b.update(started_at="yesterday"), ("started_at",)),
    (lambda b: b.update(ended_at="2001-01-01T00:00:00Z"), ("ended_at",)),
    (lambda b: b.update(colour="blue"), ("colour",)),
], ids=["lat", "lon", "at", "no at", "unknown point field", "at after the walk",
        "track not a list", "no started_at", "started_at not a date", "ended before start",
        "unknown field"])
def test_invalid_uploads_get_422_naming_the_field(client, dummy_officer, walk_started_at,
                                                  change, where):
    body = walk_body(walk_started_at, points(walk_started_at))
    change(body)
    response = put_walk(client, uuid.uuid4(), body, dummy_officer)
    assert response.status_code == 422, response.json
    errors = response.json["errors"]["json"]
    for key in where:
        assert list(errors) == [key]
        errors = errors[key]
    assert errors and all(isinstance(m, str) for m in errors)


def test_too_many_points_in_one_request_get_422(client, dummy_officer, walk_started_at):
    start = ms(walk_started_at)
    track = [{"lat": 42.355, "lon": -71.0656, "at": start + i * 100}
             for i in range(MAX_POINTS_PER_REQUEST + 1)]
    response = put_walk(client, uuid.uuid4(), walk_body(walk_started_at, track), dummy_officer)
    assert response.status_code == 422
    assert list(response.json["errors"]["json"]) == ["track"]
    assert "20000" in response.json["errors"]["json"]["track"][0]


def test_a_body_that_is_not_json_is_a_400_and_never_a_500(client, dummy_officer):
    response = client.put(f"{WALKS}/{uuid.uuid4()}", data="{not json",
                          content_type="application/json", headers=dummy_officer.headers)
    assert response.status_code == 400


def test_unknown_and_malformed_walk_ids_are_404(client, dummy_officer, walk_started_at):
    assert client.get(f"{WALKS}/{uuid.uuid4()}", headers=dummy_officer.headers) \
        .status_code == 404
    assert client.get(f"{WALKS}/not-a-uuid", headers=dummy_officer.headers).status_code == 404
    assert put_walk(client, "not-a-uuid", walk_body(walk_started_at),
                    dummy_officer).status_code == 404


def test_supervisors_filter_the_list_by_officer(client, accounts, create_account, create_walk):
    other = create_account("officer")
    mine, theirs = create_walk(accounts["officer"]), create_walk(other)
    listed = client.get(f"{WALKS}?officer_id={other.id}", headers=accounts["admin"].headers)
    assert [w["uuid"] for w in listed.json] == [theirs]
    own = client.get(WALKS, headers=accounts["officer"].headers).json
    assert [w["uuid"] for w in own] == [mine]
    assert client.get(f"{WALKS}?officer_id={other.id}",
                      headers=accounts["officer"].headers).status_code == 403
    assert client.get(f"{WALKS}?officer_id=0",
                      headers=accounts["admin"].headers).status_code == 422


# --- walk_id on report intake -----------------------------------------------------------------

def test_reports_tagged_with_the_walk_appear_in_its_summary(client, dummy_category,
                                                            dummy_officer, walk_started_at):
    walk_uuid = str(uuid.uuid4())
    # Offline: the reports reach the server before the walk does, one of them as a form.
    as_json = client.post(REPORTS, json=report_body(walk_uuid.upper()),
                          headers=dummy_officer.headers)
    assert as_json.status_code == 201, as_json.json
    as_form = client.post(REPORTS, headers=dummy_officer.headers,
                          content_type="multipart/form-data",
                          data={**report_body(walk_uuid, lat="42.3570", lon="-71.0630"),
                                "photos": []})
    assert as_form.status_code == 201, as_form.json
    untagged = client.post(REPORTS, json=report_body(), headers=dummy_officer.headers)
    assert "walk_id" not in as_json.json["properties"]  # never public
    put_walk(client, walk_uuid, walk_body(walk_started_at, points(walk_started_at)),
             dummy_officer)
    summary = client.get(f"{WALKS}/{walk_uuid}", headers=dummy_officer.headers).json
    assert [r["id"] for r in summary["reports"]] == [as_json.json["id"], as_form.json["id"]]
    assert untagged.json["id"] not in [r["id"] for r in summary["reports"]]
    assert summary["report_count"] == 2
    first = summary["reports"][0]
    assert first["type"] == "Feature"
    assert first["geometry"] == {"type": "Point", "coordinates": [-71.0643, 42.356]}
    assert first["properties"]["category"] == "street_light_outage"
    assert first["properties"]["status"] == "open"


@pytest.mark.parametrize("role, status", [
    ("anonymous", 422), ("resident", 422), ("officer", 201), ("staff", 422),
    ("moderator", 422), ("admin", 201),
])
def test_only_officers_and_admins_tag_a_report_with_a_walk(app, client, accounts,
                                                           dummy_category, role, status):
    response = client.post(REPORTS, json=report_body(str(uuid.uuid4())),
                           headers=headers_of(accounts[role]))
    assert response.status_code == status, response.json
    if status == 422:
        assert response.json["errors"] == {
            "json": {"walk_id": ["Only officers and admins record walks."]}}
        assert count(app, Report) == 0


def test_a_resident_cannot_tag_a_report_sent_as_a_form_either(app, client, accounts,
                                                              dummy_category):
    response = client.post(REPORTS, headers=accounts["resident"].headers,
                           content_type="multipart/form-data",
                           data={**report_body(str(uuid.uuid4()), lat="42.356",
                                               lon="-71.0643"),
                                 "photos": (io.BytesIO(b""), "")})
    assert response.status_code == 422
    assert list(response.json["errors"]["form"]) == ["walk_id"]
    assert count(app, Report) == 0


def test_an_empty_walk_id_form_field_counts_as_none(client, accounts, dummy_category):
    response = client.post(REPORTS, headers=accounts["resident"].headers,
                           content_type="multipart/form-data",
                           data=report_body("", lat="42.356", lon="-71.0643"))
    assert response.status_code == 201, response.json


def test_a_walk_id_that_is_not_a_uuid_gets_422(client, dummy_officer, dummy_category):
    response = client.post(REPORTS, json=report_body("walk-1"), headers=dummy_officer.headers)
    assert response.status_code == 422
    assert list(response.json["errors"]["json"]) == ["walk_id"]
