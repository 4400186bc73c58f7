"""GeoReport v2 over HTTP, on both engines: every resource, both formats, the spec's errors."""

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select, update

from neighborhood.extensions import db
from neighborhood.open311.models import ApiKey
from neighborhood.reports.models import Follower, Report
from neighborhood.workflow.models import StatusChange

BASE = "/open311/v2"
XML = "text/xml; charset=utf-8"
JSON = "application/json; charset=utf-8"


def post(client, form, fmt="json", **headers):
    return client.post(f"{BASE}/requests.{fmt}", data=form, headers=headers)


def created_id(response) -> int:
    assert response.status_code == 201, response.data
    return int(response.json[0]["service_request_id"])


def submit_json(client, body, **changes) -> int:
    body = {**body, **changes}
    if body["category"] == "street_light_outage":  # its state question is required here
        body["attributes"] = {"light_state": "dark"}
    response = client.post("/api/v1/reports", json=body)
    assert response.status_code == 201, response.json
    return response.json["id"]


def errors(response) -> list[str]:
    """Return the error descriptions of a response in either format."""
    if response.content_type == JSON:
        return [e["description"] for e in response.json]
    root = ET.fromstring(response.data)
    assert root.tag == "errors"
    return [e.findtext("description") for e in root.findall("error")]


def set_created(app, report_id, when):
    with app.app_context():
        db.session.execute(update(Report).where(Report.id == report_id)
                           .values(created_at=when, updated_at=when))
        db.session.execute(update(StatusChange).where(StatusChange.report_id == report_id)
                           .values(at=when))
        db.session.commit()


# --- discovery and services ------------------------------------------------------------------

@pytest.mark.parametrize("fmt, content_type", [("xml", XML), ("json", JSON)])
def test_discovery_names_the_endpoint_its_formats_and_how_to_get_a_key(client, open311_city,
                                                                       fmt, content_type):
    response = client.get(f"{BASE}/discovery.{fmt}")
    assert response.status_code == 200
    assert response.content_type == content_type
    if fmt == "xml":
        assert response.data.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
        root = ET.fromstring(response.data)
        endpoint = root.find("endpoints/endpoint")
        assert endpoint.findtext("url") == "http://neighborhood.test/open311/v2"  # BASE_URL
        assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml",
                                                                       "application/json"]
        assert root.findtext("key_service")
    else:
        body = response.json
        assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
        assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert body["endpoints"][0]["type"] == "production"


def test_absolute_urls_use_base_url_not_the_host_header(client, open311_city):
    response = client.get(f"{BASE}/discovery.json", headers={"Host": "evil.example"})
    assert response.json["endpoints"][0]["url"] == "http://neighborhood.test/open311/v2"


def test_discovery_changeset_moves_when_a_service_changes(app, client, open311_city):
    before = client.get(f"{BASE}/discovery.json").json["changeset"]
    from neighborhood.reports.models import Category
    with app.app_context():
        sign = db.session.scalar(select(Category).where(Category.code == "sign_repair"))
        sign.updated_at = datetime.now(UTC) + timedelta(days=1)  # clearly later
        db.session.commit()
    assert client.get(f"{BASE}/discovery.json").json["changeset"] > before


def test_services_list_every_category_with_metadata_and_type(client, open311_city):
    response = client.get(f"{BASE}/services.json")
    by_code = {s["service_code"]: s for s in response.json}
    assert set(by_code) == {"street_light_outage", "sign_repair", "unsanitary_food"}
    assert by_code["street_light_outage"]["metadata"] is True
    assert by_code["sign_repair"]["metadata"] is False
    assert by_code["street_light_outage"]["type"] == "realtime"
    assert by_code["unsanitary_food"]["type"] == "batch"  # held for a moderator
    assert by_code["street_light_outage"]["group"] == "Street lighting"
    xml = ET.fromstring(client.get(f"{BASE}/services.xml").data)
    assert sorted(s.findtext("service_code") for s in xml.findall("service")) == sorted(by_code)


def test_a_service_definition_lists_its_questions(client, open311_city):
    body = client.get(f"{BASE}/services/street_light_outage.json").json
    assert body["service_code"] == "street_light_outage"
    assert [a["code"] for a in body["attributes"]] == ["pole_number", "light_state"]
    state = body["attributes"][1]
    assert state["required"] is True and state["variable"] is True
    assert state["values"] == [{"key": "dark", "name": "Dark"},
                               {"key": "flickering", "name": "Flickering"}]
    xml = ET.fromstring(client.get(f"{BASE}/services/street_light_outage.xml").data)
    assert xml.findtext("attributes/attribute[2]/values/value/key") == "dark"


@pytest.mark.parametrize("code", ["sign_repair", "no_such_service"])
def test_a_definition_of_a_service_without_questions_or_unknown_is_404(client, open311_city,
                                                                       code):
    response = client.get(f"{BASE}/services/{code}.xml")
    assert response.status_code == 404
    assert response.content_type == XML
    assert errors(response)


# --- POST /requests --------------------------------------------------------------------------

def test_a_form_post_makes_an_ordinary_routed_followed_report(app, client, open311_city,
                                                              light_form):
    response = post(client, light_form)
    report_id = created_id(response)
    assert response.json[0]["service_request_id"] == str(report_id)
    assert "token" not in response.json[0]
    with app.app_context():
        report = db.session.get(Report, report_id)
        key = db.session.scalar(select(ApiKey))
        assert report.source == "open311"
        assert report.api_key_id == key.id and key.last_used_at is not None
        assert report.department_id == open311_city["PWD"]
        assert report.status == "open"
        assert report.answers == {"pole_number": "C-1234", "light_state": "dark"}
        assert (report.contact_email, report.contact_name) == ("resident@example.org",
                                                              "Pat Resident")
        follower = db.session.scalar(select(Follower).where(Follower.report_id == report_id))
        assert follower.email == "resident@example.org" and follower.is_reporter
    # It is on the map like any report.
    listed = client.get("/api/v1/reports").json["features"]
    assert [f["id"] for f in listed] == [report_id]


def test_a_post_answers_in_xml_when_asked(client, open311_city, light_form):
    response = post(client, light_form, fmt="xml")
    assert response.status_code == 201 and response.content_type == XML
    root = ET.fromstring(response.data)
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id").isdigit()


@pytest.mark.parametrize("change, status, message", [
    ({"api_key": None}, 403, "api_key is required"),
    ({"api_key": "o311_not-a-key"}, 403, "Invalid api_key"),
    ({"service_code": None}, 400, "service_code is required"),
    ({"service_code": "no_such_service"}, 404, "No service"),
    ({"long": None}, 400, "long: lat and long must be sent together"),
    ({"lat": "north"}, 400, "lat: lat and long must be numbers"),
    ({"lat": "40.0", "long": "-71.0"}, 400, "outside Boston"),
    ({"attribute[light_state]": None}, 400, "attribute[light_state]: An answer is required"),
    ({"attribute[light_state]": "purple"}, 400, "attribute[light_state]: Unknown value"),
    ({"attribute[colour]": "red"}, 400, "attribute[colour]: Not a question"),
    ({"email": "not-an-address"}, 400, "email: Not a valid email"),
    ({"description": "x" * 4001}, 400, "description: Length must be between 1 and 4000"),
])
def test_bad_posts_get_the_spec_error_codes_and_store_nothing(app, client, open311_city,
                                                              light_form, change, status,
                                                              message):
    form = {k: v for k, v in {**light_form, **change}.items() if v is not None}
    for fmt in ("json", "xml"):
        response = post(client, form, fmt=fmt)
        assert response.status_code == status, response.data
        assert response.content_type == (JSON if fmt == "json" else XML)
        assert any(message in e for e in errors(response)), errors(response)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Report.id))) == 0


def test_the_api_key_may_also_come_in_the_query_string(client, open311_city, light_form):
    key = light_form.pop("api_key")
    response = client.post(f"{BASE}/requests.json?api_key={key}", data=light_form)
    assert response.status_code == 201, response.data


def test_a_revoked_key_is_refused(app, client, open311_city, light_form, runner):
    assert runner.invoke(args=["open311", "revoke-key", "Test CRM"]).exit_code == 0
    response = post(client, light_form)
    assert response.status_code == 403
    assert errors(response) == ["Invalid api_key."]


def test_a_json_body_is_refused_with_400(client, open311_city, light_form):
    response = client.post(f"{BASE}/requests.json", json=light_form)
    assert response.status_code == 400
    assert "x-www-form-urlencoded" in errors(response)[0]


def test_address_string_alone_is_placed_from_the_citys_own_records(app, client, open311_city,
                                                                  light_form,
                                                                  dummy_report_body):
    earlier = submit_json(client, dummy_report_body, address="1 City Hall Sq",
                          lat=42.3603, lon=-71.0580)
    form = {k: v for k, v in light_form.items() if k not in ("lat", "long")}
    form["address_string"] = "  1 city hall SQ "
    report_id = created_id(post(client, form))
    record = client.get(f"{BASE}/requests/{report_id}.json").json[0]
    assert (record["lat"], record["long"]) == (42.3603, -71.058)
    assert earlier != report_id


def test_an_unknown_address_or_an_address_id_asks_for_coordinates(client, open311_city,
                                                                 light_form):
    form = {k: v for k, v in light_form.items() if k not in ("lat", "long")}
    response = post(client, {**form, "address_string": "99 Nowhere Lane"})
    assert response.status_code == 400 and "send lat and long" in errors(response)[0]
    form.pop("address_string")
    response = post(client, {**form, "address_id": "352998"})
    assert response.status_code == 400 and "address_id" in errors(response)[0]


def test_media_url_is_not_fetched_and_the_notice_says_so(client, open311_city, light_form):
    response = post(client, {**light_form, "media_url": "http://example.com/photo.jpg"})
    assert response.status_code == 201
    assert "not fetched" in response.json[0]["service_notice"]


def test_a_retry_with_the_same_idempotency_key_makes_one_report(app, client, open311_city,
                                                                light_form):
    first = created_id(post(client, light_form, **{"Idempotency-Key": "crm-42"}))
    again = created_id(post(client, light_form, **{"Idempotency-Key": "crm-42"}))
    assert first == again
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Report.id))) == 1


def test_posts_over_the_rate_limit_get_429_with_retry_after(app, client, open311_city,
                                                            light_form):
    app.config["OPEN311_POST_RATE_LIMIT"] = "2 per minute"
    codes = [post(client, {**light_form, "description": f"lamp {i}"}).status_code
             for i in range(3)]
    assert codes == [201, 201, 429]
    limited = post(client, light_form, fmt="xml")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert ET.fromstring(limited.data).findtext("error/code") == "429"


# --- batch services: a token until a moderator publishes -------------------------------------

def test_a_sensitive_service_returns_a_token_that_resolves_once_published(
        app, client, open311_city, api_key, create_account):
    form = {"api_key": api_key, "service_code": "unsanitary_food", "lat": "42.3550",
            "long": "-71.0656", "description": "Kitchen door open onto the alley.",
            "address_string": "12 Tremont St"}
    response = post(client, form)
    assert response.status_code == 201
    token = response.json[0]["token"]
    assert "service_request_id" not in response.json[0]

    pending = client.get(f"{BASE}/tokens/{token}.json").json
    assert pending == [{"service_request_id": None, "token": token}]
    with app.app_context():
        report_id = db.session.scalar(select(Report.id))
    assert client.get(f"{BASE}/requests/{report_id}.json").status_code == 404
    assert client.get(f"{BASE}/requests.json").json == []

    moderator = create_account("moderator")
    published = client.post(f"/api/v1/reports/{report_id}/transitions",
                            json={"to": "open"}, headers=moderator.headers)
    assert published.status_code == 201, published.json
    assert client.get(f"{BASE}/tokens/{token}.json").json == [
        {"service_request_id": str(report_id), "token": token}]
    record = client.get(f"{BASE}/requests/{report_id}.json").json[0]
    # Generalized: rounded to 3 decimals, no address (it would name the business).
    assert (record["lat"], record["long"], record["address"]) == (42.355, -71.066, None)
    xml = ET.fromstring(client.get(f"{BASE}/tokens/{token}.xml").data)
    assert xml.findtext("request/service_request_id") == str(report_id)


def test_an_unknown_token_is_404(client, open311_city):
    response = client.get(f"{BASE}/tokens/nope.xml")
    assert response.status_code == 404 and errors(response) == ["No token 'nope'."]


# --- GET /requests ---------------------------------------------------------------------------

def test_a_request_record_maps_our_report_without_private_data(app, client, open311_city,
                                                               light_form, create_account):
    report_id = created_id(post(client, light_form))
    staff = create_account("staff", department="PWD")
    for to, note in (("acknowledged", "Crew scheduled."), ("in_progress", None)):
        assert client.post(f"/api/v1/reports/{report_id}/transitions",
                           json={"to": to, **({"note": note} if note else {})},
                           headers=staff.headers).status_code == 201
    response = client.get(f"{BASE}/requests/{report_id}.json")
    assert response.content_type == JSON
    [record] = response.json
    assert record["service_request_id"] == str(report_id)
    assert record["status"] == "open"
    assert record["status_notes"] == "Crew scheduled."  # the latest public note
    assert record["agency_responsible"] == "Public Works"
    assert record["service_code"] == "street_light_outage"
    assert record["service_name"] == "Street light outage"
    assert (record["lat"], record["long"]) == (42.355, -71.0656)
    assert record["address"] == "Tremont St & Boylston St"
    with app.app_context():
        report = db.session.get(Report, report_id)
        last_step = db.session.scalar(select(db.func.max(StatusChange.at))
                                      .where(StatusChange.report_id == report_id))
        assert datetime.fromisoformat(record["expected_datetime"]) == \
            report.due_at.replace(microsecond=0)
        assert datetime.fromisoformat(record["requested_datetime"]) == \
            report.created_at.replace(microsecond=0)
        assert datetime.fromisoformat(record["updated_datetime"]) == \
            last_step.replace(microsecond=0)
    body = response.get_data(as_text=True)
    for private in ("resident@example.org", "Pat", "555 0100", light_form["api_key"]):
        assert private not in body
    xml = ET.fromstring(client.get(f"{BASE}/requests/{report_id}.xml").data)
    assert xml.findtext("request/status") == "open"
    assert xml.findtext("request/agency_responsible") == "Public Works"


def test_a_resolved_report_is_closed_with_its_photo_as_media_url(client, open311_city,
                                                                 dummy_report_body,
                                                                 create_account):
    import io

    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 200, 0)).save(out, "JPEG")
    response = client.post("/api/v1/reports", data={
        **{k: v for k, v in dummy_report_body.items() if k != "contact"},
        "attributes.light_state": "dark", "photos": (io.BytesIO(out.getvalue()), "lamp.jpg")},
        content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    report_id = response.json["id"]
    photo_path = response.json["properties"]["photos"][0]["url"]
    staff = create_account("staff", department="PWD")
    assert client.post(f"/api/v1/reports/{report_id}/transitions",
                       json={"to": "resolved", "note": "New lamp fitted."},
                       headers=staff.headers).status_code == 201
    [record] = client.get(f"{BASE}/requests/{report_id}.json").json
    assert record["status"] == "closed" and record["status_notes"] == "New lamp fitted."
    assert record["media_url"] == f"http://neighborhood.test{photo_path}"  # BASE_URL
    with client.get(record["media_url"]) as photo:
        assert photo.status_code == 200 and photo.mimetype == "image/jpeg"


def test_service_request_id_overrides_every_other_filter(app, client, open311_city,
                                                         dummy_report_body):
    old = submit_json(client, dummy_report_body)
    new = submit_json(client, dummy_report_body)
    set_created(app, old, datetime(2015, 3, 1, tzinfo=UTC))
    response = client.get(f"{BASE}/requests.json",
                          query_string={"service_request_id": f"{old},{new},999999",
                                        "status": "closed", "service_code": "sign_repair"})
    assert [r["service_request_id"] for r in response.json] == [str(new), str(old)]


def test_requests_default_to_the_last_90_days(app, client, open311_city, dummy_report_body):
    recent = submit_json(client, dummy_report_body)
    old = submit_json(client, dummy_report_body)
    set_created(app, old, datetime.now(UTC) - timedelta(days=91))
    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json] == [
        str(recent)]


def test_requests_filter_by_dates_service_codes_and_status(app, client, open311_city,
                                                           dummy_report_body, create_account):
    light = submit_json(client, dummy_report_body)
    sign = submit_json(client, dummy_report_body, category="sign_repair")
    late = submit_json(client, dummy_report_body)
    set_created(app, light, datetime(2015, 6, 2, 12, tzinfo=UTC))
    set_created(app, sign, datetime(2015, 6, 3, 12, tzinfo=UTC))
    set_created(app, late, datetime(2015, 9, 15, tzinfo=UTC))
    staff = create_account("staff", department="PWD")
    assert client.post(f"/api/v1/reports/{light}/transitions", json={"to": "resolved", "note": "Fixed."},
                       headers=staff.headers).status_code == 201
    june = {"start_date": "2015-06-01T00:00:00-04:00", "end_date": "2015-06-30T00:00:00Z"}

    def ids(**params):
        response = client.get(f"{BASE}/requests.json", query_string={**june, **params})
        assert response.status_code == 200, response.json
        return [int(r["service_request_id"]) for r in response.json]

    assert ids() == [sign, light]  # newest first
    assert ids(service_code="street_light_outage") == [light]
    assert ids(service_code="street_light_outage,sign_repair") == [sign, light]
    assert ids(status="closed") == [light]
    assert ids(status="open") == [sign]
    assert ids(status="open,closed") == [sign, light]
    assert ids(status="", service_code="") == [sign, light]  # empty means absent
    assert ids(start_date="2015-09-01", end_date="") == [late]  # 90 days from the start


@pytest.mark.parametrize("params, message", [
    ({"start_date": "2015-01-01", "end_date": "2015-06-01"}, "at most 90 days"),
    ({"start_date": "2015-06-01", "end_date": "2015-05-01"}, "end_date must not be before"),
    ({"start_date": "June"}, "start_date must be a W3C date-time"),
    ({"status": "pending"}, "status must be open or closed"),
    ({"service_request_id": "12,abc"}, "service_request_id must be a comma-separated list"),
    ({"service_request_id": "\u00b2"}, "service_request_id must be a comma-separated list"),
])
def test_bad_request_filters_get_400_in_the_spec_format(client, open311_city, params, message):
    for fmt in ("json", "xml"):
        response = client.get(f"{BASE}/requests.{fmt}", query_string=params)
        assert response.status_code == 400
        assert any(message in e for e in errors(response)), errors(response)


def test_requests_are_capped_at_1000(app, client, open311_city):
    from neighborhood.reports.models import Category
    from neighborhood.reports.services import h3_cells
    from neighborhood.core.spatial import point_element

    now = datetime.now(UTC)
    r8, r9 = h3_cells(-71.0656, 42.355)
    with app.app_context():
        category_id = db.session.scalar(select(Category.id)
                                        .where(Category.code == "sign_repair"))
        db.session.execute(db.insert(Report), [
            {"category_id": category_id, "description": f"sign {i}", "status": "open",
             "source": "import", "location": point_element(-71.0656, 42.355),
             "created_at": now - timedelta(minutes=i), "updated_at": now,
             "h3_r8": r8, "h3_r9": r9} for i in range(1001)])
        db.session.commit()
    records = client.get(f"{BASE}/requests.json").json
    assert len(records) == 1000
    assert records[0]["description"] == "sign 0"  # the newest first


def test_hidden_and_pending_reports_never_appear(app, client, open311_city, dummy_report_body,
                                                create_account):
    pending = submit_json(client, dummy_report_body, category="unsanitary_food")
    visible = submit_json(client, dummy_report_body)
    listed = client.get(f"{BASE}/requests.json").json
    assert [r["service_request_id"] for r in listed] == [str(visible)]
    by_id = client.get(f"{BASE}/requests.json",
                       query_string={"service_request_id": f"{pending},{visible}"}).json
    assert [r["service_request_id"] for r in by_id] == [str(visible)]
    assert client.get(f"{BASE}/requests/{pending}.xml").status_code == 404
    updates = client.get(f"{BASE}/servicerequestupdates.json",
                         query_string={"service_request_id": f"{pending},{visible}"}).json
    assert {u["service_request_id"] for u in updates} == {str(visible)}


@pytest.mark.parametrize("path", ["/requests/abc.json", "/requests/99999999999.json",
                                  "/requests/1.json", "/requests/\u00b2.json"])
def test_an_unknown_request_is_404(client, open311_city, path):
    response = client.get(BASE + path)
    assert response.status_code == 404 and errors(response)


# --- servicerequestupdates (the mySociety extension) -----------------------------------------

def test_updates_follow_a_requests_whole_timeline(app, client, open311_city, light_form,
                                                  create_account):
    report_id = created_id(post(client, light_form))
    staff = create_account("staff", department="PWD")
    neighbour = create_account("resident")
    for to, extra in (("acknowledged", {}), ("in_progress", {"note": "Crew on site."}),
                      ("resolved", {"note": "Lamp replaced."})):
        assert client.post(f"/api/v1/reports/{report_id}/transitions",
                           json={"to": to, **extra}, headers=staff.headers).status_code == 201
    assert client.post(f"/api/v1/reports/{report_id}/transitions",
                       json={"to": "open", "note": "Still dark."},
                       headers=neighbour.headers).status_code == 201
    response = client.get(f"{BASE}/servicerequestupdates.json",
                          query_string={"service_request_id": str(report_id)})
    updates = response.json
    assert [u["status"] for u in updates] == ["OPEN", "INVESTIGATING", "IN_PROGRESS", "FIXED",
                                              "REOPEN"]
    assert [u["description"] for u in updates] == [None, None, "Crew on site.",
                                                   "Lamp replaced.", "Still dark."]
    assert all(u["service_request_id"] == str(report_id) for u in updates)
    assert len({u["update_id"] for u in updates}) == 5
    xml = ET.fromstring(client.get(f"{BASE}/servicerequestupdates.xml",
                                   query_string={"service_request_id": str(report_id)}).data)
    assert xml.tag == "service_request_updates"
    assert [u.findtext("status") for u in xml.findall("request_update")][-1] == "REOPEN"


def test_updates_filter_by_the_time_of_the_step(app, client, open311_city, dummy_report_body):
    old = submit_json(client, dummy_report_body)
    new = submit_json(client, dummy_report_body)
    set_created(app, old, datetime(2015, 6, 2, tzinfo=UTC))
    response = client.get(f"{BASE}/servicerequestupdates.json", query_string={
        "start_date": "2015-06-01T00:00:00Z", "end_date": "2015-06-03T00:00:00Z"})
    assert [u["service_request_id"] for u in response.json] == [str(old)]
    recent = client.get(f"{BASE}/servicerequestupdates.json").json  # the last 90 days
    assert [u["service_request_id"] for u in recent] == [str(new)]


# --- jurisdiction and unknown paths ----------------------------------------------------------

def test_a_configured_jurisdiction_is_checked_when_given(app, client, open311_city, light_form):
    app.config["OPEN311_JURISDICTION"] = "boston.gov"
    assert client.get(f"{BASE}/services.json?jurisdiction_id=boston.gov").status_code == 200
    assert client.get(f"{BASE}/services.json").status_code == 200  # one jurisdiction: optional
    wrong = client.get(f"{BASE}/services.xml?jurisdiction_id=sfgov.org")
    assert wrong.status_code == 404 and "sfgov.org" in errors(wrong)[0]
    refused = post(client, {**light_form, "jurisdiction_id": "sfgov.org"})
    assert refused.status_code == 404
    assert created_id(post(client, {**light_form, "jurisdiction_id": "boston.gov"}))


@pytest.mark.parametrize("path, content_type", [("/nothing.json", JSON), ("/nothing", XML),
                                                ("/services.csv", XML), ("/", XML)])
def test_unknown_paths_get_a_404_in_the_spec_format(client, path, content_type):
    response = client.get(BASE + path)
    assert response.status_code == 404 and response.content_type == content_type
    assert errors(response)


def test_a_wrong_method_gets_400_in_the_spec_format(client):
    response = client.delete(f"{BASE}/services.json")
    assert response.status_code == 400
    assert errors(response)
