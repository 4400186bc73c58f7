"""Marshmallow schemas of the reports API: what comes in, what goes out (never the contact)."""

import math
from datetime import datetime

from marshmallow import (RAISE, Schema, ValidationError, fields, pre_load, validate,
                         validates_schema)

from neighborhood.core.spatial import BBox
from neighborhood.reports.models import DESCRIPTION_MAX
from neighborhood.reports.questions import Question, parse_questions
from neighborhood.workflow.states import Family, Status


def no_control_chars(value: str) -> None:
    """Refuse control characters (PostgreSQL cannot even compare a text with NUL in it)."""
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
        raise ValidationError("Must not contain control characters.")


def plausible_date(value: datetime) -> None:
    """Refuse dates outside the years 1900-2999: no report is older, and near datetime's own
    limits (years 1 and 9999) moving a date to UTC, or back by a hotspot window, overflows."""
    if not 1900 <= value.year <= 2999:
        raise ValidationError("Must be between the years 1900 and 2999.")


class Text(fields.String):
    """A string with surrounding whitespace trimmed and control characters refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs).strip()
        no_control_chars(value)
        return value


class ContactSchema(Schema):
    """How to reach the reporter for updates; private."""

    class Meta:
        unknown = RAISE

    email = fields.Email(validate=validate.Length(max=254), allow_none=True)
    name = Text(validate=validate.Length(max=100), allow_none=True)
    phone = Text(validate=validate.Regexp(r"^\+?[0-9 ().-]{3,32}$",
                                          error="Not a phone number."), allow_none=True)


class ReportCreateSchema(Schema):
    """A new report, as JSON or as multipart form fields (photos go in `photos` files)."""

    class Meta:
        unknown = RAISE

    category = Text(required=True, validate=validate.Length(min=1, max=64),
                    metadata={"description": "A category code from /api/v1/categories."})
    description = Text(required=True, validate=validate.Length(min=1, max=DESCRIPTION_MAX))
    lat = fields.Float(required=True, validate=validate.Range(-90, 90),
                       metadata={"description": "Latitude, WGS84 degrees."})
    lon = fields.Float(required=True, validate=validate.Range(-180, 180),
                       metadata={"description": "Longitude, WGS84 degrees."})
    address = Text(validate=validate.Length(max=255), allow_none=True)
    contact = fields.Nested(ContactSchema, allow_none=True,
                            metadata={"description": "Private; never shown publicly."})
    attributes = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=64)),
        values=fields.Raw(metadata={"oneOf": [{"type": "string"}, {"type": "number"},
                                              {"type": "array", "items": {"type": "string"}}]}),
        allow_none=True, metadata={
            "description": "Answers to the category's questions by question code (see "
                           "`questions` in /api/v1/categories); public, like the description."})
    walk_id = fields.UUID(allow_none=True, metadata={
        "description": "Officers and admins: the UUID of the walk the report is made on "
                       "(PUT /api/v1/walks/{uuid}; it may be sent before or after). Anyone "
                       "else gets 422. Not public."})

    @pre_load
    def _fold_form_fields(self, data, **kwargs):
        """Accept multipart fields contact.<field> and attributes.<code> (repeated: a list)."""
        if hasattr(data, "getlist"):
            answers = {k.split(".", 1)[1]: data.getlist(k) for k in data
                       if isinstance(k, str) and k.startswith("attributes.")}
            data = data.to_dict()
            if data.get("walk_id") == "":  # a form's empty field: no walk
                del data["walk_id"]
            for code, values in answers.items():
                data.pop(f"attributes.{code}")
                data.setdefault("attributes", {})[code] = values[0] if len(values) == 1 \
                    else values
        contact = {k.split(".", 1)[1]: data.pop(k) for k in list(data)
                   if isinstance(k, str) and k.startswith("contact.")}
        if contact:
            data["contact"] = contact
        return data


class ReportMultipartSchema(ReportCreateSchema):
    """The multipart form of a new report (OpenAPI only)."""

    photos = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}),
                         metadata={"description": "Up to 3 JPEG, PNG or WebP photos."})


class PointSchema(Schema):
    """A GeoJSON point, [lon, lat]."""

    type = fields.Constant("Point", dump_only=True)
    coordinates = fields.List(fields.Float(), dump_only=True)


class PhotoOutSchema(Schema):
    """A public photo of a report."""

    url = fields.String()
    width = fields.Integer()
    height = fields.Integer()


class ReportPropertiesSchema(Schema):
    """The public facts of a report."""

    id = fields.Integer()
    category = fields.String()
    category_name = fields.String()
    family = fields.String(validate=validate.OneOf([f.value for f in Family]))
    description = fields.String()
    address = fields.String(allow_none=True, metadata={
        "description": "Withheld (null) when the location is generalized."})
    location_generalized = fields.Boolean(metadata={
        "description": "True: a sensitive category; coordinates rounded (about 100 m)."})
    status = fields.String(validate=validate.OneOf([s.value for s in Status]))
    close_reason = fields.String(allow_none=True)
    source = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    external_id = fields.String(allow_none=True)
    h3_r8 = fields.String()
    h3_r9 = fields.String(allow_none=True, metadata={
        "description": "Null when the location is generalized."})
    photos = fields.List(fields.Nested(PhotoOutSchema))
    department = fields.String(allow_none=True, metadata={
        "description": "The name of the department the report is routed to."})
    overdue = fields.Boolean(metadata={
        "description": "Still waiting for the city and past its due date (computed)."})
    support_count = fields.Integer(metadata={"description": "How many said \"me too\"."})
    reopen_count = fields.Integer()
    fixed_count = fields.Integer(metadata={
        "description": "How many confirmed the fix after resolution."})
    duplicate_of = fields.Integer(allow_none=True)
    attributes = fields.Dict(keys=fields.String(), values=fields.Raw(), metadata={
        "description": "Answers to the category's questions, by question code."})


class ReportFeatureSchema(Schema):
    """A report as a GeoJSON Feature."""

    type = fields.Constant("Feature", dump_only=True)
    id = fields.Integer()
    geometry = fields.Nested(PointSchema)
    properties = fields.Nested(ReportPropertiesSchema)


def dump_feature(feature: dict) -> dict:
    """Return ReportFeatureSchema's dump of a feature without marshmallow, for the map's list.

    Its keys come in sorted order, so the list's JSON needs no sort_keys to be jsonify's.
    """
    # A feature holds JSON values but for its DateTime fields; test_list_features proves it.
    source = feature["properties"]
    props = {name: source[name] for name in _PROPERTIES}
    for name in _DATETIME_PROPERTIES:
        if props[name] is not None:
            props[name] = props[name].isoformat()
    if props["attributes"]:
        props["attributes"] = dict(sorted(props["attributes"].items()))
    return {"geometry": {"coordinates": feature["geometry"]["coordinates"], "type": "Point"},
            "id": feature["id"], "properties": props, "type": "Feature"}


_PROPERTIES = tuple(sorted(ReportPropertiesSchema().fields))
_DATETIME_PROPERTIES = tuple(name for name, field in ReportPropertiesSchema().fields.items()
                             if isinstance(field, fields.DateTime))


class StepSchema(Schema):
    """One public step of a report's timeline."""

    kind = fields.String(validate=validate.OneOf(["status", "reassign", "confirm_fixed"]))
    at = fields.DateTime()
    actor_role = fields.String(metadata={"description": "The role of who acted, never who."})
    from_status = fields.String(data_key="from", allow_none=True)
    to = fields.String()
    close_reason = fields.String(allow_none=True)
    department = fields.String(allow_none=True, metadata={
        "description": "The department the report is with after this step."})
    duplicate_of = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True, metadata={"description": "Public note."})
    photo = fields.Nested(PhotoOutSchema, allow_none=True)


class ContactOutSchema(Schema):
    """The reporter's contact, for staff of the routed department, moderators and admins."""

    email = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)


class ReportDetailPropertiesSchema(ReportPropertiesSchema):
    """A report's public facts, its timeline, and (for those allowed) the contact."""

    timeline = fields.List(fields.Nested(StepSchema))
    duplicates = fields.List(fields.Integer(), metadata={
        "description": "Reports closed as duplicates of this one."})
    contact = fields.Nested(ContactOutSchema, metadata={
        "description": "Only for staff of the routed department, moderators and admins."})


class ReportDetailSchema(ReportFeatureSchema):
    """A report as a GeoJSON Feature with its timeline."""

    properties = fields.Nested(ReportDetailPropertiesSchema)


class NearbyPropertiesSchema(ReportPropertiesSchema):
    """A nearby report and how far it is."""

    distance_m = fields.Float(metadata={
        "description": "Metres (0.1 m) from the point asked to the report's public point: "
                       "for sensitive categories (`location_generalized`), the generalized "
                       "point, which also decides the radius and the order."})
    incident_size = fields.Integer(metadata={
        "description": "How many open reports of this category form its same-spot group "
                       "(1: alone); \"6 reports about the same dark block\". Sensitive "
                       "categories are grouped on their generalized points."})


class NearbyFeatureSchema(ReportFeatureSchema):
    properties = fields.Nested(NearbyPropertiesSchema)


class NearbyCollectionSchema(Schema):
    """Open reports of one category near a point, nearest first."""

    type = fields.Constant("FeatureCollection", dump_only=True)
    features = fields.List(fields.Nested(NearbyFeatureSchema))
    radius_m = fields.Float()


class NearbyQuerySchema(Schema):
    """Where to look for reports like the one about to be filed."""

    class Meta:
        unknown = RAISE

    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))
    category = fields.String(required=True, validate=[validate.Length(min=1, max=64),
                                                      no_control_chars])
    radius = fields.Float(validate=validate.Range(1, 500), metadata={
        "description": "Metres; default 50, at most 500."})
    limit = fields.Integer(validate=validate.Range(1, 50), load_default=10)


class DeviceSchema(Schema):
    """Who supports or confirms: signed-in callers need nothing; others send a device id."""

    class Meta:
        unknown = RAISE

    device_id = Text(validate=validate.Length(min=8, max=128), metadata={
        "description": "A random id the app keeps (e.g. a UUID); only its hash is stored."})


class SupportOutSchema(Schema):
    """The report's support after a "me too"."""

    report_id = fields.Integer()
    support_count = fields.Integer()
    supported = fields.Boolean(metadata={"description": "True: this caller supports it."})


class FollowSchema(Schema):
    """Who follows: signed-in callers use their account's address; others give one."""

    class Meta:
        unknown = RAISE

    email = fields.Email(validate=validate.Length(max=254))


class UnfollowSchema(Schema):
    """Stop following: signed in, or with the token from an email's unsubscribe link."""

    class Meta:
        unknown = RAISE

    token = fields.String(validate=validate.Length(max=500))


class FollowOutSchema(Schema):
    """The state of a follow."""

    report_id = fields.Integer()
    confirmed = fields.Boolean(metadata={
        "description": "False: a confirmation email was sent; updates start once confirmed."})


class ReportCollectionSchema(Schema):
    """A page of reports as a GeoJSON FeatureCollection."""

    type = fields.Constant("FeatureCollection", dump_only=True)
    features = fields.List(fields.Nested(ReportFeatureSchema))
    next_cursor = fields.String(allow_none=True, metadata={
        "description": "Pass as `cursor` for the next page; null on the last page."})


class BBoxField(fields.String):
    """minLon,minLat,maxLon,maxLat in WGS84 degrees."""

    def _deserialize(self, value, attr, data, **kwargs):
        parts = super()._deserialize(value, attr, data, **kwargs).split(",")
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            raise ValidationError("Must be four numbers: minLon,minLat,maxLon,maxLat.") from None
        if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
            raise ValidationError("Must be four numbers: minLon,minLat,maxLon,maxLat.")
        box = BBox(*numbers)
        if not (-180 <= box.min_lon <= box.max_lon <= 180
                and -90 <= box.min_lat <= box.max_lat <= 90):
            raise ValidationError("Must satisfy -180 <= minLon <= maxLon <= 180 and "
                                  "-90 <= minLat <= maxLat <= 90.")
        return box


class ReportQuerySchema(Schema):
    """Filters and paging for the report list."""

    class Meta:
        unknown = RAISE

    bbox = BBoxField(metadata={"description": "minLon,minLat,maxLon,maxLat", "example":
                               "-71.07,42.35,-71.05,42.36"})
    category = fields.List(fields.String(validate=[validate.Length(max=64), no_control_chars]),
                           metadata={"description": "Category codes (repeat the parameter)."})
    family = fields.List(fields.String(validate=validate.OneOf([f.value for f in Family])))
    status = fields.List(fields.String(validate=validate.OneOf([s.value for s in Status])))
    created_from = fields.DateTime(validate=plausible_date, metadata={
        "description": "ISO 8601; inclusive; years 1900-2999."})
    created_to = fields.DateTime(validate=plausible_date, metadata={
        "description": "ISO 8601; exclusive; years 1900-2999."})
    cursor = fields.String(validate=validate.Length(max=64))
    limit = fields.Integer(validate=validate.Range(1, 1000), load_default=100)

    @validates_schema
    def _range_in_order(self, data, **kwargs):
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and (start.tzinfo is None) == (end.tzinfo is None) and start > end:
            raise ValidationError("Must not be after created_to.", "created_from")


class CategorySchema(Schema):
    """A category residents can report."""

    code = fields.String()
    name = fields.String()
    family = fields.String(validate=validate.OneOf([f.value for f in Family]))
    sla_days = fields.Float(allow_none=True, metadata={
        "description": "Target days to resolve (the service level), if any."})
    sensitive = fields.Boolean(metadata={
        "description": "Held for a moderator before it is public; location generalized."})
    questions = fields.Method("_questions", metadata={
        "type": "array", "items": {"type": "object"},
        "description": "Extra questions to answer in `attributes` (Open311 attribute shape)."})

    def _questions(self, category):
        return [question_dict(q) for q in parse_questions(category.questions)]


def question_dict(question: Question) -> dict:
    """Return a question as its Open311 attribute definition."""
    return {"variable": question.variable, "code": question.code,
            "datatype": question.datatype, "required": question.required,
            "datatype_description": question.datatype_description,
            "order": question.order, "description": question.description,
            "values": [{"key": k, "name": n} for k, n in question.values]}
