"""The CSV and GeoJSON writers, without a database: cells, pieces, empty and chunked bodies."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from neighborhood.exports.formats import csv_pieces, feature, geojson_pieces, neutralize_formula
from neighborhood.exports.schemas import COLUMNS


def row(report_id: int, **changes) -> dict:
    base = {name: None for name in COLUMNS}
    base.update(id=report_id, source="web", category="street_light_outage",
                category_name="Street light outage", family="lighting", status="open",
                public_status="open", description="Dark.", lat=42.355, lon=-71.0656,
                location_generalized=False, created_at=datetime(2015, 3, 23, 13, 45, 49,
                                                                 tzinfo=UTC),
                updated_at=datetime(2015, 3, 24, tzinfo=UTC), overdue=False,
                support_count=0, reopen_count=0, fixed_count=0, attributes={})
    base.update(changes)
    return base


@pytest.mark.parametrize("text, expected", [
    ("=1+1", "'=1+1"), ("+1 617", "'+1 617"), ("-dark", "'-dark"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tTab", "'\tTab"), ("\rCR", "'\rCR"), ("'quoted", "''quoted"),
    ("Plain", "Plain"), ("a=b", "a=b"), (" =1", " =1"), ("", ""), ("\nLF", "\nLF"),
], ids=["equals", "plus", "minus", "at", "tab", "carriage-return", "apostrophe", "plain",
        "inside", "leading-space", "empty", "line-feed"])
def test_only_text_starting_with_a_trigger_gets_an_apostrophe(text, expected):
    assert neutralize_formula(text) == expected


def test_csv_writes_types_as_documented():
    moment = datetime(2015, 3, 23, 13, 45, 49, 120000, tzinfo=UTC)
    pieces = list(csv_pieces([[row(7, external_id="101001339503", closed_at=moment,
                                   location_generalized=True, overdue=True,
                                   attributes={"pole_number": "C-12", "n": 2},
                                   lon=-71.06, description="-5 degrees")]]))
    [parsed] = csv.DictReader(io.StringIO(b"".join(pieces).decode(), newline=""))
    assert parsed["closed_at"] == "2015-03-23T13:45:49.120000+00:00"
    assert (parsed["location_generalized"], parsed["overdue"]) == ("true", "true")
    assert json.loads(parsed["attributes"]) == {"pole_number": "C-12", "n": 2}
    assert (parsed["lon"], parsed["description"]) == ("-71.06", "'-5 degrees")
    assert (parsed["address"], parsed["due_at"], parsed["external_id"]) == ("", "", "101001339503")


def test_csv_sends_the_header_with_the_first_chunk_and_one_piece_per_chunk():
    pieces = list(csv_pieces(iter([[row(1), row(2)], [row(3)]])))
    assert len(pieces) == 2
    assert pieces[0].startswith(b"id,external_id,") and pieces[0].count(b"\r\n") == 3
    assert pieces[1].startswith(b"3,") and pieces[1].count(b"\r\n") == 1


def test_csv_without_rows_is_the_header_alone():
    assert list(csv_pieces(iter([]))) == [(",".join(COLUMNS) + "\r\n").encode()]


@pytest.mark.parametrize("chunks", [[], [[row(1)]], [[row(1), row(2)], [row(3)], [row(4)]]],
                         ids=["empty", "one", "several-chunks"])
def test_geojson_is_one_valid_feature_collection_whatever_the_chunks(chunks):
    body = b"".join(geojson_pieces(iter(chunks)))
    collection = json.loads(body)
    expected = [r["id"] for chunk in chunks for r in chunk]
    assert collection["type"] == "FeatureCollection"
    assert [f["id"] for f in collection["features"]] == expected
    assert body.count(b"\n") == len(expected) + 2  # a feature a line, between two lines


def test_a_feature_keeps_text_as_is_and_writes_times_as_iso_8601():
    made = feature(row(5, description="=cmd", lat=42.354, lon=-71.062,
                       location_generalized=True))
    assert made["geometry"] == {"type": "Point", "coordinates": [-71.062, 42.354]}
    assert made["properties"]["description"] == "=cmd"
    assert made["properties"]["created_at"] == "2015-03-23T13:45:49+00:00"
    assert list(made["properties"]) == list(COLUMNS)
