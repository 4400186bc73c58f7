"""The reports JSON API: thin views over reports.services and reports.queries."""

from flask import current_app, request, send_file, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, ValidationError

from neighborhood.core.errors import InvalidInput, NotFound
from neighborhood.reports import queries
from neighborhood.reports.schemas import (CategorySchema, ReportCollectionSchema,
                                          ReportCreateSchema, ReportFeatureSchema,
                                          ReportMultipartSchema, ReportQuerySchema)
from neighborhood.reports.services import Submission, Upload, submit_report
from neighborhood.reports.storage import photo_store

blp = Blueprint("reports_api", __name__, url_prefix="/api/v1",
                description="Report intake and public reports.")

IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "A unique key (UUID) per submission; a retry with the same key and body "
                   "returns the original report, the same key with another body gets 422.",
    "schema": {"type": "string", "maxLength": 255},
}


def photo_url(key: str) -> str:
    """Return the public URL of a photo."""
    return url_for("reports_api.photo", key=key)


def _feature(report):
    return queries.report_feature(report, photo_url)


def _idempotency_key() -> str | None:
    raw = request.headers.get("Idempotency-Key")
    if raw is None:
        return None
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':  # RFC 8941 sf-string form
        key = key[1:-1]
    if not key or len(key) > 255 or not key.isascii() or not key.isprintable():
        raise InvalidInput.field("headers", "Idempotency-Key",
                                 "Must be 1 to 255 printable ASCII characters.")
    return key


def _read_submission() -> Submission:
    """Parse the request body: JSON, or multipart form fields plus photo files."""
    if request.mimetype == "multipart/form-data":
        location, raw = "form", request.form
        files = [f for f in request.files.getlist("photos") if f.filename or f.content_length]
        unexpected = set(request.files) - {"photos"}
        if unexpected:
            raise InvalidInput.field("files", sorted(unexpected)[0], "Unknown file field.")
        uploads = [Upload(f.filename or "photo", f.read()) for f in files]
    elif request.mimetype == "application/json":
        location, uploads = "json", []
        raw = request.get_json(silent=True)
        if not isinstance(raw, dict):
            raise InvalidInput("The body must be a JSON object.",
                               {"json": {"_schema": ["Must be a JSON object."]}})
    else:
        raise InvalidInput("Send application/json or multipart/form-data.",
                           {"headers": {"Content-Type": ["Unsupported media type."]}})
    try:
        data = ReportCreateSchema().load(raw)
    except ValidationError as exc:
        raise InvalidInput("The request has invalid fields.", {location: exc.messages}) from exc
    return Submission(data=data, uploads=uploads, idempotency_key=_idempotency_key(),
                      location=location)


@blp.route("/categories", endpoint="categories")
class Categories(MethodView):
    @blp.response(200, CategorySchema(many=True))
    def get(self):
        """List the categories a report can have."""
        return queries.list_categories()


@blp.route("/reports", endpoint="reports")
class Reports(MethodView):
    @blp.arguments(ReportQuerySchema, location="query", as_kwargs=True, unknown=RAISE)
    @blp.response(200, ReportCollectionSchema)
    def get(self, limit, cursor=None, bbox=None, category=(), family=(), status=(),
            created_from=None, created_to=None):
        """List public reports as GeoJSON, newest first, filtered and paged by cursor."""
        flt = queries.ReportFilter(bbox=bbox, categories=tuple(category),
                                   families=tuple(family), statuses=tuple(status),
                                   created_from=created_from, created_to=created_to)
        reports, next_cursor = queries.list_public_reports(
            flt, limit=limit, cursor=cursor, city_tz=current_app.config["CITY_TIMEZONE"])
        return {"features": [_feature(r) for r in reports], "next_cursor": next_cursor}

    @blp.doc(parameters=[IDEMPOTENCY_HEADER], requestBody={
        "required": True,
        "content": {"application/json": {"schema": ReportCreateSchema},
                    "multipart/form-data": {"schema": ReportMultipartSchema}},
    })
    @blp.response(201, ReportFeatureSchema)
    @blp.alt_response(422, description="Invalid fields; nothing was stored.")
    def post(self):
        """Submit a report (JSON, or multipart with up to 3 photos)."""
        result = submit_report(_read_submission(), source="app")
        headers = {"Location": url_for("reports_api.report", report_id=result.report.id)}
        if not result.created:
            headers["Idempotent-Replayed"] = "true"
        return _feature(result.report), 201, headers


@blp.route("/reports/<int:report_id>", endpoint="report")
class ReportDetail(MethodView):
    @blp.response(200, ReportFeatureSchema)
    @blp.alt_response(404, description="No such public report.")
    def get(self, report_id):
        """Get one public report as a GeoJSON Feature."""
        return _feature(queries.get_public_report(report_id))


@blp.route("/photos/<string:key>.jpg")
@blp.doc(responses={"200": {"description": "The re-encoded JPEG.", "content": {
    "image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}})
@blp.alt_response(404, description="No such photo, or its report is not public.")
def photo(key):
    """Get a report photo (re-encoded, with no EXIF or GPS data)."""
    if not key.isalnum() or len(key) > 64:
        raise NotFound("No such photo.")
    path = photo_store().path(key)
    if not path.is_file() or not queries.photo_is_public(key):
        raise NotFound("No such photo.")
    return send_file(path, mimetype="image/jpeg", max_age=86400)
