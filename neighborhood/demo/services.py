"""Load the Boston demo city: categories, neighborhoods, the city boundary, 2015 reports."""

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from sqlalchemy import select

from neighborhood.areas.services import replace_boundaries
from neighborhood.extensions import db
from neighborhood.importers.csv311 import load_preset
from neighborhood.importers.services import ImportSummary, import_files
from neighborhood.reports.models import Category
from neighborhood.reports.questions import parse_questions
from neighborhood.routing.models import Department
from neighborhood.routing.services import upsert_departments

DATA = resources.files("neighborhood.demo") / "data"


def demo_csv_files() -> list[Path]:
    """Return the demo's 311 CSV files."""
    return sorted(Path(str(DATA / "boston-311-2015")).glob("*.csv.gz"))


def upsert_categories(items: list[dict]) -> int:
    """Create or update categories by code (default department by its code); return the count."""
    existing = {c.code: c for c in db.session.scalars(select(Category))}
    departments = dict(db.session.execute(select(Department.code, Department.id)).all())
    for item in items:
        category = existing.get(item["code"]) or Category(code=item["code"])
        category.name = item["name"]
        category.family = item["family"]
        category.sla_days = item.get("sla_days")
        category.sensitive = bool(item.get("sensitive", False))
        category.default_department_id = departments.get(item.get("department"))
        questions = item.get("questions")
        parse_questions(questions)  # refuse a broken definition before it is stored
        if category.questions != questions:
            category.questions = questions
        db.session.add(category)
    db.session.flush()
    return len(items)


def seed_demo(on_progress: Callable[[int], None] = lambda n: None) -> ImportSummary:
    """Load (or refresh) the Boston demo; the caller commits. Safe to run again."""
    preset = load_preset("boston")
    upsert_departments([{"code": code, "name": name}
                        for code, name in preset.departments.items()])
    upsert_categories(json.loads((DATA / "categories.json").read_text(encoding="utf-8")))
    geojson = json.loads((DATA / "boston-neighborhoods.geojson").read_text(encoding="utf-8"))
    replace_boundaries(geojson["features"], city_name="Boston")
    return import_files(demo_csv_files(), preset, on_progress)
