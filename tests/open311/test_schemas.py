"""Our GeoReport v2 JSON Schemas refuse what the spec forbids (so passing them means something)."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

SCHEMAS = Path(__file__).parent / "schemas"
GOOD_REQUEST = {"service_request_id": "12", "status": "open", "service_code": "x",
                "requested_datetime": "2015-06-01T08:15:30-04:00", "lat": 42.3, "long": -71.0}


def errors(schema: str, document) -> list[str]:
    validator = Draft202012Validator(json.loads((SCHEMAS / schema).read_text()))
    return [e.message for e in validator.iter_errors(document)]


def test_every_schema_is_a_valid_json_schema():
    for path in SCHEMAS.glob("*.json"):
        Draft202012Validator.check_schema(json.loads(path.read_text()))


def test_a_good_request_list_passes():
    assert errors("requests.json", [GOOD_REQUEST]) == []


@pytest.mark.parametrize("change", [
    {"service_request_id": 12},  # ids are strings
    {"status": "pending"},  # only open or closed
    {"requested_datetime": "2015-06-01T08:15:30"},  # the offset is mandatory
    {"email": "someone@example.org"},  # input-only personal data
    {"lat": 91},
    {"media_url": "javascript:alert(1)"},
])
def test_what_the_spec_forbids_in_a_request_record_fails(change):
    assert errors("requests.json", [{**GOOD_REQUEST, **change}])


def test_a_single_request_must_still_be_a_list():
    assert errors("requests.json", GOOD_REQUEST)


def test_a_post_result_has_an_id_or_a_token_never_both():
    assert errors("request_created.json", [{"service_request_id": "1"}]) == []
    assert errors("request_created.json", [{"token": "abc"}]) == []
    assert errors("request_created.json", [{"service_request_id": "1", "token": "abc"}])
    assert errors("request_created.json", [{}])


def test_errors_and_discovery_shapes_are_enforced():
    assert errors("errors.json", [{"code": 403, "description": "Invalid api_key."}]) == []
    assert errors("errors.json", {"code": 403, "description": "not in a list"})
    assert errors("discovery.json", {"changeset": "yesterday", "contact": "", "key_service": "",
                                     "endpoints": []})
