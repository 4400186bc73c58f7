"""Importing Boston's 311 export keeps the city's own routing and writes the timeline, on both
engines: each report's department is the row's `Department` code, an 'open' step at OPEN_DT,
a closing step at CLOSED_DT with the closure text, TARGET_DT as due_at, and re-imports add a
step only when a status really changes."""

import csv
import json
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from neighborhood.demo.services import upsert_categories
from neighborhood.extensions import db
from neighborhood.importers.csv311 import load_preset
from neighborhood.importers.services import import_files
from neighborhood.reports.models import Report
from neighborhood.routing.models import Department
from neighborhood.workflow.models import StatusChange

SAMPLE = Path(__file__).parents[1] / "fixtures" / "boston-sample.csv"
DATA = resources.files("neighborhood.demo") / "data"
CATEGORIES = json.loads((DATA / "categories.json").read_text(encoding="utf-8"))
PRESET = load_preset("boston")
NEW_YORK = ZoneInfo("America/New_York")
OPEN_ROW = "101001339503"  # Open, INFO, Beacon Hill
RESOLVED_ROW = "101001251784"  # Closed "Case Resolved ...", PWDx, Mattapan


def read_csv(path: Path = SAMPLE) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def write_csv(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def boston_time(value: str) -> datetime | None:
    if not value:
        return None
    local = datetime.strptime(value, "%m/%d/%Y %I:%M:%S %p").replace(tzinfo=NEW_YORK)
    return local.astimezone(UTC)


def closure_text(row: dict) -> str:
    return " ".join(row["CLOSURE_REASON"].split())


def rows_by_id(path: Path = SAMPLE) -> dict[str, dict]:
    return {r["CASE_ENQUIRY_ID"]: r for r in read_csv(path)}


def run_import(path: Path = SAMPLE):
    summary = import_files([path], PRESET)
    db.session.commit()
    db.session.expire_all()
    return summary


def steps_of(report_id: int) -> list[StatusChange]:
    return list(db.session.scalars(select(StatusChange).where(StatusChange.report_id == report_id)
                                   .order_by(StatusChange.at, StatusChange.id)))


def report(external_id: str) -> Report:
    return db.session.scalar(select(Report).where(Report.external_id == external_id))


def all_steps() -> int:
    return db.session.scalar(select(func.count(StatusChange.id)))


@pytest.fixture
def boston(ctx, boston_areas):
    """The demo categories and the real Boston areas, inside an app context."""
    upsert_categories(CATEGORIES)
    db.session.commit()


def test_each_report_keeps_its_rows_department_code_with_the_presets_name(boston):
    run_import()
    rows = rows_by_id()
    reports = db.session.scalars(select(Report)).all()
    assert len(reports) == 61
    for got in reports:
        code = rows[got.external_id]["Department"]
        assert got.department is not None, got.external_id
        assert got.department.code == code, got.external_id
        assert got.department.name == PRESET.departments[code]
    assert {r.department.code for r in reports} == {"PWDx", "INFO", "ISD", "PARK", "BTDT"}


def test_every_preset_department_exists_once_after_importing_twice(boston):
    run_import()
    run_import()
    rows = dict(db.session.execute(select(Department.code, Department.name)).all())
    assert rows == PRESET.departments


def test_an_unknown_department_code_is_created_by_its_code(boston, tmp_path):
    rows = read_csv()
    target = next(r for r in rows if r["CASE_ENQUIRY_ID"] == OPEN_ROW)
    target["Department"] = "GEN_"
    run_import(write_csv(tmp_path / "new-department.csv", rows))
    got = report(OPEN_ROW)
    assert (got.department.code, got.department.name) == ("GEN_", "GEN_")
    assert steps_of(got.id)[0].to_department_id == got.department_id


def test_a_row_without_a_department_is_unrouted(boston, tmp_path):
    rows = read_csv()
    next(r for r in rows if r["CASE_ENQUIRY_ID"] == OPEN_ROW)["Department"] = "  "
    run_import(write_csv(tmp_path / "no-department.csv", rows))
    assert report(OPEN_ROW).department_id is None


def test_target_dt_is_kept_as_due_at(boston):
    run_import()
    rows = rows_by_id()
    for got in db.session.scalars(select(Report)):
        assert got.due_at == boston_time(rows[got.external_id]["TARGET_DT"]), got.external_id


def test_every_report_opens_with_a_system_step_at_open_dt(boston):
    run_import()
    rows = rows_by_id()
    for got in db.session.scalars(select(Report)):
        first = steps_of(got.id)[0]
        assert (first.kind, first.from_status, first.to_status) == ("status", None, "open")
        assert first.actor_role == "system" and first.actor_id is None
        assert first.at == boston_time(rows[got.external_id]["OPEN_DT"]), got.external_id
        assert first.to_department_id == got.department_id
        assert first.note is None


def test_a_closed_row_has_a_closing_step_at_closed_dt_with_the_closure_text(boston):
    run_import()
    rows = rows_by_id()
    closed = 0
    for got in db.session.scalars(select(Report)):
        row = rows[got.external_id]
        steps = steps_of(got.id)
        if row["CASE_STATUS"] == "Open":
            assert len(steps) == 1, got.external_id
            continue
        closed += 1
        assert len(steps) == 2, got.external_id
        step = steps[1]
        assert (step.from_status, step.to_status) == ("open", got.status)
        assert step.to_status in ("resolved", "closed")
        assert step.close_reason == got.close_reason
        assert step.at == boston_time(row["CLOSED_DT"]) == got.closed_at
        assert step.note == closure_text(row)
        assert step.actor_role == "staff"
        assert step.to_department_id == got.department_id
    assert closed > 30  # the sample is mostly closed rows


def test_the_closure_text_is_on_the_public_timeline(app, client, boston_areas):
    with app.app_context():
        upsert_categories(CATEGORIES)
        import_files([SAMPLE], PRESET)
        db.session.commit()
        report_id = report(RESOLVED_ROW).id
    row = rows_by_id()[RESOLVED_ROW]
    props = client.get(f"/api/v1/reports/{report_id}").json["properties"]
    assert props["department"] == "Public Works Department"
    assert [(s["from"], s["to"], s["actor_role"]) for s in props["timeline"]] == [
        (None, "open", "system"), ("open", "resolved", "staff")]
    assert props["timeline"][1]["note"] == closure_text(row)
    assert props["timeline"][1]["note"].startswith("Case Closed Case Resolved Installed 6ft arm")
    assert datetime.fromisoformat(props["timeline"][0]["at"]) == boston_time(row["OPEN_DT"])
    assert datetime.fromisoformat(props["due_at"]) == boston_time(row["TARGET_DT"])


def test_reimporting_the_same_file_adds_no_steps(boston):
    run_import()
    imported = set(db.session.scalars(select(Report.external_id)))
    closed = [r for r in read_csv() if r["CASE_ENQUIRY_ID"] in imported
              and r["CASE_STATUS"] == "Closed"]
    before = all_steps()
    assert before == len(imported) + len(closed)
    run_import()
    assert all_steps() == before


def test_a_reimport_that_closes_a_row_adds_exactly_one_step(boston, tmp_path):
    run_import()
    before = all_steps()
    rows = read_csv()
    target = next(r for r in rows if r["CASE_ENQUIRY_ID"] == OPEN_ROW)
    target.update(CASE_STATUS="Closed", CLOSED_DT="03/24/2015 08:00:00 AM",
                  CLOSURE_REASON="Case Closed Case Resolved  Spoke to the   contractor.")
    changed = write_csv(tmp_path / "closed.csv", rows)

    summary = run_import(changed)
    assert summary.updated == 1
    assert all_steps() == before + 1
    got = report(OPEN_ROW)
    steps = steps_of(got.id)
    assert [(s.from_status, s.to_status) for s in steps] == [(None, "open"), ("open", "resolved")]
    assert steps[1].at == boston_time("03/24/2015 08:00:00 AM") == got.closed_at
    assert steps[1].note == "Case Closed Case Resolved Spoke to the contractor."
    assert steps[1].actor_role == "staff"

    run_import(changed)  # the same change again: nothing new
    assert all_steps() == before + 1


def test_a_reimport_that_only_moves_the_due_date_adds_no_step(boston, tmp_path):
    run_import()
    before = all_steps()
    rows = read_csv()
    next(r for r in rows if r["CASE_ENQUIRY_ID"] == RESOLVED_ROW)["TARGET_DT"] = (
        "08/01/2015 10:50:17 AM")
    summary = run_import(write_csv(tmp_path / "due.csv", rows))
    assert summary.updated == 1
    assert report(RESOLVED_ROW).due_at == boston_time("08/01/2015 10:50:17 AM")
    assert all_steps() == before


def test_a_reimport_that_reopens_a_row_adds_one_system_step(boston, tmp_path):
    run_import()
    before = all_steps()
    rows = read_csv()
    target = next(r for r in rows if r["CASE_ENQUIRY_ID"] == RESOLVED_ROW)
    target.update(CASE_STATUS="Open", CLOSED_DT="", CLOSURE_REASON="")
    run_import(write_csv(tmp_path / "reopened.csv", rows))
    assert all_steps() == before + 1
    got = report(RESOLVED_ROW)
    assert (got.status, got.closed_at) == ("open", None)
    last = steps_of(got.id)[-1]
    assert (last.from_status, last.to_status, last.actor_role, last.note) == (
        "resolved", "open", "system", None)
    assert got.reopen_count == 1  # counted like a reopening made in the app


def test_a_reimport_that_closes_a_row_counts_no_reopening(boston, tmp_path):
    run_import()
    rows = read_csv()
    target = next(r for r in rows if r["CASE_ENQUIRY_ID"] == OPEN_ROW)
    target.update(CASE_STATUS="Closed", CLOSED_DT="03/24/2015 08:00:00 AM")
    run_import(write_csv(tmp_path / "closed.csv", rows))
    assert report(OPEN_ROW).reopen_count == 0
