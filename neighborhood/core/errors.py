"""Domain errors and the one renderer for every error: JSON under /api, HTML elsewhere."""

from http import HTTPStatus

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

from neighborhood.core.messages import N_, localize_errors


class DomainError(Exception):
    """An error a service raises; the renderer turns it into an HTTP response."""

    status_code = 400

    def __init__(self, message: str, errors: dict | None = None, **extra):
        super().__init__(message)
        self.message = message
        self.errors = errors
        self.extra = extra  # more top-level fields of the JSON body (e.g. allowed)
        self.headers: dict = {}


class InvalidInput(DomainError):
    """Input that is well-formed but not acceptable; errors maps location -> field -> messages."""

    status_code = 422

    @classmethod
    def field(cls, location: str, field: str, message: str) -> "InvalidInput":
        """Return an error about one field of one request location (json, form, files, ...)."""
        return cls(_("Invalid %(field)s: %(message)s", field=field, message=message),
                   {location: {field: [message]}})


class Unauthorized(DomainError):
    """The request needs an account (a session or a bearer token) and has none valid."""

    status_code = 401

    def __init__(self, message: str = "Sign in or send a valid bearer token.", **extra):
        super().__init__(message, **extra)
        self.headers = {"WWW-Authenticate": 'Bearer realm="neighborhood"'}


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    status_code = 403


class NotFound(DomainError):
    """The thing asked for does not exist, or is not visible to the asker."""

    status_code = 404


class Conflict(DomainError):
    """The request conflicts with the current state."""

    status_code = 409


class ApiErrorSchema(Schema):
    """The one JSON error body under /api/ (render_error); OpenAPI only, never used to dump."""

    code = fields.Integer(required=True, metadata={"description": "The HTTP status code."})
    status = fields.String(required=True, metadata={
        "description": "The HTTP reason phrase (e.g. `Not Found`); on a 409 from the "
                       "lifecycle, the report's current status instead."})
    message = fields.String(metadata={"description": "What went wrong, for people."})
    errors = fields.Dict(keys=fields.String(), metadata={
        "description": "By where the problem is (`json`, `form`, `files`, `query`, `headers`), "
                       "then by field: the messages."})
    allowed = fields.List(fields.String(), metadata={
        "description": "On a 409 from the lifecycle: the statuses you may move the report to."})


# What each error status means when an operation documents it without its own words.
ERROR_DESCRIPTIONS = {
    400: "The body is not valid JSON.",
    401: "Needs an account (a session or a bearer token), or the bearer token sent is not "
         "valid.",
    403: "Your role may not do this.",
    404: "Not found, or not visible to you.",
    409: "Not possible in the report's current status.",
    413: "The body is over the size limit.",
    422: "Invalid fields; nothing was stored.",
}
# 401s always say how to authenticate.
_WWW_AUTHENTICATE = {"WWW-Authenticate": {
    "description": "`Bearer realm=\"neighborhood\"`", "required": True,
    "schema": {"type": "string"}}}


def error_response(blp, status: int, description: str | None = None):
    """Return a decorator documenting an error `status` of an operation, with the error body."""
    return blp.alt_response(status, schema=ApiErrorSchema,
                            description=description or ERROR_DESCRIPTIONS[status],
                            headers=_WWW_AUTHENTICATE if status == 401 else None)


def wants_json() -> bool:
    """Return True when the error should be rendered as JSON (API paths)."""
    return request.path.startswith("/api/")


def register_renderer(app: Flask, prefix: str, renderer) -> None:
    """Render errors under a path prefix with renderer(status, message, errors, headers).

    For protocols with their own error format (Open311's <errors> list).
    """
    app.extensions.setdefault("error_renderers", {})[prefix] = renderer


def render_error(status: int, message: str | None = None, errors: dict | None = None,
                 headers: dict | None = None, extra: dict | None = None):
    """Render one error response, JSON for the API and an HTML page otherwise."""
    phrase = HTTPStatus(status).phrase
    for prefix, renderer in current_app.extensions.get("error_renderers", {}).items():
        if request.path.startswith(prefix):
            return renderer(status, message, errors, dict(headers or {}))
    errors = localize_errors(errors)
    if wants_json():
        body = {"code": status, "status": phrase}
        if message:
            body["message"] = message
        if errors:
            body["errors"] = errors
        body.update(extra or {})
        response = jsonify(body)
    else:
        if message == getattr(default_exceptions.get(status), "description", None):
            message = None  # Werkzeug's English default: the page's own words say it
        response = render_template("error.html", status=status, phrase=page_heading(status),
                                   message=message or page_message(status), errors=errors)
    return response, status, dict(headers or {})


# Error pages in the reader's language: a heading (the HTTP phrase) and what to do.
PAGE_HEADINGS = {
    400: N_("Bad Request"), 401: N_("Unauthorized"), 403: N_("Forbidden"),
    404: N_("Not Found"), 405: N_("Method Not Allowed"), 413: N_("Request Entity Too Large"),
    422: N_("Unprocessable Entity"), 429: N_("Too Many Requests"),
    500: N_("Internal Server Error"), 503: N_("Service Unavailable"),
}
PAGE_MESSAGES = {
    401: N_("Please sign in to see this page."),
    403: N_("Your account may not open this page."),
    404: N_("There is nothing here: the page does not exist, or it is not public."),
    405: N_("This page cannot be used that way."),
    413: N_("What you sent is too large. Photos are made smaller on the phone; try one at a "
            "time."),
    500: N_("Something went wrong on our side. Please try again in a moment."),
    503: N_("We lost our connection to the database for a moment. Please try again."),
}


def page_heading(status: int) -> str:
    """Return an error page's heading in the reader's language."""
    return _(PAGE_HEADINGS[status]) if status in PAGE_HEADINGS else HTTPStatus(status).phrase


def page_message(status: int) -> str | None:
    """Return what an error page says when the error carries no words of its own."""
    return _(PAGE_MESSAGES[status]) if status in PAGE_MESSAGES else None


def handle_http_exception(error: HTTPException):
    """Render a Werkzeug/flask-smorest HTTP error, keeping its headers (Allow, Retry-After)."""
    data = getattr(error, "data", None) or {}
    errors = data.get("messages")
    headers = dict(error.get_headers())
    headers.pop("Content-Type", None)
    headers.update(data.get("headers") or {})
    message = data.get("message") or error.description
    if error.code == 429:  # Flask-Limiter's description is the limit ("10 per 1 minute")
        message = _("Too many requests in a short time; please wait a little and try again.")
    if errors:
        message = _("The request has invalid fields.")
    return render_error(error.code or 500, message, errors, headers)


def handle_domain_error(error: DomainError):
    """Render a domain error raised by a service."""
    return render_error(error.status_code, error.message, error.errors, error.headers,
                        error.extra)


def handle_validation_error(error: ValidationError):
    """Render a marshmallow error raised outside flask-smorest's argument parsing."""
    location = getattr(error, "location", "json")
    return render_error(422, _("The request has invalid fields."), {location: error.messages})


def handle_database_error(error: DBAPIError):
    """Answer 503 to a request whose database connection was lost (a retry will reconnect)."""
    if not error.connection_invalidated:
        return handle_unexpected(error)
    current_app.logger.warning("Database connection lost on %s %s: %s", request.method,
                               request.path, error.orig)
    return render_error(503, _(PAGE_MESSAGES[503]), headers={"Retry-After": "1"})


def handle_unexpected(error: Exception):
    """Log an unexpected error and render a plain 500 (never a traceback)."""
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    return handle_http_exception(InternalServerError())


def register_error_handlers(app: Flask) -> None:
    """Register the one renderer for every error class."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(ValidationError, handle_validation_error)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected)
