"""Schemas of the lifecycle API: transitions, reassignment, fix confirmations, the queue."""

from marshmallow import RAISE, Schema, fields, validate

from neighborhood.reports.models import MAX_ID
from neighborhood.reports.schemas import (ContactOutSchema, ReportFeatureSchema,
                                          ReportPropertiesSchema, Text, no_control_chars)
from neighborhood.workflow.states import CloseReason, Status

NOTE_MAX = 4000


class TransitionSchema(Schema):
    """Move a report: JSON, or multipart with a resolution `photo` file."""

    class Meta:
        unknown = RAISE

    to = fields.String(required=True, validate=validate.OneOf([s.value for s in Status]))
    note = Text(validate=validate.Length(max=NOTE_MAX), allow_none=True, metadata={
        "description": "Public. Required to resolve, close, hide or reopen."})
    reason = fields.String(validate=validate.OneOf([r.value for r in CloseReason]),
                           allow_none=True, metadata={"description": "Required to close."})
    duplicate_of = fields.Integer(validate=validate.Range(1, MAX_ID), allow_none=True,
                                  metadata={"description": "The original, when "
                                                           "reason=duplicate."})


class TransitionMultipartSchema(TransitionSchema):
    """The multipart form of a transition (OpenAPI only)."""

    photo = fields.Raw(metadata={"type": "string", "format": "binary",
                                 "description": "An optional resolution photo."})


class ReassignSchema(Schema):
    """Route a report to another department."""

    class Meta:
        unknown = RAISE

    department = Text(required=True, validate=validate.Length(min=1, max=200), metadata={
        "description": "The department's code or name (see /api/v1/departments)."})
    note = Text(validate=validate.Length(max=NOTE_MAX), allow_none=True)


class StepOutSchema(Schema):
    """The step a transition wrote, and the report's status after it."""

    report_id = fields.Integer()
    status = fields.String()
    kind = fields.String()
    at = fields.DateTime()


class ConfirmOutSchema(Schema):
    """A report's fix confirmations after this one."""

    report_id = fields.Integer()
    fixed_count = fields.Integer()
    confirmed = fields.Boolean()


class QueueQuerySchema(Schema):
    """Which part of a department's queue to show."""

    class Meta:
        unknown = RAISE

    department = fields.String(validate=[validate.Length(max=200), no_control_chars], metadata={
        "description": "Moderators and admins: a department code or name (default: all). "
                       "Staff always see their own department."})
    status = fields.List(fields.String(validate=validate.OneOf([s.value for s in Status])),
                         metadata={"description": "Default: every status still waiting "
                                                  "for the city (not resolved or closed)."})
    overdue = fields.Boolean(metadata={"description": "true: only overdue reports."})
    limit = fields.Integer(validate=validate.Range(1, 200), load_default=50)
    offset = fields.Integer(validate=validate.Range(0, 1_000_000), load_default=0)


class QueuePropertiesSchema(ReportPropertiesSchema):
    """A report in a queue: public facts plus the reporter's contact."""

    contact = fields.Nested(ContactOutSchema)


class QueueItemSchema(ReportFeatureSchema):
    properties = fields.Nested(QueuePropertiesSchema)


class QueueSchema(Schema):
    """A page of a department's queue, oldest due first."""

    type = fields.Constant("FeatureCollection", dump_only=True)
    features = fields.List(fields.Nested(QueueItemSchema))
    total = fields.Integer()
    overdue_total = fields.Integer()
