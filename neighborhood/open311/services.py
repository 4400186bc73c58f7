"""Open311 writes: api_keys, POST /requests as an ordinary report, batch tokens."""

import secrets
from dataclasses import dataclass
from datetime import datetime

from marshmallow import ValidationError
from sqlalchemy import func, select

from neighborhood.accounts.services import token_digest
from neighborhood.accounts.permissions import ANONYMOUS, Actor, Role, can_manage_accounts
from neighborhood.core.db import utcnow
from neighborhood.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from neighborhood.extensions import db
from neighborhood.open311.models import ApiKey, RequestToken
from neighborhood.reports.models import MAX_ID, Category, Report
from neighborhood.reports.schemas import ReportCreateSchema
from neighborhood.reports.services import Submission, submit_report

KEY_PREFIX = "o311_"
NAME_MAX = 100


def _require_admin(actor: Actor) -> None:
    if actor.role == Role.VISITOR:
        raise Unauthorized()
    if not can_manage_accounts(actor):
        raise Forbidden("Only admins manage Open311 api_keys.")


def create_api_key(name: str, *, actor: Actor, created_by_id: int | None = None
                   ) -> tuple[ApiKey, str]:
    """Issue an api_key for a client (a CRM, an app); return the row and the key (shown once)."""
    _require_admin(actor)
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX:
        raise InvalidInput.field("json", "name", f"Give a name of 1 to {NAME_MAX} characters.")
    if db.session.scalar(select(ApiKey.id).where(func.lower(ApiKey.name) == name.lower())):
        raise Conflict(f"An api_key named {name!r} already exists.")
    plain = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, digest=token_digest(plain), prefix=plain[len(KEY_PREFIX):][:8],
                 created_by_id=created_by_id)
    db.session.add(key)
    db.session.flush()
    return key, plain


def list_api_keys(*, actor: Actor) -> list[ApiKey]:
    """Return every api_key, newest first (never the key itself: only its digest is kept)."""
    _require_admin(actor)
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.id.desc())))


def reports_per_key() -> dict[int, int]:
    """Return how many reports each api_key submitted (the key owner is kept on each)."""
    return dict(db.session.execute(select(Report.api_key_id, func.count(Report.id))
                                   .where(Report.api_key_id.is_not(None))
                                   .group_by(Report.api_key_id)).all())


def find_api_key(ref: str) -> ApiKey:
    """Return an api_key by id or name; NotFound otherwise."""
    query = select(ApiKey).where(func.lower(ApiKey.name) == ref.strip().lower())
    if ref.isascii() and ref.isdigit():
        if int(ref) > MAX_ID:  # no key has it, and PostgreSQL's INTEGER cannot hold it
            raise NotFound(f"No api_key {ref!r}.")
        query = select(ApiKey).where(ApiKey.id == int(ref))
    key = db.session.scalar(query)
    if key is None:
        raise NotFound(f"No api_key {ref!r}.")
    return key


def revoke_api_key(ref: str, *, actor: Actor, now: datetime | None = None) -> ApiKey:
    """Revoke an api_key: its POSTs get 403 from now on; reports it made keep its name."""
    _require_admin(actor)
    key = find_api_key(ref)
    key.revoked_at = key.revoked_at or now or utcnow()
    return key


def authenticate_key(plain: str | None, *, now: datetime | None = None) -> ApiKey:
    """Return the active api_key sent with a POST; Forbidden (403, as the spec says) otherwise."""
    if not plain:
        raise Forbidden("api_key is required to submit a request.")
    key = db.session.scalar(select(ApiKey).where(ApiKey.digest == token_digest(plain.strip())))
    if key is None or key.revoked_at is not None:
        raise Forbidden("Invalid api_key.")
    key.last_used_at = now or utcnow()
    return key


@dataclass(frozen=True)
class RequestForm:
    """What a POST /requests carried, already split into our report fields."""

    service_code: str
    description: str | None
    lat: str | None
    long: str | None
    address_string: str | None
    address_id: str | None
    email: str | None
    first_name: str | None
    last_name: str | None
    phone: str | None
    media_url: str | None
    attributes: dict


@dataclass(frozen=True)
class Created:
    """The outcome of a POST: the report, its token if it waits for review, and a notice."""

    report: Report
    token: str | None
    notice: str | None
    replayed: bool


def _coordinates(form: RequestForm, locate_address) -> tuple[float, float, str | None]:
    """Return lon, lat and the address of a request, from lat/long or a known address."""
    if form.lat is not None or form.long is not None:
        if form.lat is None or form.long is None:
            raise InvalidInput.field("form", "lat" if form.lat is None else "long",
                                     "lat and long must be sent together.")
        try:
            return float(form.long), float(form.lat), form.address_string
        except ValueError:
            raise InvalidInput.field("form", "lat", "lat and long must be numbers.") from None
    if form.address_string:
        found = locate_address(form.address_string)
        if found is None:
            raise InvalidInput.field("form", "address_string",
                                     "This address is not known here; send lat and long.")
        return found[0], found[1], form.address_string
    if form.address_id:
        raise InvalidInput.field("form", "address_id",
                                 "This server keeps no address registry; send lat and long "
                                 "or address_string.")
    raise InvalidInput.field("form", "lat", "Send lat and long, or address_string.")


def submit_request(form: RequestForm, key: ApiKey, *, locate_address,
                   idempotency_key: str | None = None) -> Created:
    """Create an ordinary report (routed, followed, mapped) from an Open311 POST."""
    category = db.session.scalar(select(Category).where(Category.code == form.service_code))
    if category is None:
        raise NotFound(f"No service {form.service_code!r}.")
    lon, lat, address = _coordinates(form, locate_address)
    name = " ".join(n for n in (form.first_name, form.last_name) if n) or None
    contact = {k: v for k, v in (("email", form.email), ("name", name),
                                 ("phone", form.phone)) if v}
    raw = {"category": category.code, "lat": lat, "lon": lon,
           "description": form.description or category.name}
    if address:
        raw["address"] = address
    if contact:
        raw["contact"] = contact
    if form.attributes:
        raw["attributes"] = form.attributes
    try:
        data = ReportCreateSchema().load(raw)
    except ValidationError as exc:
        raise InvalidInput("The request has invalid fields.", {"form": exc.messages}) from exc
    result = submit_report(Submission(data=data, idempotency_key=idempotency_key,
                                      location="form"),
                           actor=ANONYMOUS, source="open311", api_key_id=key.id)
    report = result.report
    token = None
    if category.sensitive:
        token = db.session.scalar(select(RequestToken.token)
                                  .where(RequestToken.report_id == report.id))
        if token is None:
            token = secrets.token_urlsafe(24)
            db.session.add(RequestToken(token=token, report_id=report.id))
            db.session.flush()
    notice = ("media_url is not fetched: send photos through /api/v1/reports."
              if form.media_url else None)
    return Created(report, token, notice, replayed=not result.created)
