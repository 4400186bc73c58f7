"""Report intake: validate, locate, store photos, and create a report exactly once."""

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from datetime import datetime, timedelta

import h3
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, literal, select
from sqlalchemy.orm import make_transient_to_detached

from neighborhood.accounts.permissions import (ANONYMOUS, Actor, can_record_walk,
                                               submission_source)
from neighborhood.areas.services import area_locator, locator_version
from neighborhood.core import signals, transaction
from neighborhood.core.db import utcnow
from neighborhood.core.spatial import point_element
from neighborhood.core.writer_queue import reads_then_writes
from neighborhood.core.errors import InvalidInput
from neighborhood.core.messages import localize
from neighborhood.extensions import db
from neighborhood.moderation.bans import (BAN_CANDIDATES, ban_candidates, ban_matches,
                                          refuse_matches)
from neighborhood.reports.models import Category, IdempotencyKey, Photo, Report
from neighborhood.reports.questions import check_answers, parse_questions
from neighborhood.reports.photos import PhotoRejected, ProcessedPhoto, process_photo
from neighborhood.reports.storage import photo_store
from neighborhood.reports.writes import NewReport, insert_report
from neighborhood.routing.models import Department
from neighborhood.routing.services import route, router_version
from neighborhood.workflow.states import initial_status

ANONYMOUS_SCOPE = "anonymous"


@dataclass(frozen=True)
class Upload:
    """One uploaded file, as received."""

    filename: str
    data: bytes


@dataclass
class Submission:
    """What a reporter sent: the validated fields, the raw uploads, and an optional key."""

    data: dict
    uploads: list[Upload] = field(default_factory=list)
    idempotency_key: str | None = None
    location: str = "json"  # where the fields came from, for error messages


@dataclass(frozen=True)
class SubmitResult:
    """The report, and whether it was created now (False: an idempotent replay)."""

    report: Report
    created: bool


def h3_cells(lon: float, lat: float) -> tuple[str, str]:
    """Return the H3 cell ids (resolution 8, 9) of a point."""
    return h3.latlng_to_cell(lat, lon, 8), h3.latlng_to_cell(lat, lon, 9)


def fingerprint(submission: Submission) -> str:
    """Return a digest of the submission's content, to tell a retry from a different request."""
    digest = hashlib.sha256()
    digest.update(json.dumps(submission.data, sort_keys=True, default=str).encode())
    for upload in submission.uploads:
        digest.update(hashlib.sha256(upload.data).digest())
    return digest.hexdigest()


@dataclass(frozen=True)
class _Lookups:
    """What intake reads before it writes, in one statement."""

    category: Category | None  # None: no category has the code
    department: Department | None  # the category's default; held so the session keeps it
    key_fingerprint: str | None  # the Idempotency-Key's earlier use, if any
    key_report_id: int | None
    ban_matches: int  # ban-list patterns that match the contact or the account's address
    locator_version: tuple
    router_version: tuple


# Intake's statements are built once per process: building one (and its cache key) costs
# about as much as running it.
@cache
def _lookups_query():
    # Every part is optional, so the statement starts from one constant row and joins the
    # rest: it answers one row whether or not the category or the key exist.
    anchor = select(literal(1).label("one")).subquery("anchor")
    return (select(Category, Department, IdempotencyKey.fingerprint, IdempotencyKey.report_id,
                   ban_matches(), *locator_version(), *router_version())
            .select_from(anchor)
            .outerjoin(Category, Category.code == bindparam("code"))
            .outerjoin(Department, Department.id == Category.default_department_id)
            .outerjoin(IdempotencyKey, (IdempotencyKey.scope == bindparam("scope"))
                       & (IdempotencyKey.key == bindparam("key"))))


@cache
def _version_widths() -> tuple[int, int]:
    return len(locator_version()), len(router_version())


@cache
def _key_query():
    return (select(IdempotencyKey.fingerprint, IdempotencyKey.report_id)
            .where(IdempotencyKey.scope == bindparam("scope"),
                   IdempotencyKey.key == bindparam("key")))


def _stored(report: Report) -> Report:
    """Put a report just INSERTed into the session as persistent, its attributes as given."""
    make_transient_to_detached(report)
    db.session.add(report)
    return report


def _lookups(code: str, scope: str, key: str | None, ban_candidates: list[str]) -> _Lookups:
    """Read, in one statement, all intake needs before it writes: the category (with its
    default department, into the session), the key's earlier use, the ban list's matches and
    the versions of the area locator and the router."""
    row = db.session.execute(_lookups_query(), {
        "code": code, "scope": scope, "key": key, BAN_CANDIDATES: ban_candidates}).one()
    areas, claims = _version_widths()
    return _Lookups(*row[:5], locator_version=tuple(row[5:5 + areas]),
                    router_version=tuple(row[5 + areas:5 + areas + claims]))


def _answers(category: Category, given: dict, location: str) -> dict:
    """Return the checked answers to the category's questions; 422 naming each bad one."""
    clean, errors = check_answers(parse_questions(category.questions), given)
    if errors:
        code, messages = next(iter(errors.items()))
        raise InvalidInput(f"attributes.{code}: {localize(messages[0])}",
                           {location: {"attributes": errors}})
    return clean


def process_uploads(uploads: list[Upload], field_name: str = "photos") -> list[ProcessedPhoto]:
    """Validate and re-encode uploaded photos; 422 naming the file on the first bad one."""
    config = current_app.config
    if len(uploads) > config["PHOTO_MAX_COUNT"]:
        raise InvalidInput.field("files", field_name,
                                 _("At most %(count)s photos per report.",
                                   count=config["PHOTO_MAX_COUNT"]))
    processed = []
    for upload in uploads:
        try:
            processed.append(process_photo(upload.data, max_bytes=config["PHOTO_MAX_BYTES"],
                                           max_pixels=config["PHOTO_MAX_PIXELS"],
                                           max_side=config["PHOTO_MAX_SIDE"]))
        except PhotoRejected as exc:
            raise InvalidInput.field("files", field_name, _(
                "%(file)s: %(reason)s.", file=upload.filename, reason=localize(str(exc)))) from exc
    return processed


def attach_photos(report: Report, photos: list[ProcessedPhoto], *, kind: str,
                  now: datetime) -> list[Photo]:
    """Add photos to a report and save their files; a rollback deletes the files again."""
    if not photos:
        return []
    store = photo_store()
    rows = []
    for photo in photos:
        row = Photo(key=store.new_key(), width=photo.width, height=photo.height,
                    size_bytes=len(photo.data), kind=kind, created_at=now)
        report.photos.append(row)
        store.save(row.key, photo.data)
        transaction.on_rollback(lambda key=row.key: store.delete(key))
        rows.append(row)
    return rows


def scope_of(actor: Actor) -> str:
    """Return the idempotency scope of a caller: their account, or the anonymous pool."""
    return f"user:{actor.user_id}" if actor.user_id else ANONYMOUS_SCOPE


def _replay_claimed(scope: str, key: str, fp: str) -> Report:
    """Return the report of a key another request claimed first; 422 if its body differed."""
    row = db.session.execute(_key_query(), {"scope": scope, "key": key}).first()
    if row is None:  # the key was there for the INSERT, so it is for this SELECT
        raise RuntimeError(f"Idempotency-Key {key!r} of {scope} was claimed but not found.")
    return _replay(row.fingerprint, row.report_id, fp)


def _replay(earlier_fingerprint: str, report_id: int, fp: str) -> Report:
    """Return the report a key's earlier submission made; 422 if its body was different."""
    if earlier_fingerprint != fp:
        raise InvalidInput.field("headers", "Idempotency-Key",
                                 _("This key was already used with a different request body."))
    return db.session.get(Report, report_id)


def submit_report(submission: Submission, *, actor: Actor = ANONYMOUS,
                  source: str | None = None, reporter_email: str | None = None,
                  api_key_id: int | None = None, now: datetime | None = None) -> SubmitResult:
    """Create a report from a submission, or return the one an identical retry already made.

    The report is routed to its department, starts its timeline, and the reporter (their
    contact email, or their account's address) follows it. A walk_id from anyone who may not
    record walks is a 422 on that field, not a 403: like any field intake refuses, it is the
    input that is wrong, and the caller may still report without it.
    """
    # Photos are decoded and re-encoded first: the slowest step (tens of ms), and a bad one
    # is refused before any query.
    photos = process_uploads(submission.uploads)
    # On SQLite, intake reads without the write lock and takes it at its first INSERT:
    # everything it must not duplicate is guarded by unique keys, not by what it read.
    # On PostgreSQL a submission without photos writes in one statement (reports.writes),
    # which is then its transaction: no BEGIN and COMMIT round trips.
    with reads_then_writes():
        if not photos:
            transaction.autocommit_if_untouched()
        return _create_once(submission, photos, actor=actor, source=source,
                            reporter_email=reporter_email, api_key_id=api_key_id, now=now)


def _create_once(submission: Submission, photos: list[ProcessedPhoto], *, actor: Actor,
                 source: str | None, reporter_email: str | None, api_key_id: int | None,
                 now: datetime | None) -> SubmitResult:
    """Replay the key's report, or check the submission and create its report."""
    data, where = submission.data, submission.location
    scope = f"open311:{api_key_id}" if api_key_id else scope_of(actor)
    fp = fingerprint(submission)
    lon, lat = data["lon"], data["lat"]
    r8, r9 = h3_cells(lon, lat)
    lookups = _lookups(data["category"], scope, submission.idempotency_key,
                       ban_candidates((data.get("contact") or {}).get("email"), reporter_email))
    # In this order: a retry is answered as the first attempt was, whatever changed since.
    if lookups.key_fingerprint is not None:
        return SubmitResult(_replay(lookups.key_fingerprint, lookups.key_report_id, fp),
                            created=False)
    refuse_matches(lookups.ban_matches)
    category = lookups.category
    if category is None:
        raise InvalidInput.field(where, "category",
                                 _("Unknown category '%(code)s'.", code=data["category"]))
    locator = area_locator(lookups.locator_version)
    if not locator.in_city(lon, lat):
        message = _("The point (%(lat)s, %(lon)s) is outside %(city)s.", lat=lat, lon=lon,
                    city=current_app.config["CITY_NAME"])
        raise InvalidInput(message, {where: {"lat": [message], "lon": [message]}})
    answers = _answers(category, data.get("attributes") or {}, where)
    walk_id = data.get("walk_id")
    if walk_id is not None and not can_record_walk(actor):
        raise InvalidInput.field(where, "walk_id",
                                 _("Only officers and admins record walks."))

    now = now or utcnow()
    contact = data.get("contact") or {}
    decision = route(category, lon, lat, current_app.config.get("ROUTING_FALLBACK_DEPARTMENT"),
                     version=lookups.router_version)
    status = initial_status(category.sensitive)
    department = None
    if decision.department_id is not None:
        # Usually the category's default department, which _lookups loaded: no SELECT here,
        # and none when the response names the department.
        department = (lookups.department
                      if decision.department_id == category.default_department_id
                      else db.session.get(Department, decision.department_id))
    values = {
        "category_id": category.id, "description": data["description"],
        "address": data.get("address") or None, "location": point_element(lon, lat),
        "status": status, "close_reason": None, "source": source or submission_source(actor),
        "contact_email": contact.get("email"), "contact_name": contact.get("name"),
        "contact_phone": contact.get("phone"), "created_at": now, "updated_at": now,
        "closed_at": None,
        "due_at": now + timedelta(days=category.sla_days) if category.sla_days else None,
        "h3_r8": r8, "h3_r9": r9, "neighborhood_id": locator.neighborhood_at(lon, lat),
        "external_id": None, "department_id": decision.department_id,
        "reporter_id": actor.user_id, "duplicate_of_id": None, "support_count": 0,
        "reopen_count": 0, "fixed_count": 0, "answers": answers or None,
        "api_key_id": api_key_id, "walk_uuid": str(walk_id) if walk_id is not None else None,
    }
    follow_email = contact.get("email") or reporter_email
    # Plain INSERTs on the session's connection, not an ORM unit of work (which was a fifth
    # of intake's CPU); one statement on PostgreSQL (reports.writes).
    key = submission.idempotency_key
    sql = db.session.connection()
    report_id = insert_report(sql, NewReport(
        report=values,
        step={"kind": "status", "from_status": None, "to_status": status,
              "to_department_id": decision.department_id, "actor_role": actor.role.value,
              "actor_id": actor.user_id, "at": now},
        key={"scope": scope, "key": key, "fingerprint": fp, "created_at": now} if key else None,
        follower={"email": follow_email.lower(), "user_id": actor.user_id,
                  "is_reporter": True, "confirmed_at": now,
                  "created_at": now} if follow_email else None))
    if report_id is None:
        # A concurrent request with the same key committed first: answer with its report.
        return SubmitResult(_replay_claimed(scope, key, fp), created=False)

    report = _stored(Report(id=report_id, **values, category=category, department=department,
                            photos=[]))  # known empty: no lazy SELECT when photos are added
    if photos:
        attach_photos(report, photos, kind="report", now=now)
        db.session.flush()
    signals.report_submitted.send(current_app._get_current_object(), report=report)
    return SubmitResult(report, created=True)
