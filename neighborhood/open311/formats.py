"""GeoReport v2 wire formats: XML (required by the spec) and JSON, from the same payloads.

Pure: payloads are dicts and lists of plain values. JSON mirrors the XML ("Spark convention"):
lists stay top-level arrays, a service definition and discovery are objects.
"""

import json
import re
from datetime import datetime
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

FORMATS = ("xml", "json")
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
MIME_TYPES = ("text/xml", "application/json")  # as discovery lists them
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
# Characters XML 1.0 cannot carry at all (imported text may hold them): dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# The element name of one item in each XML list.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def w3_datetime(moment: datetime | None, tz: str) -> str | None:
    """Return a moment in the W3C ISO 8601 subset the spec requires, in the city's offset."""
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(tz)).isoformat(timespec="seconds")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _append(parent: ET.Element, tag: str, value) -> None:
    element = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _append(element, ITEM_TAGS[tag], item)
    else:
        element.text = _text(value)


def to_xml(root: str, payload: dict | list) -> bytes:
    """Return the XML document of a payload under its root element, with the declaration."""
    holder = ET.Element("holder")
    _append(holder, root, payload)
    return XML_DECLARATION + ET.tostring(holder[0], encoding="utf-8")


def to_json(payload: dict | list) -> bytes:
    """Return the JSON of a payload (UTF-8, no ASCII escaping)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def render(fmt: str, root: str, payload: dict | list) -> bytes:
    """Return a payload in the asked format; root names the XML document element."""
    return to_xml(root, payload) if fmt == "xml" else to_json(payload)


def errors_payload(status: int, messages: list[str]) -> list[dict]:
    """Return the spec's error list: one {code, description} per message."""
    return [{"code": status, "description": message} for message in messages]
