"""The Flask commands, through the CLI runner, on both engines."""

import csv
import json
import re
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import func, select

from neighborhood.areas.models import Area
from neighborhood.demo.services import upsert_categories
from neighborhood.extensions import db
from neighborhood.reports.models import Category, Report

SAMPLE = Path(__file__).parent / "fixtures" / "boston-sample.csv"
CATEGORIES = json.loads((resources.files("neighborhood.demo") / "data" / "categories.json")
                        .read_text(encoding="utf-8"))
SAMPLE_SKIPS = {"default_geocode": 4, "zero_coordinates": 1, "unknown_type": 1}
SAMPLE_GOOD = 61  # see tests/fixtures/README.md


def count(app, model=Report, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)).where(*where))


def count_reports(app) -> int:
    return count(app)


def report_state(app) -> tuple:
    with app.app_context():
        return tuple(db.session.execute(
            select(func.count(Report.id), func.max(Report.updated_at))).one())


def summary_of(output: str) -> dict[str, int]:
    """Parse 'name: 1,234' lines of a summary (skip reasons are indented)."""
    return {m[1]: int(m[2].replace(",", ""))
            for m in re.finditer(r"^ *([a-z_ ]+): ([\d,]+)$", output, re.MULTILINE)}


def skip_reasons(output: str) -> dict[str, int]:
    return {m[1]: int(m[2].replace(",", ""))
            for m in re.finditer(r"^  ([a-z_]+): ([\d,]+)$", output, re.MULTILINE)}


@pytest.fixture
def categories(app):
    with app.app_context():
        upsert_categories(CATEGORIES)
        db.session.commit()


def test_import_311_prints_a_summary_and_stores_rows(app, runner, categories, boston_areas):
    result = runner.invoke(args=["import-311", str(SAMPLE), "--preset", "boston"])
    assert result.exit_code == 0, result.output
    summary = summary_of(result.stdout)
    assert summary["imported"] == SAMPLE_GOOD
    assert summary["rows read"] == SAMPLE_GOOD + sum(SAMPLE_SKIPS.values())
    assert skip_reasons(result.stdout) == SAMPLE_SKIPS
    assert count_reports(app) == SAMPLE_GOOD
    assert count(app, Report, Report.source == "import") == SAMPLE_GOOD


def test_import_311_again_imports_nothing_new(app, runner, categories, boston_areas):
    first = runner.invoke(args=["import-311", str(SAMPLE)])
    assert first.exit_code == 0, first.output
    before = report_state(app)
    again = runner.invoke(args=["import-311", str(SAMPLE), "--preset", "boston"])
    assert again.exit_code == 0, again.output
    assert "imported: 0" in again.stdout.splitlines()
    assert summary_of(again.stdout)["unchanged"] == SAMPLE_GOOD
    assert report_state(app) == before


def test_import_311_with_a_map_file(app, runner, categories, boston_areas, tmp_path):
    preset = {"name": "testville", "timezone": "UTC", "date_format": "%Y-%m-%d %H:%M",
              "columns": {"external_id": "id", "type": "kind", "opened": "opened",
                          "lat": "y", "lon": "x", "status": "state"},
              "types": {"Broken lamp": "street_light_outage"},
              "statuses": [{"status": "new", "to": "open"}]}
    (tmp_path / "testville.json").write_text(json.dumps(preset), encoding="utf-8")
    with open(tmp_path / "testville.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "kind", "opened", "y", "x", "state"])
        writer.writerow(["T-1", "Broken lamp", "2024-01-15 08:30", "42.3503", "-71.0810", "new"])
        writer.writerow(["T-2", "Broken lamp", "2024-01-16 09:00", "42.3253", "-71.0750", "new"])
        writer.writerow(["T-3", "Pothole", "2024-01-17 10:00", "42.3253", "-71.0750", "new"])
    result = runner.invoke(args=["import-311", str(tmp_path / "testville.csv"),
                                 "--map", str(tmp_path / "testville.json")])
    assert result.exit_code == 0, result.output
    assert summary_of(result.stdout)["imported"] == 2
    assert skip_reasons(result.stdout) == {"unknown_type": 1}
    assert count(app, Report, Report.external_id.in_(["T-1", "T-2"])) == 2


@pytest.mark.parametrize("args, message", [
    pytest.param(["--preset", "atlantis"], "no preset named 'atlantis'", id="unknown-preset"),
    pytest.param(["--map", "nowhere/atlantis.json"], "does not exist", id="missing-map-file"),
])
def test_import_311_rejects_an_unknown_preset(app, runner, categories, args, message):
    result = runner.invoke(args=["import-311", str(SAMPLE), *args])
    assert result.exit_code != 0
    assert message in result.output
    assert count_reports(app) == 0


def test_import_311_rejects_a_missing_file(app, runner, categories, tmp_path):
    missing = tmp_path / "no-such-export.csv"
    result = runner.invoke(args=["import-311", str(missing)])
    assert result.exit_code != 0
    assert "does not exist" in result.output
    assert count_reports(app) == 0


def test_seed_demo_loads_the_city_then_if_empty_does_nothing(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    summary = summary_of(result.stdout)
    assert set(skip_reasons(result.stdout)) == {"default_geocode", "outside_city"}
    assert count(app, Category) == 17
    assert count(app, Area, Area.kind == "neighborhood") == 26
    assert count(app, Area, Area.kind == "city") == 1
    assert summary["imported"] > 15_000
    assert count_reports(app) == summary["imported"]
    assert count(app, Report, Report.neighborhood_id.is_(None)) == 0
    before = report_state(app)

    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0, again.output
    assert "nothing to do" in again.stdout
    assert "imported" not in again.stdout
    assert report_state(app) == before
