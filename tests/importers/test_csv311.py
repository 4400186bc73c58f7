"""311 CSV import: presets, reading plain/gzipped files, and mapping rows to records or skips."""

import gzip
import json
import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from neighborhood.importers.csv311 import (
    PresetError, Record, Skip, load_preset, open_rows, read_row,
)

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "boston-sample.csv"
BOSTON = load_preset("boston")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def sample_rows() -> dict[str, dict]:
    return {row["CASE_ENQUIRY_ID"]: row for row in open_rows(SAMPLE)}


def dummy_row(**overrides) -> dict:
    """A real Boston row (case 101001240735, a closed duplicate) with some columns replaced."""
    row = dict(sample_rows()["101001240735"])
    row.update(overrides)
    return row


def make_preset_dict(**overrides) -> dict:
    raw = {
        "name": "springfield",
        "date_format": "%Y-%m-%d %H:%M",
        "columns": {"external_id": "id", "type": "kind", "opened": "opened_at",
                    "lat": "y", "lon": "x", "status": "state"},
        "types": {"Graffiti": "graffiti_removal"},
        "statuses": [{"status": "new", "to": "open"}],
    }
    raw.update(overrides)
    return raw


def write_json(path: Path, raw) -> Path:
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


# --- presets -----------------------------------------------------------------------------

def test_loads_builtin_boston_preset():
    assert BOSTON.name == "boston"
    assert str(BOSTON.timezone) == "America/New_York"
    assert BOSTON.columns["external_id"] == "CASE_ENQUIRY_ID"
    assert len(BOSTON.types) == 17
    assert BOSTON.types["Street Light Outages"] == "street_light_outage"
    assert [g.label for g in BOSTON.default_geocodes] == ["Boston City Hall"]
    assert [(r.status, r.to, r.close_reason) for r in BOSTON.statuses][0] == ("Open", "open", None)


def test_loads_preset_from_json_path_with_defaults(tmp_path):
    preset = load_preset(str(write_json(tmp_path / "springfield.json", make_preset_dict())))
    assert preset.name == "springfield"
    assert str(preset.timezone) == "UTC"
    assert preset.description == "{kind}"
    assert preset.default_geocodes == ()
    record = read_row({"id": "7", "kind": "Graffiti", "opened_at": "2024-03-01 09:30",
                       "y": "39.8", "x": "-89.6", "state": "new"}, preset)
    assert isinstance(record, Record)
    assert record.category_code == "graffiti_removal"
    assert record.created_at == utc(2024, 3, 1, 9, 30)
    assert record.description == "Graffiti"


def test_rejects_unknown_preset_name():
    with pytest.raises(PresetError, match="no preset named 'atlantis'"):
        load_preset("atlantis")


def test_rejects_missing_json_file(tmp_path):
    with pytest.raises(PresetError, match="no preset named"):
        load_preset(str(tmp_path / "absent.json"))


def test_rejects_invalid_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"name": "x", ', encoding="utf-8")
    with pytest.raises(PresetError, match="not valid JSON"):
        load_preset(str(path))


@pytest.mark.parametrize("raw, message", [
    (make_preset_dict(columns={"external_id": "id", "type": "kind", "opened": "o"}),
     "lack lat, lon"),
    (make_preset_dict(columns={}), "lack external_id, type, opened, lat, lon"),
    ({k: v for k, v in make_preset_dict().items() if k != "date_format"}, "date_format"),
    ({k: v for k, v in make_preset_dict().items() if k != "types"}, "types"),
    (make_preset_dict(statuses=[{"status": "new"}]), "bad preset"),
    (make_preset_dict(statuses=[{"status": "x", "to": "closed", "closure_matches": "("}]),
     "bad preset"),
    (make_preset_dict(timezone="Mars/Olympus_Mons"), "bad preset"),
    (make_preset_dict(default_geocodes=[{"lat": 1.0, "lon": 2.0}]), "radius_m"),
    ([], "bad preset"),
], ids=["missing-lat-lon", "no-columns", "no-date-format", "no-types", "status-without-to",
        "bad-regex", "unknown-timezone", "geocode-without-radius", "not-an-object"])
def test_rejects_incomplete_preset(tmp_path, raw, message):
    with pytest.raises(PresetError, match=message):
        load_preset(str(write_json(tmp_path / "p.json", raw)))


# --- reading files -----------------------------------------------------------------------

def test_reads_gzip_by_magic_bytes_not_by_name(tmp_path):
    disguised = tmp_path / "export.csv"  # gzipped, but named like a plain CSV
    with SAMPLE.open("rb") as src, gzip.open(disguised, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert disguised.read_bytes()[:2] == b"\x1f\x8b"
    plain = list(open_rows(SAMPLE))
    assert list(open_rows(disguised)) == plain
    assert len(plain) == 67


def test_strips_utf8_bom_from_first_header(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfCASE_ENQUIRY_ID,TYPE\r\n42,Sign Repair\r\n")
    assert list(open_rows(path)) == [{"CASE_ENQUIRY_ID": "42", "TYPE": "Sign Repair"}]


# --- mapping rows ------------------------------------------------------------------------

def test_maps_a_real_row_to_a_record():
    record = read_row(sample_rows()["101001240735"], BOSTON)
    assert record == Record(
        external_id="101001240735", category_code="street_light_outage",
        description="Street Light Outages", lat=42.3474, lon=-71.0944,
        address="145-151 Ipswich St Boston MA 02215",  # double spaces collapsed
        status="closed", close_reason="duplicate",
        created_at=utc(2015, 1, 1, 5, 25, 23),  # 01/01/2015 12:25:23 AM EST (UTC-5)
        due_at=utc(2015, 1, 16, 13, 30), closed_at=utc(2015, 1, 2, 21, 17, 43),
        department_code="PWDx",  # the city's own routing is kept
        closure_note="Case Closed Duplicate of Existing Case duplicate of existing w/o",
    )
    assert record.created_at.utcoffset().total_seconds() == 0


def test_converts_summer_times_with_daylight_saving_offset():
    record = read_row(sample_rows()["101001421460"], BOSTON)
    assert record.created_at == utc(2015, 7, 1, 17, 48)  # 01:48:00 PM EDT (UTC-4)
    assert record.due_at == utc(2015, 7, 15, 17, 47)
    assert record.closed_at == utc(2015, 8, 7, 13, 25, 33)


@pytest.mark.parametrize("case_id, status, close_reason", [
    ("101001241573", "open", None),
    ("101001240735", "closed", "duplicate"),
    ("101001383093", "closed", "duplicate"),  # "Case Closed. Closed date : ... Duplicate ..."
    ("101001318977", "closed", "not_city_responsibility"),
    ("101001286409", "closed", "not_city_responsibility"),  # referred, then "resolved"
    ("101001241478", "closed", "cannot_reproduce"),
    ("101001241949", "closed", "cannot_reproduce"),  # NOVIO: No Violation Found
    ("101001242311", "resolved", None),
    ("101001241368", "resolved", None),  # "Case Noted": no specific rule, falls through
], ids=["open", "duplicate", "duplicate-after-date", "referred", "referred-mentions-resolved",
        "invalid", "novio", "resolved", "noted"])
def test_maps_status_and_close_reason_by_preset_rules(case_id, status, close_reason):
    record = read_row(sample_rows()[case_id], BOSTON)
    assert (record.status, record.close_reason) == (status, close_reason)
    assert (record.closed_at is None) == (status == "open")


def test_open_row_never_gets_closed_at():
    row = dummy_row(CASE_STATUS="Open", CLOSURE_REASON="")
    assert row["CLOSED_DT"]  # the source still carries a close date
    record = read_row(row, BOSTON)
    assert record.status == "open" and record.closed_at is None


def test_status_match_ignores_case_and_surrounding_spaces():
    assert read_row(dummy_row(CASE_STATUS="  CLOSED "), BOSTON).close_reason == "duplicate"


def test_empty_target_date_gives_no_due_date():
    record = read_row(sample_rows()["101001243704"], BOSTON)
    assert record.due_at is None
    assert record.created_at == utc(2015, 1, 7, 18, 27, 49)


@pytest.mark.parametrize("location, expected", [
    ("  12   Elm St\tBoston  MA ", "12 Elm St Boston MA"),
    ("", None),
    ("   ", None),
    ("x" * 300, "x" * 255),
], ids=["collapsed", "empty", "blank", "truncated"])
def test_normalises_address(location, expected):
    assert read_row(dummy_row(Location=location), BOSTON).address == expected


@pytest.mark.parametrize("overrides, reason", [
    ({"LATITUDE": "42.3594", "LONGITUDE": "-71.0587"}, "default_geocode"),
    ({"LATITUDE": "42.3595", "LONGITUDE": "-71.0588"}, "default_geocode"),  # ~14 m away
    ({"LATITUDE": "0", "LONGITUDE": "0"}, "zero_coordinates"),
    ({"LATITUDE": "-0.0", "LONGITUDE": "0.000"}, "zero_coordinates"),
    ({"TYPE": "Pothole Repair"}, "unknown_type"),
    ({"TYPE": ""}, "unknown_type"),
    ({"LATITUDE": "abc"}, "bad_coordinates"),
    ({"LATITUDE": ""}, "bad_coordinates"),
    ({"LONGITUDE": "nan"}, "bad_coordinates"),
    ({"LATITUDE": "inf"}, "bad_coordinates"),
    ({"LATITUDE": "91"}, "bad_coordinates"),
    ({"LONGITUDE": "-180.5"}, "bad_coordinates"),
    ({"LATITUDE": None}, "bad_coordinates"),  # short row: csv fills missing cells with None
    ({"OPEN_DT": ""}, "bad_date"),
    ({"OPEN_DT": "2015-01-01 00:25:23"}, "bad_date"),
    ({"OPEN_DT": "13/45/2015 12:25:23 AM"}, "bad_date"),
    ({"TARGET_DT": "soon"}, "bad_date"),
    ({"CASE_STATUS": "Pending"}, "unknown_status"),
    ({"CASE_ENQUIRY_ID": ""}, "missing_id"),
    ({"CASE_ENQUIRY_ID": "   "}, "missing_id"),
], ids=["city-hall", "near-city-hall", "zero", "negative-zero", "unknown-type", "empty-type",
        "lat-abc", "lat-empty", "lon-nan", "lat-inf", "lat-91", "lon-below-180", "lat-none",
        "opened-empty", "opened-iso", "opened-impossible", "due-garbage", "unknown-status",
        "id-empty", "id-blank"])
def test_skips_unusable_rows_with_reason(overrides, reason):
    result = read_row(dummy_row(**overrides), BOSTON)
    assert isinstance(result, Skip)
    assert result.reason == reason
    expected_id = "" if reason == "missing_id" else "101001240735"
    assert result.external_id == expected_id


def test_keeps_point_just_outside_default_geocode_radius():
    record = read_row(dummy_row(LATITUDE="42.3597", LONGITUDE="-71.0587"), BOSTON)  # ~33 m
    assert isinstance(record, Record)


def test_counts_over_whole_sample_file():
    outcomes = Counter()
    skipped_ids = {}
    for row in open_rows(SAMPLE):
        result = read_row(row, BOSTON)
        if isinstance(result, Skip):
            outcomes[result.reason] += 1
            skipped_ids[result.external_id] = result.reason
        else:
            outcomes[(result.status, result.close_reason)] += 1
    assert outcomes == {
        "default_geocode": 4, "zero_coordinates": 1, "unknown_type": 1,
        ("open", None): 17, ("resolved", None): 10, ("closed", "duplicate"): 12,
        ("closed", "not_city_responsibility"): 4, ("closed", "cannot_reproduce"): 18,
    }
    assert skipped_ids == {
        "101001242165": "default_geocode", "101001241579": "default_geocode",
        "101001242174": "default_geocode", "101001580849": "default_geocode",
        "999000000001": "zero_coordinates", "999000000002": "unknown_type",
    }
    assert {row["TYPE"] for row in open_rows(SAMPLE)} - {"Pothole Repair"} == set(BOSTON.types)


@pytest.mark.parametrize("raw", [make_preset_dict(timezone=""),
                                 make_preset_dict(timezone="Mars/Olympus_Mons")],
                         ids=["empty-timezone", "unknown-timezone"])
def test_rejects_preset_with_bad_timezone(tmp_path, raw):
    with pytest.raises(PresetError, match="bad preset"):
        load_preset(str(write_json(tmp_path / "tz.json", raw)))


def test_rejects_preset_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes(json.dumps(make_preset_dict(name="Malmö"), ensure_ascii=False).encode().replace(
        "ö".encode(), b"\xf6"))
    with pytest.raises(PresetError, match="not valid JSON"):
        load_preset(str(path))
