"""Moderation API bodies: a flag, a decision, a ban entry, and the queue's rows."""

from marshmallow import RAISE, Schema, fields, validate

from neighborhood.moderation.rules import Decision, FlagReason
from neighborhood.reports.schemas import Text


class FlagSchema(Schema):
    """Flag a report: why, an optional note, and the device id when not signed in."""

    class Meta:
        unknown = RAISE

    reason = fields.String(required=True, validate=validate.OneOf([r.value for r in FlagReason]))
    note = Text(validate=validate.Length(max=500), allow_none=True)
    device_id = Text(validate=validate.Length(min=8, max=128), metadata={
        "description": "The anonymous id this app generated (one flag per device)."})


class FlagOutSchema(Schema):
    report_id = fields.Integer()
    flagged = fields.Boolean(metadata={"description": "False when this caller flagged it before."})
    held_for_review = fields.Boolean(metadata={
        "description": "True when this flag made the report wait for a moderator."})


class DecisionSchema(Schema):
    class Meta:
        unknown = RAISE

    decision = fields.String(required=True,
                             validate=validate.OneOf([d.value for d in Decision]))
    note = Text(validate=validate.Length(max=2000), allow_none=True)


class DecisionOutSchema(Schema):
    report_id = fields.Integer()
    status = fields.String()


class ModerationItemSchema(Schema):
    """A report waiting for a moderator, with its open flags by reason."""

    id = fields.Integer()
    status = fields.String()
    category = fields.String()
    category_name = fields.String()
    family = fields.String()
    sensitive = fields.Boolean()
    description = fields.String()
    address = fields.String(allow_none=True)
    created_at = fields.DateTime()
    flag_count = fields.Integer()
    reasons = fields.Dict(keys=fields.String(), values=fields.Integer())
    notes = fields.List(fields.String())


class BanSchema(Schema):
    class Meta:
        unknown = RAISE

    pattern = Text(required=True, validate=validate.Length(min=3, max=254), metadata={
        "description": "An address (name@example.org) or a domain (example.org: every "
                       "address there and under it)."})
    note = Text(validate=validate.Length(max=500), allow_none=True)


class BanOutSchema(Schema):
    id = fields.Integer()
    pattern = fields.String()
    note = fields.String(allow_none=True)
    created_at = fields.DateTime()
