"""Store imported 311 records as reports: insert new ones, update changed ones, never twice."""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import insert, select, update

from neighborhood.areas.services import area_locator
from neighborhood.core.db import utcnow
from neighborhood.core.spatial import point_element
from neighborhood.extensions import db
from neighborhood.importers.csv311 import Preset, Record, Skip, open_rows, read_row
from neighborhood.reports.models import Category, Report
from neighborhood.reports.services import h3_cells
from neighborhood.routing.models import Department
from neighborhood.routing.services import upsert_departments
from neighborhood.workflow.models import StatusChange
from neighborhood.workflow.states import CLOSED_STATUSES, OPEN_STATUSES

BATCH_SIZE = 2000
# The fields an import may change on a report it made before.
SYNCED_FIELDS = ("category_id", "description", "address", "status", "close_reason",
                 "created_at", "due_at", "closed_at", "department_id")


@dataclass
class ImportSummary:
    """What an import did: rows imported, updated, unchanged, and skipped by reason."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: Counter = field(default_factory=Counter)

    @property
    def rows(self) -> int:
        """Return the number of rows read."""
        return self.imported + self.updated + self.unchanged + sum(self.skipped.values())

    def lines(self) -> list[str]:
        """Return the summary as lines for a terminal."""
        out = [f"rows read: {self.rows:,}", f"imported: {self.imported:,}",
               f"updated: {self.updated:,}", f"unchanged: {self.unchanged:,}",
               f"skipped: {sum(self.skipped.values()):,}"]
        out += [f"  {reason}: {count:,}" for reason, count in sorted(self.skipped.items())]
        return out


class Importer:
    """Batches records into the report table, keyed by external_id."""

    def __init__(self, preset: Preset, on_progress: Callable[[int], None] = lambda n: None):
        self.preset = preset
        self.on_progress = on_progress
        self.summary = ImportSummary()
        self.categories = dict(db.session.execute(select(Category.code, Category.id)).all())
        self.locator = area_locator()
        self.departments = dict(db.session.execute(select(Department.code, Department.id)).all())
        # Add the preset's departments that are missing; never rename ones the city edited.
        upsert_departments([{"code": code, "name": name}
                            for code, name in preset.departments.items()
                            if code not in self.departments])
        self.departments = dict(db.session.execute(select(Department.code, Department.id)).all())
        self._seen: set[str] = set()

    def _department_id(self, code: str | None) -> int | None:
        """Return the id of the city's department code, creating an unknown one by its code."""
        if code is None:
            return None
        if code not in self.departments:
            department = Department(code=code, name=code)
            db.session.add(department)
            db.session.flush()
            self.departments[code] = department.id
        return self.departments[code]

    def import_file(self, path) -> None:
        """Read one CSV file (plain or gzipped) and store its rows in batches."""
        batch: list[Record] = []
        for row in open_rows(path):
            item = read_row(row, self.preset)
            if isinstance(item, Skip):
                self.summary.skipped[item.reason] += 1
                self.on_progress(1)
                continue
            batch.append(item)
            if len(batch) >= BATCH_SIZE:
                self._store(batch)
                batch = []
        if batch:
            self._store(batch)

    def _values(self, record: Record) -> dict | str:
        """Return the report column values of a record, or a skip reason."""
        category_id = self.categories.get(record.category_code)
        if category_id is None:
            return "category_not_loaded"
        if not self.locator.in_city(record.lon, record.lat):
            return "outside_city"
        return {
            "category_id": category_id, "description": record.description,
            "address": record.address, "status": record.status,
            "close_reason": record.close_reason, "created_at": record.created_at,
            "due_at": record.due_at, "closed_at": record.closed_at,
            "department_id": self._department_id(record.department_code),
        }

    def _store(self, batch: list[Record]) -> None:
        ids = [r.external_id for r in batch]
        existing = {row.external_id: row for row in db.session.execute(
            select(Report.id, Report.external_id, *(getattr(Report, f) for f in SYNCED_FIELDS))
            .where(Report.external_id.in_(ids)))}
        inserts, updates, moved, reopened = [], [], [], []
        now = utcnow()
        for record in batch:
            self.on_progress(1)
            if record.external_id in self._seen:
                self.summary.skipped["repeated_in_input"] += 1
                continue
            self._seen.add(record.external_id)
            values = self._values(record)
            if isinstance(values, str):
                self.summary.skipped[values] += 1
                continue
            old = existing.get(record.external_id)
            if old is None:
                r8, r9 = h3_cells(record.lon, record.lat)
                inserts.append(values | {
                    "external_id": record.external_id, "source": "import",
                    "location": point_element(record.lon, record.lat),
                    "h3_r8": r8, "h3_r9": r9, "updated_at": now,
                    "neighborhood_id": self.locator.neighborhood_at(record.lon, record.lat),
                })
            elif any(getattr(old, f) != values[f] for f in SYNCED_FIELDS):
                updates.append(values | {"id": old.id, "updated_at": now})
                if old.status != values["status"]:
                    moved.append(_step(old.id, old.status, record, values, now))
                    if old.status in CLOSED_STATUSES and values["status"] in OPEN_STATUSES:
                        reopened.append(old.id)
            else:
                self.summary.unchanged += 1
        if inserts:
            db.session.execute(insert(Report), inserts)
            self.summary.imported += len(inserts)
            moved += self._intake_steps(inserts, batch)
        if updates:
            db.session.execute(update(Report), updates)
            self.summary.updated += len(updates)
        if reopened:  # the city reopened them: counted like a reopening in the app
            db.session.execute(update(Report).where(Report.id.in_(reopened))
                               .values(reopen_count=Report.reopen_count + 1)
                               .execution_options(synchronize_session=False))
        if moved:
            db.session.execute(insert(StatusChange), moved)

    def _intake_steps(self, inserts: list[dict], batch: list[Record]) -> list[dict]:
        """Return the timeline of new reports: opened, and closed if the city closed them."""
        by_id = {r.external_id: r for r in batch}
        ids = dict(db.session.execute(select(Report.external_id, Report.id).where(
            Report.external_id.in_([v["external_id"] for v in inserts]))).all())
        steps = []
        for values in inserts:
            record = by_id[values["external_id"]]
            report_id = ids[values["external_id"]]
            steps.append({"report_id": report_id, "kind": "status", "from_status": None,
                          "to_status": "open", "actor_role": "system",
                          "to_department_id": values["department_id"],
                          "at": record.created_at})
            if record.status != "open":
                steps.append(_step(report_id, "open", record, values, record.created_at))
        return steps


def _step(report_id: int, old_status: str, record: Record, values: dict, fallback) -> dict:
    """Return the timeline step of a status the city's data moved a report to."""
    return {"report_id": report_id, "kind": "status", "from_status": old_status,
            "to_status": record.status, "close_reason": record.close_reason,
            "actor_role": "staff" if record.closed_at else "system",
            "to_department_id": values["department_id"], "note": record.closure_note,
            "at": record.closed_at or fallback}


def import_files(paths: Iterable, preset: Preset,
                 on_progress: Callable[[int], None] = lambda n: None) -> ImportSummary:
    """Import 311 CSV files by a preset; the caller commits."""
    importer = Importer(preset, on_progress)
    for path in paths:
        importer.import_file(path)
    return importer.summary
