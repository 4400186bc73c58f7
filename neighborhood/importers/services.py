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

BATCH_SIZE = 2000
# The fields an import may change on a report it made before.
SYNCED_FIELDS = ("category_id", "description", "address", "status", "close_reason",
                 "created_at", "due_at", "closed_at")


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
        self._seen: set[str] = set()

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
        }

    def _store(self, batch: list[Record]) -> None:
        ids = [r.external_id for r in batch]
        existing = {row.external_id: row for row in db.session.execute(
            select(Report.id, Report.external_id, *(getattr(Report, f) for f in SYNCED_FIELDS))
            .where(Report.external_id.in_(ids)))}
        inserts, updates = [], []
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
            else:
                self.summary.unchanged += 1
        if inserts:
            db.session.execute(insert(Report), inserts)
            self.summary.imported += len(inserts)
        if updates:
            db.session.execute(update(Report), updates)
            self.summary.updated += len(updates)


def import_files(paths: Iterable, preset: Preset,
                 on_progress: Callable[[int], None] = lambda n: None) -> ImportSummary:
    """Import 311 CSV files by a preset; the caller commits."""
    importer = Importer(preset, on_progress)
    for path in paths:
        importer.import_file(path)
    return importer.summary
