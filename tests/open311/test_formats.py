"""The wire formats: XML with its declaration, JSON arrays, W3C dates."""

import json
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from neighborhood.open311.formats import errors_payload, render, to_json, to_xml, w3_datetime


def test_xml_starts_with_a_utf8_declaration_and_wraps_lists_in_item_elements():
    body = to_xml("services", [{"service_code": "a", "metadata": True},
                               {"service_code": "b", "metadata": False}])
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<services>')
    root = ET.fromstring(body)
    assert [s.findtext("service_code") for s in root.findall("service")] == ["a", "b"]
    assert [s.findtext("metadata") for s in root.findall("service")] == ["true", "false"]


def test_xml_nests_attributes_and_values_as_the_spec_names_them():
    body = to_xml("service_definition", {"service_code": "x", "attributes": [
        {"code": "pole", "values": [{"key": "k1", "name": "One"}]}]})
    root = ET.fromstring(body)
    assert root.tag == "service_definition"
    assert root.find("attributes/attribute/values/value/key").text == "k1"


def test_xml_escapes_markup_and_drops_characters_xml_cannot_carry():
    body = to_xml("service_requests", [{"description": "<script>&\x00\x1f ok\n"}])
    assert b"<script>" not in body
    assert ET.fromstring(body).findtext("request/description") == "<script>& ok\n"


def test_none_is_an_empty_element_in_xml_and_null_in_json():
    assert ET.fromstring(to_xml("service_requests", [{"address": None}])).findtext(
        "request/address") == ""
    assert json.loads(to_json([{"address": None}])) == [{"address": None}]


def test_json_keeps_lists_top_level_and_text_unescaped():
    assert json.loads(render("json", "errors", errors_payload(403, ["Invalid api_key."]))) == [
        {"code": 403, "description": "Invalid api_key."}]
    assert "ñ".encode() in to_json([{"description": "Peñalosa"}])


def test_w3_datetime_carries_the_city_offset():
    moment = datetime(2015, 1, 5, 13, 15, 30, tzinfo=UTC)
    assert w3_datetime(moment, "America/New_York") == "2015-01-05T08:15:30-05:00"
    assert w3_datetime(datetime(2015, 7, 5, 12, tzinfo=UTC), "America/New_York") == \
        "2015-07-05T08:00:00-04:00"
    assert w3_datetime(None, "America/New_York") is None
