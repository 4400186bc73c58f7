"""Turn rows of a city's 311 CSV export into report records, by a preset. Pure.

A preset is data (see presets/*.json): which column holds what, how dates are written, which
request types map to which category, how statuses map, and which points are default geocodes.
"""

import csv
import gzip
import io
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

REQUIRED_COLUMNS = ("external_id", "type", "opened", "lat", "lon")


class PresetError(ValueError):
    """A preset file is not usable."""


@dataclass(frozen=True)
class StatusRule:
    """Source status (and closure text pattern) -> our status and close reason."""

    status: str
    to: str
    closure_matches: re.Pattern | None = None
    close_reason: str | None = None

    def matches(self, status: str, closure: str) -> bool:
        """Return True if this rule applies to a row's status and closure text."""
        if status.strip().lower() != self.status.lower():
            return False
        return self.closure_matches is None or bool(self.closure_matches.search(closure))


@dataclass(frozen=True)
class DefaultGeocode:
    """A point a source system uses when it has no real location (e.g. City Hall)."""

    lat: float
    lon: float
    radius_m: float
    label: str

    def covers(self, lat: float, lon: float) -> bool:
        """Return True if (lat, lon) is within radius_m of this point (equirectangular)."""
        dy = (lat - self.lat) * 111_320.0
        dx = (lon - self.lon) * 111_320.0 * math.cos(math.radians(self.lat))
        return math.hypot(dx, dy) <= self.radius_m


@dataclass(frozen=True)
class Preset:
    """How to read one city's 311 export."""

    name: str
    timezone: ZoneInfo
    date_format: str
    columns: dict[str, str]
    description: str
    types: dict[str, str]
    statuses: tuple[StatusRule, ...]
    default_geocodes: tuple[DefaultGeocode, ...]
    departments: dict[str, str] = field(default_factory=dict)  # source code -> name

    @classmethod
    def from_dict(cls, raw: dict) -> "Preset":
        """Build a preset from its JSON form; PresetError if a required part is missing."""
        try:
            columns = dict(raw["columns"])
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            if missing:
                raise PresetError(f"preset columns lack {', '.join(missing)}")
            return cls(
                name=raw["name"], timezone=ZoneInfo(raw.get("timezone", "UTC")),
                date_format=raw["date_format"], columns=columns,
                description=raw.get("description", "{%s}" % columns["type"]),
                types=dict(raw["types"]),
                statuses=tuple(StatusRule(status=r["status"], to=r["to"],
                                          closure_matches=re.compile(r["closure_matches"])
                                          if r.get("closure_matches") else None,
                                          close_reason=r.get("close_reason"))
                               for r in raw.get("statuses", [])),
                default_geocodes=tuple(DefaultGeocode(g["lat"], g["lon"], g["radius_m"],
                                                      g.get("label", "default geocode"))
                                       for g in raw.get("default_geocodes", [])),
                departments={str(k): str(v) for k, v in raw.get("departments", {}).items()},
            )
        except (KeyError, TypeError, ValueError, re.error) as exc:
            raise PresetError(f"bad preset: {exc!r}") from exc


def load_preset(name_or_path: str) -> Preset:
    """Load a built-in preset by name, or a preset JSON file by path."""
    path = Path(name_or_path)
    if path.suffix == ".json" and path.is_file():
        source = path
    else:
        source = resources.files("neighborhood.importers") / "presets" / f"{name_or_path}.json"
        if not source.is_file():
            raise PresetError(f"no preset named '{name_or_path}' (and no such JSON file)")
    try:
        return Preset.from_dict(json.loads(source.read_text(encoding="utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PresetError(f"preset is not valid JSON (UTF-8): {exc}") from exc


@dataclass(frozen=True)
class Record:
    """One report as read from a source row, ready to store."""

    external_id: str
    category_code: str
    description: str
    lat: float
    lon: float
    address: str | None
    status: str
    close_reason: str | None
    created_at: datetime
    due_at: datetime | None
    closed_at: datetime | None
    department_code: str | None = None  # the city's own routing, kept as it was
    closure_note: str | None = None  # the city's closure text, shown on the timeline


@dataclass(frozen=True)
class Skip:
    """A row that was not imported, and why (a short reason code)."""

    external_id: str
    reason: str


def open_rows(path: str | Path) -> Iterator[dict]:
    """Yield the rows of a CSV file, plain or gzipped (by magic bytes, not by name)."""
    with open(path, "rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    opener = gzip.open if gzipped else open
    with opener(path, "rb") as binary:
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        yield from csv.DictReader(text)


def count_rows(paths) -> int:
    """Return the number of data rows in CSV files (for a progress bar's length)."""
    return sum(1 for path in paths for _ in open_rows(path))


def _date(value: str, preset: Preset) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    local = datetime.strptime(value, preset.date_format).replace(tzinfo=preset.timezone)
    return local.astimezone(UTC)


def _status(row: dict, preset: Preset, closed: datetime | None) -> tuple[str, str | None] | None:
    """Return (status, close_reason) by the preset's rules; without rules, by the closed date."""
    if not preset.statuses:
        return ("resolved" if closed else "open"), None
    cols = preset.columns
    status = row.get(cols.get("status", ""), "") or ""
    closure = row.get(cols.get("closure", ""), "") or ""
    for rule in preset.statuses:
        if rule.matches(status, closure):
            return rule.to, rule.close_reason
    return None


def read_row(row: dict, preset: Preset) -> Record | Skip:
    """Map one source row to a Record, or to a Skip with the reason it cannot be imported."""
    cols = preset.columns
    external_id = (row.get(cols["external_id"]) or "").strip()
    if not external_id:
        return Skip("", "missing_id")
    category = preset.types.get((row.get(cols["type"]) or "").strip())
    if category is None:
        return Skip(external_id, "unknown_type")
    try:
        lat, lon = float(row[cols["lat"]]), float(row[cols["lon"]])
    except (KeyError, TypeError, ValueError):
        return Skip(external_id, "bad_coordinates")
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        return Skip(external_id, "bad_coordinates")
    if lat == 0 and lon == 0:
        return Skip(external_id, "zero_coordinates")
    if any(g.covers(lat, lon) for g in preset.default_geocodes):
        return Skip(external_id, "default_geocode")
    try:
        created = _date(row[cols["opened"]], preset)
        due = _date(row.get(cols.get("due", ""), ""), preset)
        closed = _date(row.get(cols.get("closed", ""), ""), preset)
    except (KeyError, ValueError):
        return Skip(external_id, "bad_date")
    if created is None:
        return Skip(external_id, "bad_date")
    mapped = _status(row, preset, closed)
    if mapped is None:
        return Skip(external_id, "unknown_status")
    status, close_reason = mapped
    if status in ("open",):
        closed = None
    address = " ".join((row.get(cols.get("address", ""), "") or "").split()) or None
    department = (row.get(cols.get("department", ""), "") or "").strip() or None
    closure = " ".join((row.get(cols.get("closure", ""), "") or "").split()) or None
    try:
        description = preset.description.format_map(row).strip()
    except (KeyError, ValueError, IndexError):
        description = ""
    return Record(
        external_id=external_id, category_code=category,
        description=(description or category.replace("_", " "))[:4000],
        lat=lat, lon=lon, address=address[:255] if address else None, status=status,
        close_reason=close_reason, created_at=created, due_at=due, closed_at=closed,
        department_code=department[:32] if department else None,
        closure_note=closure[:4000] if closure and closed else None,
    )
