"""Importing 311 CSV exports into reports, on both engines, checked against our own reading."""

import csv
import gzip
import json
import math
from collections import Counter
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from shapely import unary_union
from shapely.geometry import Point, shape
from sqlalchemy import func, select

from neighborhood.areas.models import Area
from neighborhood.demo.services import upsert_categories
from neighborhood.extensions import db
from neighborhood.importers.csv311 import load_preset
from neighborhood.importers.services import import_files
from neighborhood.reports.models import Report

SAMPLE = Path(__file__).parents[1] / "fixtures" / "boston-sample.csv"
DATA = resources.files("neighborhood.demo") / "data"
CATEGORIES = json.loads((DATA / "categories.json").read_text(encoding="utf-8"))
BOSTON_TYPES = json.loads((resources.files("neighborhood.importers") / "presets" / "boston.json")
                          .read_text(encoding="utf-8"))["types"]
NEW_YORK = ZoneInfo("America/New_York")
CITY_HALL = (42.3594, -71.0587)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def write_csv(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _city():
    features = json.loads((DATA / "boston-neighborhoods.geojson").read_text(encoding="utf-8"))
    return unary_union([shape(f["geometry"]) for f in features["features"]]).buffer(0)


CITY = _city()


def outcome(row: dict) -> str:
    """Our own verdict on a Boston row: 'ok' or the skip reason we expect."""
    if row["TYPE"] not in BOSTON_TYPES:
        return "unknown_type"
    lat, lon = float(row["LATITUDE"]), float(row["LONGITUDE"])
    if lat == 0 and lon == 0:
        return "zero_coordinates"
    dy = (lat - CITY_HALL[0]) * 111_320
    dx = (lon - CITY_HALL[1]) * 111_320 * math.cos(math.radians(CITY_HALL[0]))
    if math.hypot(dx, dy) <= 25:
        return "default_geocode"
    if not CITY.covers(Point(lon, lat)):
        return "outside_city"
    return "ok"


def good_ids(path: Path = SAMPLE) -> set[str]:
    return {r["CASE_ENQUIRY_ID"] for r in read_csv(path) if outcome(r) == "ok"}


def expected_skips(path: Path = SAMPLE) -> Counter:
    return Counter(o for o in map(outcome, read_csv(path)) if o != "ok")


def boston_time(value: str) -> datetime | None:
    if not value:
        return None
    local = datetime.strptime(value, "%m/%d/%Y %I:%M:%S %p").replace(tzinfo=NEW_YORK)
    return local.astimezone(UTC)


def count_reports() -> int:
    return db.session.scalar(select(func.count(Report.id)))


def report(external_id: str) -> Report:
    return db.session.scalar(select(Report).where(Report.external_id == external_id))


def run_import(*paths, preset="boston"):
    summary = import_files(list(paths), load_preset(preset))
    db.session.commit()
    db.session.expire_all()
    return summary


@pytest.fixture
def boston(ctx, boston_areas):
    """The demo categories and the real Boston areas, inside an app context."""
    upsert_categories(CATEGORIES)
    db.session.commit()


def test_our_reading_of_the_sample_matches_its_readme():
    assert len(good_ids()) == 61
    assert expected_skips() == {"default_geocode": 4, "zero_coordinates": 1, "unknown_type": 1}


def test_import_counts_match_an_independent_reading_of_the_csv(boston):
    summary = run_import(SAMPLE)
    assert summary.imported == len(good_ids())
    assert (summary.updated, summary.unchanged) == (0, 0)
    assert summary.skipped == expected_skips()
    assert summary.rows == len(read_csv(SAMPLE))
    assert count_reports() == len(good_ids())


def test_stored_rows_carry_source_ids_times_cells_and_neighborhood(boston):
    run_import(SAMPLE)
    rows = {r["CASE_ENQUIRY_ID"]: r for r in read_csv(SAMPLE)}
    stored = db.session.scalars(select(Report)).all()
    assert {r.external_id for r in stored} == good_ids()
    for got in stored:
        row = rows[got.external_id]
        assert got.source == "import"
        assert got.created_at == boston_time(row["OPEN_DT"]), got.external_id
        assert got.due_at == boston_time(row["TARGET_DT"]), got.external_id
        if got.status != "open":
            assert got.closed_at == boston_time(row["CLOSED_DT"]), got.external_id
        assert got.h3_r8 and got.h3_r9 and got.h3_r8 != got.h3_r9
        assert got.neighborhood_id is not None, got.external_id
        assert got.category.code == BOSTON_TYPES[row["TYPE"]]


@pytest.mark.parametrize("external_id, created, due, closed", [
    pytest.param("101001421460", utc(2015, 7, 1, 17, 48), utc(2015, 7, 15, 17, 47),
                 utc(2015, 8, 7, 13, 25, 33), id="summer-edt"),
    pytest.param("101001241573", utc(2015, 1, 3, 4, 18, 8), utc(2015, 2, 17, 4, 18, 8),
                 None, id="winter-est-past-midnight-open"),
    pytest.param("101001243704", utc(2015, 1, 7, 18, 27, 49), None, None, id="no-target-date"),
])
def test_times_are_converted_from_boston_time_to_utc(boston, external_id, created, due, closed):
    run_import(SAMPLE)
    got = report(external_id)
    assert (got.created_at, got.due_at, got.closed_at) == (created, due, closed)


@pytest.mark.parametrize("external_id, status, close_reason", [
    pytest.param("101001339503", "open", None, id="open"),
    pytest.param("101001339496", "closed", "duplicate", id="duplicate"),
    pytest.param("101001318977", "closed", "not_city_responsibility", id="referred"),
    pytest.param("101001241478", "closed", "cannot_reproduce", id="invalid"),
    pytest.param("101001241949", "closed", "cannot_reproduce", id="novio"),
    pytest.param("101001251784", "resolved", None, id="resolved"),
    pytest.param("101001241368", "resolved", None, id="noted"),
])
def test_statuses_and_close_reasons_are_mapped(boston, external_id, status, close_reason):
    run_import(SAMPLE)
    got = report(external_id)
    assert (got.status, got.close_reason) == (status, close_reason)
    assert (got.closed_at is None) == (status == "open")


def test_a_report_lands_in_the_neighborhood_holding_its_point(boston):
    run_import(SAMPLE)
    area = db.session.get(Area, report("101001339503").neighborhood_id)  # Charles St, Beacon Hill
    assert (area.kind, area.name) == ("neighborhood", "Beacon Hill")


def test_reimporting_the_same_file_changes_nothing(boston):
    first = run_import(SAMPLE)
    before = db.session.execute(select(func.count(Report.id), func.max(Report.updated_at))).one()
    again = run_import(SAMPLE)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, first.imported)
    assert again.skipped == first.skipped
    after = db.session.execute(select(func.count(Report.id), func.max(Report.updated_at))).one()
    assert after == before


def test_a_changed_row_updates_its_report_in_place(boston, tmp_path):
    rows = read_csv(SAMPLE)
    target = next(r for r in rows if r["CASE_ENQUIRY_ID"] == "101001339503")
    assert target["CASE_STATUS"] == "Open"
    run_import(SAMPLE)
    old = report("101001339503")
    old_id, old_created = old.id, old.created_at
    assert (old.status, old.closed_at) == ("open", None)

    target.update(CASE_STATUS="Closed", CLOSED_DT="03/24/2015 08:00:00 AM")
    summary = run_import(write_csv(tmp_path / "changed.csv", rows))

    assert (summary.imported, summary.updated, summary.unchanged) == (0, 1, len(good_ids()) - 1)
    got = report("101001339503")
    assert got.id == old_id and got.created_at == old_created
    assert (got.status, got.close_reason) == ("resolved", None)
    assert got.closed_at == utc(2015, 3, 24, 12, 0)  # EDT began on March 8, 2015
    assert count_reports() == len(good_ids())


@pytest.mark.parametrize("name", ["sample.csv.gz", "gzipped-but-named.csv"])
def test_a_gzipped_copy_imports_identically(boston, tmp_path, name):
    gz = tmp_path / name
    gz.write_bytes(gzip.compress(SAMPLE.read_bytes()))
    summary = run_import(gz)
    assert summary.imported == len(good_ids())
    assert summary.skipped == expected_skips()
    plain = run_import(SAMPLE)
    assert (plain.imported, plain.updated, plain.unchanged) == (0, 0, len(good_ids()))


def test_a_row_repeated_in_one_input_is_skipped_as_repeated(boston, tmp_path):
    rows = read_csv(SAMPLE)
    repeated = next(r for r in rows if r["CASE_ENQUIRY_ID"] == "101001339503")
    summary = run_import(write_csv(tmp_path / "twice.csv", rows + [dict(repeated)]))
    assert summary.imported == len(good_ids())
    assert summary.skipped == expected_skips() + Counter(repeated_in_input=1)
    assert db.session.scalar(select(func.count(Report.id))
                             .where(Report.external_id == "101001339503")) == 1


def test_a_row_outside_the_city_is_skipped(boston, tmp_path):
    rows = read_csv(SAMPLE)
    outside = dict(rows[0], CASE_ENQUIRY_ID="999000000003", LATITUDE="42.3736",
                   LONGITUDE="-71.1097")  # Cambridge, across the river
    path = write_csv(tmp_path / "outside.csv", rows + [outside])
    assert outcome(outside) == "outside_city"
    summary = run_import(path)
    assert summary.skipped == expected_skips(path)
    assert summary.skipped["outside_city"] == 1
    assert report("999000000003") is None


@pytest.mark.parametrize("families", [
    pytest.param((), id="no-categories"),
    pytest.param(("lighting",), id="lighting-only"),
])
def test_rows_whose_category_is_not_loaded_are_skipped(ctx, boston_areas, families):
    loaded = [c for c in CATEGORIES if c["family"] in families]
    upsert_categories(loaded)
    db.session.commit()
    codes = {c["code"] for c in loaded}
    rows = [r for r in read_csv(SAMPLE) if outcome(r) == "ok"]
    missing = sum(BOSTON_TYPES[r["TYPE"]] not in codes for r in rows)
    assert missing > 0
    summary = run_import(SAMPLE)
    assert summary.imported == len(rows) - missing
    assert summary.skipped == expected_skips() + Counter(category_not_loaded=missing)
    assert count_reports() == len(rows) - missing


CUSTOM_ROWS = [
    {"id": "A-1", "kind": "Broken lamp", "opened": "2024-01-15 08:30", "y": "42.3503",
     "x": "-71.0810"},
    {"id": "A-2", "kind": "Bent sign", "opened": "2024-07-04 23:15", "y": "42.3253",
     "x": "-71.0750"},
    {"id": "A-3", "kind": "Broken lamp", "opened": "2024-03-01 12:00", "y": "42.3578",
     "x": "-71.0703"},
]


def custom_preset(tmp_path, **extra) -> str:
    preset = {"name": "testville", "timezone": "America/New_York",
              "date_format": "%Y-%m-%d %H:%M",
              "columns": {"external_id": "id", "type": "kind", "opened": "opened",
                          "lat": "y", "lon": "x"},
              "types": {"Broken lamp": "street_light_outage", "Bent sign": "sign_repair"}}
    for key, value in extra.items():
        preset[key] = preset[key] | value if isinstance(value, dict) else value
    path = tmp_path / "testville.json"
    path.write_text(json.dumps(preset), encoding="utf-8")
    return str(path)


def test_a_custom_preset_file_without_status_column_imports_rows_as_open(boston, tmp_path):
    """Presets are data: a JSON file maps another city's columns and dates.

    The status column and status rules are optional in a preset (not in REQUIRED_COLUMNS,
    `statuses` defaults to []), so a preset without them must still import its rows.
    """
    path = write_csv(tmp_path / "testville.csv", CUSTOM_ROWS)
    summary = run_import(path, preset=custom_preset(tmp_path))
    assert (summary.imported, dict(summary.skipped)) == (3, {})
    a1, a2 = report("A-1"), report("A-2")
    assert a1.category.code == "street_light_outage" and a2.category.code == "sign_repair"
    assert a1.created_at == utc(2024, 1, 15, 13, 30)
    assert a2.created_at == utc(2024, 7, 5, 3, 15)
    assert a1.status == "open" and a1.source == "import"
    assert db.session.get(Area, a1.neighborhood_id).name == "Back Bay"


def test_a_custom_preset_maps_its_own_statuses(boston, tmp_path):
    rows = [dict(r, state=s) for r, s in zip(CUSTOM_ROWS, ["new", "done", "dup"], strict=True)]
    path = write_csv(tmp_path / "testville.csv", rows)
    preset = custom_preset(tmp_path, columns={"status": "state"}, statuses=[
        {"status": "new", "to": "open"}, {"status": "done", "to": "resolved"},
        {"status": "dup", "to": "closed", "close_reason": "duplicate"}])
    summary = run_import(path, preset=preset)
    assert (summary.imported, dict(summary.skipped)) == (3, {})
    got = {i: (report(i).status, report(i).close_reason) for i in ("A-1", "A-2", "A-3")}
    assert got == {"A-1": ("open", None), "A-2": ("resolved", None),
                   "A-3": ("closed", "duplicate")}
