"""Schemas of the exports: the list endpoint's filters in, the documented columns out."""

from marshmallow import RAISE, Schema, fields, validate

from neighborhood.reports.models import SOURCES
from neighborhood.reports.schemas import PointSchema, ReportQuerySchema
from neighborhood.workflow.states import CloseReason, Family, Status


class ExportQuerySchema(ReportQuerySchema):
    """The report list's filters without paging: an export holds every matching report."""

    class Meta:
        unknown = RAISE
        exclude = ("cursor", "limit")


class ExportRowSchema(Schema):
    """One exported report: the CSV columns and the GeoJSON properties, in this order.

    Documentation only; rows are written by exports.formats, not dumped through marshmallow.
    """

    id = fields.Integer(metadata={"description": "The report's id, as in /api/v1/reports/{id}."})
    external_id = fields.String(allow_none=True, metadata={
        "description": "The source system's id of an imported report (for the Boston demo, "
                       "the city's CASE_ENQUIRY_ID); null for reports made here."})
    source = fields.String(validate=validate.OneOf(SOURCES), metadata={
        "description": "How the report came in: web, app, officer, open311 or import."})
    category = fields.String(metadata={"description": "The category code."})
    category_name = fields.String(metadata={"description": "The category's name."})
    family = fields.String(validate=validate.OneOf([f.value for f in Family]), metadata={
        "description": "The category's family."})
    status = fields.String(validate=validate.OneOf([s.value for s in Status]), metadata={
        "description": "Where the report stands: open, acknowledged, in_progress, resolved or "
                       "closed (pending_review is never exported)."})
    public_status = fields.String(validate=validate.OneOf(["open", "closed"]), metadata={
        "description": "The Open311 view of status: resolved and closed are closed, the rest "
                       "open."})
    close_reason = fields.String(
        allow_none=True, validate=validate.OneOf([r.value for r in CloseReason]), metadata={
            "description": "Why a closed report was closed without being fixed, else null."})
    description = fields.String(metadata={"description": "What the reporter wrote (public)."})
    address = fields.String(allow_none=True, metadata={
        "description": "The address as given; null when absent or when the location is "
                       "generalized (it would name the business)."})
    lat = fields.Float(metadata={
        "description": "Latitude, WGS84 degrees; rounded when location_generalized."})
    lon = fields.Float(metadata={
        "description": "Longitude, WGS84 degrees; rounded when location_generalized."})
    location_generalized = fields.Boolean(metadata={
        "description": "True for sensitive categories (problem businesses): lat/lon rounded to "
                       "SENSITIVE_COORDINATE_DECIMALS places (3: about 100 m), address, "
                       "neighborhood withheld."})
    neighborhood = fields.String(allow_none=True, metadata={
        "description": "The neighborhood the report lies in; null outside every neighborhood "
                       "or when the location is generalized."})
    department = fields.String(allow_none=True, metadata={
        "description": "The name of the department the report is routed to, if any."})
    created_at = fields.DateTime(metadata={"description": "When it was reported (UTC)."})
    updated_at = fields.DateTime(metadata={"description": "When it last changed (UTC)."})
    closed_at = fields.DateTime(allow_none=True, metadata={
        "description": "When it was resolved or closed (UTC); null while open."})
    due_at = fields.DateTime(allow_none=True, metadata={
        "description": "The category's service-level due date (UTC); null without one."})
    overdue = fields.Boolean(metadata={
        "description": "Still waiting for the city and past due_at, at the time of export."})
    support_count = fields.Integer(metadata={"description": "How many said \"me too\"."})
    reopen_count = fields.Integer(metadata={"description": "How many times it was reopened."})
    fixed_count = fields.Integer(metadata={
        "description": "How many confirmed the fix after resolution."})
    duplicate_of = fields.Integer(allow_none=True, metadata={
        "description": "The report this one was closed as a duplicate of, else null."})
    attributes = fields.Dict(keys=fields.String(), values=fields.Raw(), metadata={
        "description": "Answers to the category's questions by question code ({} if none); "
                       "in CSV the same object as JSON text."})


COLUMNS: tuple[str, ...] = tuple(ExportRowSchema().fields)


class ExportFeatureSchema(Schema):
    """One exported report as a GeoJSON Feature (OpenAPI only)."""

    type = fields.Constant("Feature", dump_only=True)
    id = fields.Integer()
    geometry = fields.Nested(PointSchema)
    properties = fields.Nested(ExportRowSchema)


class ExportCollectionSchema(Schema):
    """Every matching public report as a GeoJSON FeatureCollection (OpenAPI only)."""

    type = fields.Constant("FeatureCollection", dump_only=True)
    features = fields.List(fields.Nested(ExportFeatureSchema))
