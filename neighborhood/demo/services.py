"""Load the Boston demo city: categories, neighborhoods, boundary, 2015 reports, a plan."""

import json
from collections.abc import Callable
from datetime import date
from importlib import resources
from pathlib import Path

from sqlalchemy import select

from neighborhood.accountability.plan_forms import CommitmentForm, PlanForm
from neighborhood.accountability.plan_models import Plan, PlanVersion
from neighborhood.accountability.plan_services import adopt_plan
from neighborhood.areas.models import Area
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


def seed_demo_plan(tz: str) -> Plan | None:
    """Adopt the demo's example action plan unless it is there; return it when it is new.

    Dorchester, a meeting on 2015-03-15, baseline 2015-01-01 to 2015-03-14, deadlines
    2015-12-31 (docs/accountability.md): the baselines are computed from the imported reports.
    """
    raw = json.loads((DATA / "dorchester-plan.json").read_text(encoding="utf-8"))
    existing = db.session.scalar(
        select(Plan.id).join(PlanVersion).join(Area, Area.id == Plan.area_id)
        .where(Area.kind == "neighborhood", Area.code == raw["neighborhood"],
               PlanVersion.number == 1, PlanVersion.title == raw["title"]))
    if existing is not None:
        return None
    commitments = tuple(CommitmentForm(**item | {"deadline": date.fromisoformat(
        item["deadline"])}) for item in raw.pop("commitments"))
    dates = {key: date.fromisoformat(raw.pop(key))
             for key in ("meeting_date", "baseline_from", "baseline_to")}
    participants = tuple(raw.pop("participants"))
    form = PlanForm(participants=participants, commitments=commitments, **dates, **raw)
    return adopt_plan(form, author_id=None, author_role="system", tz=tz)


def seed_demo(on_progress: Callable[[int], None] = lambda n: None) -> ImportSummary:
    """Load (or refresh) the Boston demo and its example plan; the caller commits. Rerunnable."""
    preset = load_preset("boston")
    upsert_departments([{"code": code, "name": name}
                        for code, name in preset.departments.items()])
    upsert_categories(json.loads((DATA / "categories.json").read_text(encoding="utf-8")))
    geojson = json.loads((DATA / "boston-neighborhoods.geojson").read_text(encoding="utf-8"))
    replace_boundaries(geojson["features"], city_name="Boston")
    summary = import_files(demo_csv_files(), preset, on_progress)
    seed_demo_plan(preset.timezone.key)
    return summary
