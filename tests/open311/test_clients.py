"""Proof with clients we did not write, against a live server process on both engines:
the `georeport` client from PyPI (JSON and XML modes), plain form-encoded POSTs as the spec
shows them, and every JSON answer checked against JSON Schemas written from the spec."""

import json
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest
import requests
from georeport import GeoReport
from jsonschema import Draft202012Validator

from tests.fixtures.live_server import LiveServer

SCHEMAS = Path(__file__).parent / "schemas"
JURISDICTION = "boston.gov"


def check(schema: str, document) -> None:
    """Validate a JSON document against one of our GeoReport v2 schemas."""
    validator = Draft202012Validator(json.loads((SCHEMAS / schema).read_text()))
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert not problems, problems


@pytest.fixture
def city_with_reports(app, client, open311_city, dummy_report_body, create_account):
    """Three public reports (one resolved with a note and a photo-free timeline), one pending."""
    staff = create_account("staff", department="PWD")
    ids = []
    for address in ("1 Tremont St", "2 Tremont St", "3 Tremont St"):
        response = client.post("/api/v1/reports", json={
            **dummy_report_body, "address": address, "attributes": {"light_state": "dark"}})
        assert response.status_code == 201
        ids.append(response.json["id"])
    assert client.post(f"/api/v1/reports/{ids[0]}/transitions",
                       json={"to": "resolved", "note": "Lamp replaced."},
                       headers=staff.headers).status_code == 201
    pending = client.post("/api/v1/reports", json={**dummy_report_body,
                                                   "category": "unsanitary_food"})
    assert pending.json["properties"]["status"] == "pending_review"
    return {"ids": ids, "pending": pending.json["id"]}


@pytest.fixture
def live(app, database_url, city_with_reports):
    """The app in its own process on the test database, serving one jurisdiction."""
    server = LiveServer(database_url, app.config["UPLOAD_DIR"],
                        OPEN311_JURISDICTION=JURISDICTION)
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_the_georeport_client_lists_services_and_reads_definitions(live, output_format):
    client = GeoReport(f"{live.url}/open311/v2", jurisdiction=JURISDICTION,
                       output_format=output_format)
    services = client.get_service_list()
    codes = sorted(s["service_code"] for s in services)
    assert codes == ["sign_repair", "street_light_outage", "unsanitary_food"]
    light = next(s for s in services if s["service_code"] == "street_light_outage")
    # JSON keeps types; XML gives text, as the spec's XML does.
    assert light["metadata"] in (True, "true")
    definition = client.get_service_definition("street_light_outage")
    attributes = definition["attributes"]
    if output_format == "xml":
        attributes = attributes["attribute"]
    assert [a["code"] for a in attributes] == ["pole_number", "light_state"]


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_the_georeport_client_lists_and_fetches_requests(live, city_with_reports,
                                                         output_format):
    client = GeoReport(f"{live.url}/open311/v2", jurisdiction=JURISDICTION,
                       output_format=output_format)
    ids = [str(i) for i in city_with_reports["ids"]]
    listed = client.get_service_requests()
    assert sorted(r["service_request_id"] for r in listed) == sorted(ids)
    assert str(city_with_reports["pending"]) not in {r["service_request_id"] for r in listed}
    closed = client.get_service_requests(status="closed")
    # xmltodict gives a single <request> as a dict, several as a list.
    closed = [closed] if isinstance(closed, dict) else closed
    assert [r["service_request_id"] for r in closed] == [ids[0]]
    assert closed[0]["status_notes"] == "Lamp replaced."
    some = client.get_service_requests(service_request_id=f"{ids[1]},{ids[2]}",
                                       status="closed")  # ids override the status filter
    assert sorted(r["service_request_id"] for r in some) == sorted(ids[1:])
    one = client.get_service_request(ids[2])
    assert one["service_request_id"] == ids[2]
    assert one["status"] == "open"
    assert one["agency_responsible"] == "Public Works"
    assert float(one["lat"]) == 42.355 and float(one["long"]) == -71.0656


def test_the_georeport_client_sees_http_errors_for_unknown_resources(live):
    client = GeoReport(f"{live.url}/open311/v2", output_format="json")
    with pytest.raises(requests.HTTPError) as raised:
        client.get_service_request("999999")
    assert raised.value.response.status_code == 404
    check("errors.json", raised.value.response.json())


def test_a_plain_form_post_as_the_spec_shows_creates_a_request(live, create_api_key):
    key = create_api_key("Spec example client")
    # The spec's example: application/x-www-form-urlencoded, attribute[code]=value.
    body = urlencode({
        "api_key": key, "jurisdiction_id": JURISDICTION, "service_code": "street_light_outage",
        "lat": "42.3551", "long": "-71.0657", "address_string": "4 Tremont St",
        "email": "smith@example.org", "first_name": "John", "last_name": "Smith",
        "phone": "111111111", "description": "A large sinkhole is destroying the lamp.",
        "attribute[pole_number]": "A-77", "attribute[light_state]": "flickering",
    }).encode()
    request = Request(f"{live.url}/open311/v2/requests.xml", data=body, method="POST",
                      headers={"Content-Type": "application/x-www-form-urlencoded; "
                                               "charset=utf-8"})
    with urlopen(request) as response:
        assert response.status == 201
        assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
        xml = response.read()
    assert xml.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    from xml.etree import ElementTree as ET
    new_id = ET.fromstring(xml).findtext("request/service_request_id")
    assert new_id.isdigit()
    fetched = requests.get(f"{live.url}/open311/v2/requests/{new_id}.json").json()
    check("requests.json", fetched)
    assert fetched[0]["description"] == "A large sinkhole is destroying the lamp."
    assert "smith@example.org" not in json.dumps(fetched)
    # A multivalue attribute and the JSON answer of a batch service, with requests' form POST.
    batch = requests.post(f"{live.url}/open311/v2/requests.json", data={
        "api_key": key, "service_code": "unsanitary_food", "lat": "42.3551",
        "long": "-71.0657", "description": "Rats by the kitchen door."})
    assert batch.status_code == 201
    check("request_created.json", batch.json())
    token = batch.json()[0]["token"]
    resolved = requests.get(f"{live.url}/open311/v2/tokens/{token}.json").json()
    check("tokens.json", resolved)
    assert resolved[0]["service_request_id"] is None  # waiting for a moderator


def test_every_json_answer_matches_the_georeport_schemas(live, city_with_reports,
                                                          create_api_key):
    base = f"{live.url}/open311/v2"
    check("discovery.json", requests.get(f"{base}/discovery.json").json())
    check("services.json", requests.get(f"{base}/services.json").json())
    check("service_definition.json",
          requests.get(f"{base}/services/street_light_outage.json").json())
    listed = requests.get(f"{base}/requests.json").json()
    assert len(listed) == 3
    check("requests.json", listed)
    ids = ",".join(str(i) for i in city_with_reports["ids"])
    check("request_updates.json", requests.get(f"{base}/servicerequestupdates.json",
                                               params={"service_request_id": ids}).json())
    created = requests.post(f"{base}/requests.json", data={
        "api_key": create_api_key(), "service_code": "sign_repair", "lat": "42.3551",
        "long": "-71.0657", "description": "Stop sign bent."})
    check("request_created.json", created.json())
    for bad in (requests.get(f"{base}/requests.json", params={"status": "maybe"}),
                requests.post(f"{base}/requests.json", data={"service_code": "sign_repair"}),
                requests.get(f"{base}/services/nothing.json")):
        assert bad.status_code in (400, 403, 404)
        check("errors.json", bad.json())
