"""Open311 GeoReport v2 at /open311/v2: thin views over open311.services and open311.queries.

The format is the path's suffix (.xml, the spec's required one, or .json); errors come in the
spec's <errors> list with 400, 403 or 404.
"""

import re

from flask import Blueprint, Flask, Response, current_app, request, url_for

from neighborhood.accounts.services import token_digest
from neighborhood.core.db import utcnow
from neighborhood.core.errors import NotFound, register_renderer
from neighborhood.extensions import limiter
from neighborhood.open311 import queries, services
from neighborhood.open311.formats import (CONTENT_TYPES, MIME_TYPES, errors_payload, render,
                                          w3_datetime)
from neighborhood.open311.mapping import (REQUEST_STATUSES, BadParameter, comma_list,
                                          date_window, parse_w3)
from neighborhood.reports.views import idempotency_key

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FMT = "<any(xml, json):fmt>"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
ATTRIBUTE_FIELD = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


def _respond(fmt: str, root: str, payload, status: int = 200) -> Response:
    return Response(render(fmt, root, payload), status=status,
                    content_type=CONTENT_TYPES[fmt])


def _tz() -> str:
    return current_app.config["CITY_TIMEZONE"]


def _absolute(endpoint: str, **values) -> str:
    """Return an absolute URL on BASE_URL (never on the Host header a client sent)."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def _links() -> queries.Links:
    return queries.Links(photo_url=lambda key: _absolute("reports_api.photo", key=key),
                         tz=_tz())


def _checked(name: str, value: str) -> str:
    """Refuse control characters (a NUL cannot even reach PostgreSQL); line breaks are text."""
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
        raise BadParameter(f"{name} must not contain control characters.")
    return value


def _param(name: str) -> str | None:
    """Return a parameter's value; an empty one counts as absent, as the spec says."""
    value = request.values.get(name)
    return _checked(name, value.strip()) if value and value.strip() else None


def _date(name: str):
    value = _param(name)
    return parse_w3(name, value, _tz()) if value else None


def _ids(name: str) -> list[int]:
    values = comma_list(name, _param(name))
    if not all(v.isascii() and v.isdigit() for v in values):
        raise BadParameter(f"{name} must be a comma-separated list of request ids.")
    return [int(v) for v in values]


@bp.before_request
def check_jurisdiction():
    """Refuse a jurisdiction_id this endpoint does not serve (when one is configured)."""
    served = current_app.config.get("OPEN311_JURISDICTION")
    given = _param("jurisdiction_id")
    if served and given and given.lower() != served.lower():
        raise NotFound(f"Unknown jurisdiction_id {given!r}; this endpoint serves {served}.")


@bp.get(f"/discovery.{FMT}")
def discovery(fmt):
    """Describe this endpoint: where it is, what it speaks, how to get a key."""
    changed = w3_datetime(queries.changeset() or utcnow(), _tz())
    config = current_app.config
    return _respond(fmt, "discovery", {
        "changeset": changed,
        "contact": config["OPEN311_CONTACT"],
        "key_service": config["OPEN311_KEY_SERVICE"],
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": _absolute("open311.root").rstrip("/"),
            "changeset": changed,
            "type": config["OPEN311_ENDPOINT_TYPE"],
            "formats": list(MIME_TYPES),
        }],
    })


@bp.get(f"/services.{FMT}")
def services_list(fmt):
    """List the services (our categories)."""
    return _respond(fmt, "services", [queries.service_record(c) for c in queries.list_services()])


@bp.get(f"/services/<string:code>.{FMT}")
def service_definition(code, fmt):
    """Describe a service's extra questions (attributes)."""
    return _respond(fmt, "service_definition",
                    queries.service_definition(_checked("service_code", code)))


def _attributes() -> dict:
    """Collect attribute[code]=v and attribute[code][]=v1&... from the form."""
    answers: dict = {}
    for name in request.form:
        match = ATTRIBUTE_FIELD.match(name)
        if match:
            values = [_checked(name, v) for v in request.form.getlist(name) if v.strip()]
            answers[match.group(1)] = values if match.group(2) else (values[0] if values
                                                                     else "")
    return answers


def _require_form() -> None:
    if request.mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise BadParameter("Send the request as application/x-www-form-urlencoded fields.")


def _request_form() -> services.RequestForm:
    if not _param("service_code"):
        raise BadParameter("service_code is required.")
    fields = ("description", "lat", "long", "address_string", "address_id", "email",
              "first_name", "last_name", "phone", "media_url")
    return services.RequestForm(service_code=_param("service_code"),
                                attributes=_attributes(),
                                **{name: _param(name) for name in fields})


def _key_or_address() -> str:
    """Count POSTs per api_key (its digest), or per address without one."""
    key = (request.values.get("api_key") or "").strip()
    return f"key:{token_digest(key)}" if key else f"ip:{request.remote_addr}"


@bp.route(f"/requests.{FMT}", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["OPEN311_POST_RATE_LIMIT"], methods=["POST"],
               key_func=_key_or_address)
def requests_(fmt):
    """Search requests (GET) or submit one (POST, with an api_key)."""
    if request.method == "POST":
        return _create(fmt)
    ids = _ids("service_request_id")
    if ids:  # a list of ids overrides every other filter
        reports = queries.requests_by_id(ids)
    else:
        statuses = comma_list("status", _param("status"))
        unknown = [s for s in statuses if s not in REQUEST_STATUSES]
        if unknown:
            raise BadParameter(f"status must be open or closed, not {unknown[0]!r}.")
        window = date_window(_date("start_date"), _date("end_date"), utcnow())
        reports = queries.search_requests(window, comma_list("service_code",
                                                             _param("service_code")),
                                          statuses, _tz())
    return _respond(fmt, "service_requests", queries.request_records(reports, _links()))


def _create(fmt):
    _require_form()
    key = services.authenticate_key(_param("api_key"))  # a form field, or the query string
    created = services.submit_request(_request_form(), key,
                                      locate_address=queries.locate_address,
                                      idempotency_key=idempotency_key())
    item = ({"token": created.token} if created.token
            else {"service_request_id": str(created.report.id)})
    item.update({"service_notice": created.notice, "account_id": None})
    return _respond(fmt, "service_requests", [item], status=201)


@bp.get(f"/requests/<string:request_id>.{FMT}")
def request_detail(request_id, fmt):
    """Get one request (still inside a list, as the spec says)."""
    wanted = request_id.isascii() and request_id.isdigit()
    reports = queries.requests_by_id([int(request_id)]) if wanted else []
    if not reports:
        raise NotFound(f"No request {request_id!r}.")
    return _respond(fmt, "service_requests", queries.request_records(reports, _links()))


@bp.get(f"/tokens/<string:token>.{FMT}")
def token(token, fmt):
    """Resolve a batch service's token to its request id (empty while under review)."""
    return _respond(fmt, "service_requests", [queries.token_record(_checked("token", token))])


@bp.get(f"/servicerequestupdates.{FMT}")
def request_updates(fmt):
    """List timeline steps as updates (the mySociety extension), oldest first."""
    ids = _ids("service_request_id")
    start, end = _date("start_date"), _date("end_date")
    window = None if ids and not (start or end) else date_window(start, end, utcnow())
    return _respond(fmt, "service_request_updates",
                    queries.request_updates(window, ids, _links()))


@bp.route("/", endpoint="root")
@bp.route("/<path:rest>", methods=["GET", "POST"])
def unknown(rest=""):
    """Answer any other path in the spec's error format."""
    raise NotFound("No such Open311 resource; start at discovery.xml.")


def _as_open311(status: int, message: str | None, errors: dict | None, headers: dict):
    """Render an error as the spec's list: 403, 404 and 429 kept, other 4xx as 400."""
    if status == 401:
        status = 403
    elif 400 <= status < 500 and status not in (403, 404, 429):
        status = 400
    messages = [f"{name}: {problem}" for fields in (errors or {}).values()
                for name, problem in _leaves(fields)]
    fmt = "json" if request.path.endswith(".json") else "xml"
    body = render(fmt, "errors", errors_payload(status, messages or [message or "Error."]))
    headers.pop("Allow", None)
    return Response(body, status=status, content_type=CONTENT_TYPES[fmt], headers=headers)


# Our field names as an Open311 client knows them.
OPEN311_NAMES = {"lon": "long", "category": "service_code", "address": "address_string",
                 "contact.email": "email", "contact.name": "first_name",
                 "contact.phone": "phone"}


def _leaves(fields, path: str = ""):
    """Yield (Open311 field name, message) for each problem in a marshmallow-style dict."""
    if isinstance(fields, dict):
        for name, problems in fields.items():
            if path == "attributes":
                yield from _leaves(problems, f"attribute[{name}]")
            else:
                yield from _leaves(problems, f"{path}.{name}" if path else str(name))
    elif isinstance(fields, list):
        for problem in fields:
            yield from _leaves(problem, path)
    else:
        yield OPEN311_NAMES.get(path, path), str(fields)


def init_app(app: Flask) -> None:
    """Register the blueprint, its error format and BadParameter as a 400."""
    app.register_blueprint(bp)
    register_renderer(app, bp.url_prefix, _as_open311)
    app.register_error_handler(
        BadParameter, lambda exc: _as_open311(400, str(exc), None, {}))
