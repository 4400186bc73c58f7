"""The reports JSON API: thin views over reports.services and reports.queries."""

from flask import current_app, jsonify, request, send_file, url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import RAISE, ValidationError

from neighborhood.accounts.auth import current_account, current_actor
from neighborhood.core import transaction
from neighborhood.core.errors import InvalidInput, NotFound, Unauthorized, error_response
from neighborhood.reports import engagement, queries
from neighborhood.reports.schemas import (CategorySchema, DeviceSchema, FollowOutSchema,
                                          FollowSchema, NearbyCollectionSchema,
                                          NearbyQuerySchema, ReportCollectionSchema,
                                          ReportCreateSchema, ReportDetailSchema,
                                          ReportFeatureSchema, ReportMultipartSchema,
                                          ReportQuerySchema, SupportOutSchema, UnfollowSchema,
                                          dump_feature)
from neighborhood.reports.services import Submission, Upload, submit_report
from neighborhood.reports.storage import photo_store
from neighborhood.extensions import db
from neighborhood.spatial.queries import incident_sizes_near
from neighborhood.workflow.queries import report_detail

blp = Blueprint("reports_api", __name__, url_prefix="/api/v1",
                description="Report intake and public reports.")

IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "A unique key (UUID) per submission; a retry with the same key and body "
                   "returns the original report, the same key with another body gets 422.",
    "schema": {"type": "string", "maxLength": 255},
}
CREATED_HEADERS = {
    "Location": {"description": "The new report's URL.", "required": True,
                 "schema": {"type": "string"}},
    "Idempotent-Replayed": {"description": "`true` when this is the report an earlier "
                                           "request with the same Idempotency-Key made.",
                            "schema": {"type": "string", "enum": ["true"]}},
}
PHOTO_KEY = {"in": "path", "name": "key", "required": True,
             "description": "The photo's key, from a report's `photos[].url`.",
             "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"}}


def photo_url(key: str) -> str:
    """Return the public URL of a photo."""
    return url_for("reports_api.photo", key=key)


def sorted_json(body: dict):
    """Return jsonify(body) for a body built with its keys in order: the encoder skips sorting."""
    json = current_app.json
    layout = {"indent": 2} if current_app.debug else {"separators": (",", ":")}  # as jsonify
    return current_app.response_class(f"{json.dumps(body, sort_keys=False, **layout)}\n",
                                      mimetype=json.mimetype)


def _feature(report):
    return queries.report_feature(report, photo_url)


def idempotency_key() -> str | None:
    """Return the request's Idempotency-Key header, unquoted; 422 if it is not a usable key."""
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


_schemas: dict[type, object] = {}


def read_body(schema, file_field: str | None = None) -> tuple[dict, list[Upload], str]:
    """Parse a JSON or multipart body with a schema; return data, uploads and location."""
    if request.mimetype == "multipart/form-data" and file_field:
        location, raw = "form", request.form
        if None in request.form or None in request.files:  # a part without a name
            raise InvalidInput("Every form part needs a name.", {"form": {"_schema": [
                "Every part needs Content-Disposition: form-data; name=\"...\"."]}})
        files = [f for f in request.files.getlist(file_field) if f.filename or f.content_length]
        unexpected = set(request.files) - {file_field}
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
        accepted = "application/json" + (" or multipart/form-data" if file_field else "")
        raise InvalidInput(f"Send {accepted}.",
                           {"headers": {"Content-Type": ["Unsupported media type."]}})
    try:
        # One instance per schema class: building one costs more than loading with it.
        data = (_schemas.get(schema) or _schemas.setdefault(schema, schema())).load(raw)
    except ValidationError as exc:
        raise InvalidInput(_("The request has invalid fields."), {location: exc.messages}) from exc
    return data, uploads, location


def read_optional_json(schema) -> dict:
    """Parse an optional JSON body (an empty body is an empty object)."""
    if not request.get_data(cache=True):
        return {}
    return read_body(schema)[0]


def _read_submission() -> Submission:
    """Parse the request body: JSON, or multipart form fields plus photo files."""
    data, uploads, location = read_body(ReportCreateSchema, "photos")
    return Submission(data=data, uploads=uploads, idempotency_key=idempotency_key(),
                      location=location)


@blp.route("/categories", endpoint="categories")
class Categories(MethodView):
    @blp.response(200, CategorySchema(many=True))
    @error_response(blp, 401)
    def get(self):
        """List the categories a report can have."""
        return queries.list_categories()


@blp.route("/reports", endpoint="reports")
class Reports(MethodView):
    @blp.arguments(ReportQuerySchema, location="query", as_kwargs=True, unknown=RAISE)
    @blp.response(200, ReportCollectionSchema)
    @error_response(blp, 401)
    @error_response(blp, 422, "Invalid or unknown query parameters.")
    def get(self, limit, cursor=None, bbox=None, category=(), family=(), status=(),
            created_from=None, created_to=None):
        """List public reports as GeoJSON, newest first, filtered and paged by cursor."""
        flt = queries.ReportFilter(bbox=bbox, categories=tuple(category),
                                   families=tuple(family), statuses=tuple(status),
                                   created_from=created_from, created_to=created_to)
        features, next_cursor = queries.list_public_features(
            flt, limit=limit, cursor=cursor, city_tz=current_app.config["CITY_TIMEZONE"],
            photo_url=photo_url)
        # Dumped here, as ReportCollectionSchema would, at a fraction of the cost: a Response
        # passes through flask-smorest, which documents the schema.
        return sorted_json({"features": [dump_feature(f) for f in features],
                            "next_cursor": next_cursor, "type": "FeatureCollection"})

    @blp.doc(parameters=[IDEMPOTENCY_HEADER], requestBody={
        "required": True,
        "content": {"application/json": {"schema": ReportCreateSchema},
                    "multipart/form-data": {"schema": ReportMultipartSchema}},
    })
    @blp.response(201, ReportFeatureSchema, headers=CREATED_HEADERS)
    @error_response(blp, 401)
    @error_response(blp, 403, "The contact address (or the account's) is on the ban list.")
    @error_response(blp, 413)
    @error_response(blp, 422)
    def post(self):
        """Submit a report (JSON, or multipart with up to 3 photos)."""
        account = current_account()
        result = submit_report(_read_submission(), actor=current_actor(),
                               reporter_email=account.email if account else None)
        headers = {"Location": url_for("reports_api.report", report_id=result.report.id)}
        if not result.created:
            headers["Idempotent-Replayed"] = "true"
        feature = _feature(result.report)
        # The request's one commit, before the response is serialised: on SQLite the write
        # lock is held until it, and other submissions wait for that lock.
        transaction.commit()
        # Dumped as ReportFeatureSchema would (dump_feature, tested equal) without marshmallow;
        # flask-smorest passes a Response through and still documents the schema.
        return jsonify(dump_feature(feature)), 201, headers


@blp.route("/reports/<int:report_id>", endpoint="report")
class ReportDetail(MethodView):
    @blp.response(200, ReportDetailSchema)
    @error_response(blp, 401)
    @error_response(blp, 404, "No such report, or held for review and not yours to see.")
    def get(self, report_id):
        """Get one report with its department and timeline (contact only for its staff)."""
        return report_detail(report_id, current_actor(), photo_url)


@blp.route("/reports/nearby", endpoint="nearby")
class Nearby(MethodView):
    @blp.arguments(NearbyQuerySchema, location="query", as_kwargs=True, unknown=RAISE)
    @blp.response(200, NearbyCollectionSchema)
    @error_response(blp, 401)
    @error_response(blp, 422, "Invalid or unknown query parameters.")
    def get(self, lat, lon, category, limit, radius=None):
        """List open reports of a category near a point, nearest first ("is it one of these?")."""
        radius = radius or current_app.config["NEARBY_RADIUS_M"]
        # Sensitive categories are found, measured and grouped on their generalized points.
        decimals = current_app.config["SENSITIVE_COORDINATE_DECIMALS"]
        found = queries.nearby_open_reports(lon, lat, category, radius_m=radius, limit=limit,
                                            decimals=decimals)
        sizes = incident_sizes_near(
            lon, lat, category, radius_m=radius,
            metric_srid=current_app.config["CITY_METRIC_SRID"],
            dialect=db.session.get_bind().dialect.name, decimals=decimals) if found else {}
        features = []
        for report, metres in found:
            feature = _feature(report)
            feature["properties"]["distance_m"] = round(metres, 1)
            feature["properties"]["incident_size"] = sizes.get(report.id, 1)
            features.append(feature)
        return {"features": features, "radius_m": radius}



@blp.route("/reports/<int:report_id>/support", endpoint="support")
class SupportReport(MethodView):
    @blp.doc(requestBody={"required": False, "content": {
        "application/json": {"schema": DeviceSchema}}})
    @blp.response(201, SupportOutSchema, description="Support added.")
    @blp.alt_response(200, schema=SupportOutSchema, description="Already supported.")
    @error_response(blp, 401)
    @error_response(blp, 404, "No such public report.")
    @error_response(blp, 409, "The report is resolved or closed.")
    @error_response(blp, 413)
    @error_response(blp, 422, "Invalid fields, or no device_id from an anonymous caller.")
    def post(self, report_id):
        """Say "me too" to an open report (once per account or device)."""
        data = read_optional_json(DeviceSchema)
        report, created = engagement.support_report(report_id, current_actor(),
                                                    device=data.get("device_id"))
        body = {"report_id": report.id, "support_count": report.support_count,
                "supported": True}
        return body, 201 if created else 200


@blp.route("/reports/<int:report_id>/follow", endpoint="follow")
class FollowReport(MethodView):
    @blp.doc(requestBody={"required": False, "content": {
        "application/json": {"schema": FollowSchema}}})
    @blp.response(201, FollowOutSchema, description="Following (signed in).")
    @blp.alt_response(202, schema=FollowOutSchema,
                      description="A confirmation email was sent (double opt-in).")
    @blp.alt_response(200, schema=FollowOutSchema, description="Already following.")
    @error_response(blp, 401)
    @error_response(blp, 403, "The address is on the ban list.")
    @error_response(blp, 404, "No such public report.")
    @error_response(blp, 413)
    @error_response(blp, 422, "Invalid fields, or no email from an anonymous caller.")
    def post(self, report_id):
        """Follow a report by email: signed in at once, anyone else after confirming."""
        data = read_optional_json(FollowSchema)
        account = current_account()
        follower, changed = engagement.follow_report(
            report_id, current_actor(), email=data.get("email"),
            account_email=account.email if account else None)
        confirmed = follower.confirmed_at is not None
        status = 200 if not changed else (201 if confirmed else 202)
        return {"report_id": report_id, "confirmed": confirmed}, status

    @blp.doc(requestBody={"required": False, "content": {
        "application/json": {"schema": UnfollowSchema}}})
    @blp.response(204)
    @error_response(blp, 401, "Neither signed in nor an unsubscribe token, or the bearer token "
                              "sent is not valid.")
    @error_response(blp, 404, "Not following this report, or the token is for another one.")
    @error_response(blp, 413)
    @error_response(blp, 422, "Invalid fields, or the unsubscribe token is not valid.")
    def delete(self, report_id):
        """Stop following: signed in, or with the token of an unsubscribe link."""
        data = read_optional_json(UnfollowSchema)
        if data.get("token"):
            if engagement.unfollow_by_token(data["token"]) != report_id:
                raise NotFound("That link is for another report.")
            return None
        account = current_account()
        if account is None:
            raise Unauthorized("Sign in, or send the token from an unsubscribe link.")
        if not engagement.unfollow_report(report_id, account.email):
            raise NotFound("You do not follow this report.")
        return None


@blp.route("/photos/<string:key>.jpg")
@blp.doc(parameters=[PHOTO_KEY], responses={"200": {
    "description": "The re-encoded JPEG.",
    "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}})
@error_response(blp, 401)
@error_response(blp, 404, "No such photo, or its report is not visible to you.")
def photo(key):
    """Get a report photo (re-encoded, with no EXIF or GPS data)."""
    if not key.isalnum() or len(key) > 64:
        raise NotFound("No such photo.")
    path = photo_store().path(key)
    if not path.is_file() or not queries.photo_is_visible(key, current_actor()):
        raise NotFound("No such photo.")
    return send_file(path, mimetype="image/jpeg", max_age=86400)
