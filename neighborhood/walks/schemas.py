"""Marshmallow schemas of the walks API: an upload from the phone's queue, and what comes out."""

from datetime import UTC

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from neighborhood.reports.models import MAX_ID
from neighborhood.reports.schemas import PointSchema, plausible_date
from neighborhood.walks.models import MAX_POINTS_PER_REQUEST
from neighborhood.workflow.states import Status

# Unix milliseconds of 2000-01-01 and 3000-01-01: outside, `at` is not a GPS timestamp.
EARLIEST_MS = 946_684_800_000
LATEST_MS = 32_503_680_000_000


class TrackPointSchema(Schema):
    """One GPS fix."""

    class Meta:
        unknown = RAISE

    lat = fields.Float(required=True, validate=validate.Range(-90, 90),
                       metadata={"description": "Latitude, WGS84 degrees."})
    lon = fields.Float(required=True, validate=validate.Range(-180, 180),
                       metadata={"description": "Longitude, WGS84 degrees."})
    at = fields.Integer(required=True, validate=validate.Range(EARLIEST_MS, LATEST_MS),
                        metadata={"description": "When, in Unix milliseconds (the "
                                                 "GeolocationPosition timestamp)."})


class Track(fields.List):
    """A list of track points whose length is checked before any point is parsed."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list) and len(value) > MAX_POINTS_PER_REQUEST:
            raise ValidationError(f"At most {MAX_POINTS_PER_REQUEST} points per request; "
                                  "send the rest in another one.")
        return super()._deserialize(value, attr, data, **kwargs)


class WalkPutSchema(Schema):
    """A walk, or part of its track, as the phone's offline queue sends it (any order, again)."""

    class Meta:
        unknown = RAISE

    started_at = fields.AwareDateTime(required=True, default_timezone=UTC,
                                      validate=plausible_date, metadata={
            "description": "When the walk started; the same in every upload of the walk. "
                           "Without an offset: UTC."})
    ended_at = fields.AwareDateTime(default_timezone=UTC, validate=plausible_date,
                                    allow_none=True, metadata={
            "description": "When the walk ended. Once stored, absent or null leaves it as "
                           "it is; another value is a 409."})
    track = Track(fields.Nested(TrackPointSchema),
                  validate=validate.Length(max=MAX_POINTS_PER_REQUEST), load_default=list,
                  metadata={"description": "GPS fixes in any order; merged with the points "
                                           "already stored (one per `at`)."})

    @validates_schema
    def _ends_after_it_starts(self, data, **kwargs):
        ended, started = data.get("ended_at"), data.get("started_at")
        if ended is not None and started is not None and ended < started:
            raise ValidationError("Must not be before started_at.", "ended_at")


class WalkQuerySchema(Schema):
    """Which walks to list."""

    class Meta:
        unknown = RAISE

    officer_id = fields.Integer(validate=validate.Range(1, MAX_ID), metadata={
        "description": "Supervisors (moderators, admins): one officer's walks (default: "
                       "everyone's). Officers see their own walks only."})
    limit = fields.Integer(validate=validate.Range(1, 200), load_default=50)
    offset = fields.Integer(validate=validate.Range(0, 1_000_000), load_default=0)


class WalkSchema(Schema):
    """A walk as listed: when, how far, how many fixes and reports (no track)."""

    uuid = fields.String(metadata={"description": "The id the phone gave the walk."})
    officer_id = fields.Integer()
    officer_name = fields.String()
    started_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True, metadata={"description": "Null while the "
                                                                         "walk goes on."})
    distance_m = fields.Float(metadata={"description": "The track's length in metres."})
    point_count = fields.Integer(metadata={"description": "GPS fixes stored."})
    report_count = fields.Integer(metadata={"description": "Reports the officer made on it."})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class LineStringSchema(Schema):
    """A GeoJSON LineString, [[lon, lat], ...]."""

    type = fields.Constant("LineString", dump_only=True)
    coordinates = fields.List(fields.List(fields.Float()), dump_only=True)


class WalkReportPropertiesSchema(Schema):
    """The public facts of a report made on a walk."""

    id = fields.Integer()
    category = fields.String()
    status = fields.String(validate=validate.OneOf([s.value for s in Status]))
    created_at = fields.DateTime()
    location_generalized = fields.Boolean(metadata={
        "description": "True: a sensitive category; coordinates rounded (about 100 m)."})


class WalkReportSchema(Schema):
    """A report made on a walk, as a small GeoJSON Feature."""

    type = fields.Constant("Feature", dump_only=True)
    id = fields.Integer()
    geometry = fields.Nested(PointSchema)
    properties = fields.Nested(WalkReportPropertiesSchema)


class WalkSummarySchema(WalkSchema):
    """A walk with its route and the reports made on it."""

    duration_s = fields.Float(allow_none=True, metadata={
        "description": "Seconds from started_at to ended_at; null while the walk goes on."})
    track = fields.Nested(LineStringSchema, allow_none=True, metadata={
        "description": "The route, oldest fix first; null below two fixes."})
    reports = fields.List(fields.Nested(WalkReportSchema), metadata={
        "description": "Reports the walk's officer tagged with this walk, oldest first."})
