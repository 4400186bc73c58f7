"""Open311 reads: services, definitions, request records and the timeline as updates.

Only public reports are read (hidden and pending_review never appear); sensitive categories
carry generalized coordinates and no address, as everywhere else.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from geoalchemy2.shape import to_shape
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from neighborhood.core.errors import NotFound
from neighborhood.extensions import db
from neighborhood.open311.formats import w3_datetime
from neighborhood.open311.mapping import MAX_RESULTS, Window, request_status, update_status
from neighborhood.open311.models import RequestToken
from neighborhood.reports.models import MAX_ID, Category, Report
from neighborhood.reports.queries import ReportFilter, public_place, public_reports_query
from neighborhood.reports.questions import parse_questions
from neighborhood.reports.schemas import question_dict
from neighborhood.workflow.models import StatusChange
from neighborhood.workflow.states import CLOSED_STATUSES, HIDDEN_STATUSES, OPEN_STATUSES

ZIP_AT_END = re.compile(r"\b(\d{5})(?:-\d{4})?\s*$")
FAMILY_GROUPS = {"lighting": "Street lighting", "parks": "Parks", "signs": "Signs",
                 "problem_business": "Problem businesses", "other": "Other"}


@dataclass(frozen=True)
class Links:
    """How a record links out: the absolute URL of a photo by key."""

    photo_url: object  # callable(key) -> str
    tz: str


def changeset() -> datetime | None:
    """Return when a service or its definition last changed (discovery's changeset)."""
    return db.session.scalar(select(func.max(Category.updated_at)))


def list_services() -> list[Category]:
    """Return every category as a service, by family then name."""
    return list(db.session.scalars(select(Category).order_by(Category.family, Category.name)))


def service_record(category: Category) -> dict:
    """Return a category as a GeoReport service."""
    questions = parse_questions(category.questions)
    due = f" Target: {category.sla_days:g} days." if category.sla_days else ""
    review = " Reviewed before it is published." if category.sensitive else ""
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": f"{category.name}.{due}{review}",
        "metadata": bool(questions),
        # Sensitive categories wait for a moderator: POST returns a token, not an id.
        "type": "batch" if category.sensitive else "realtime",
        "keywords": ", ".join(dict.fromkeys([category.family.replace("_", " ")]
                                            + category.code.split("_"))),
        "group": FAMILY_GROUPS.get(category.family, category.family),
    }


def service_definition(code: str) -> dict:
    """Return a service's extra questions; NotFound if unknown or it has none (metadata false)."""
    category = db.session.scalar(select(Category).where(Category.code == code))
    if category is None:
        raise NotFound(f"No service {code!r}.")
    questions = parse_questions(category.questions)
    if not questions:
        raise NotFound(f"Service {code!r} has no definition (its metadata is false).")
    return {"service_code": category.code,
            "attributes": [question_dict(q) for q in questions]}


@dataclass(frozen=True)
class Latest:
    """A report's latest public step: when it happened and the latest public note."""

    at: datetime
    note: str | None


def _latest_steps(report_ids: list[int]) -> dict[int, Latest]:
    """Return, per report, when its timeline last moved and its latest public note."""
    latest: dict[int, Latest] = {}
    if not report_ids:
        return latest
    rows = db.session.execute(
        select(StatusChange.report_id, StatusChange.at, StatusChange.note)
        .where(StatusChange.report_id.in_(report_ids))
        .order_by(StatusChange.at.desc(), StatusChange.id.desc()))
    for report_id, at, note in rows:
        found = latest.get(report_id)
        if found is None:
            latest[report_id] = Latest(at, note or None)
        elif found.note is None and note:
            latest[report_id] = Latest(found.at, note)
    return latest


def _zipcode(address: str | None) -> str | None:
    """Return the ZIP code an address ends with (Boston's do: '... MA 02121'), if any."""
    match = ZIP_AT_END.search(address or "")
    return match.group(1) if match else None


def request_records(reports: list[Report], links: Links) -> list[dict]:
    """Return GeoReport request records (no contact, ever; sensitive places generalized)."""
    latest = _latest_steps([r.id for r in reports])
    records = []
    for report in reports:
        place = public_place(report)
        steps = latest.get(report.id) or Latest(report.created_at, None)
        photos = report.reporter_photos
        records.append({
            "service_request_id": str(report.id),
            "status": request_status(report.status),
            "status_notes": steps.note,
            "service_name": report.category.name,
            "service_code": report.category.code,
            "description": report.description,
            "agency_responsible": report.department.name if report.department else None,
            "service_notice": None,
            "requested_datetime": w3_datetime(report.created_at, links.tz),
            # When the timeline last moved (not when a row was last rewritten by an import).
            "updated_datetime": w3_datetime(steps.at, links.tz),
            "expected_datetime": w3_datetime(report.due_at, links.tz),
            "address": place.address,
            "address_id": None,
            "zipcode": _zipcode(place.address),
            "lat": place.lat,
            "long": place.lon,
            "media_url": links.photo_url(photos[0].key) if photos else None,
        })
    return records


def _loaded(query):
    return query.options(selectinload(Report.photos))


def requests_by_id(ids: list[int]) -> list[Report]:
    """Return the public reports among ids, newest first."""
    wanted = [i for i in ids if 0 < i <= MAX_ID]
    if not wanted:
        return []
    query = public_reports_query(ReportFilter(), "UTC").where(Report.id.in_(wanted))
    return list(db.session.scalars(_loaded(query).order_by(Report.id.desc())).unique())


def search_requests(window: Window, service_codes: list[str], statuses: list[str],
                    city_tz: str) -> list[Report]:
    """Return up to 1,000 public reports requested within the window, newest first."""
    wanted = set()
    for status in statuses:
        wanted |= OPEN_STATUSES if status == "open" else CLOSED_STATUSES
    flt = ReportFilter(categories=tuple(service_codes), statuses=tuple(sorted(wanted)))
    query = (public_reports_query(flt, city_tz)
             .where(Report.created_at >= window.start, Report.created_at <= window.end))
    return list(db.session.scalars(_loaded(query).order_by(Report.created_at.desc(),
                                                           Report.id.desc())
                                   .limit(MAX_RESULTS)).unique())


def token_record(token: str) -> dict:
    """Return what a batch token resolved to: the request id once the report is public."""
    row = db.session.execute(select(RequestToken.report_id, Report.status)
                             .join(Report, Report.id == RequestToken.report_id)
                             .where(RequestToken.token == token)).first()
    if row is None:
        raise NotFound(f"No token {token!r}.")
    report_id, published = row.report_id, row.status not in HIDDEN_STATUSES
    return {"service_request_id": str(report_id) if published else None, "token": token}


def request_updates(window: Window | None, report_ids: list[int], links: Links) -> list[dict]:
    """Return public timeline steps as mySociety request_updates, oldest first (at most 1,000).

    Steps of hidden reports, and the steps into or out of review, are never published.
    """
    query = (select(StatusChange).join(Report, Report.id == StatusChange.report_id)
             .where(Report.status.not_in(sorted(HIDDEN_STATUSES)),
                    StatusChange.to_status.not_in(sorted(HIDDEN_STATUSES))))
    if report_ids:
        query = query.where(StatusChange.report_id.in_([i for i in report_ids if i <= MAX_ID]))
    if window:
        query = query.where(StatusChange.at >= window.start, StatusChange.at <= window.end)
    steps = db.session.scalars(query.order_by(StatusChange.at, StatusChange.id)
                               .limit(MAX_RESULTS))
    return [{
        "update_id": str(step.id),
        "service_request_id": str(step.report_id),
        "status": update_status(step.kind, step.from_status, step.to_status, step.close_reason),
        "updated_datetime": w3_datetime(step.at, links.tz),
        "description": step.note,
        "media_url": links.photo_url(step.photo.key) if step.photo else None,
    } for step in steps]


def locate_address(address: str) -> tuple[float, float] | None:
    """Return lon, lat of the newest public report at this address (the city's own records)."""
    wanted = " ".join(address.split()).lower()
    if not wanted:
        return None
    location = db.session.scalar(
        select(Report.location).join(Report.category)
        .where(func.lower(Report.address) == wanted, Category.sensitive.is_(False),
               Report.status.not_in(sorted(HIDDEN_STATUSES)))
        .order_by(Report.created_at.desc()).limit(1))
    if location is None:
        return None
    point = to_shape(location)
    return point.x, point.y
