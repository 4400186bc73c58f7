"""Schemas of the accounts API."""

from marshmallow import RAISE, Schema, fields, validate

from neighborhood.reports.schemas import no_control_chars


class LoginSchema(Schema):
    """Password login."""

    class Meta:
        unknown = RAISE

    email = fields.String(required=True, validate=[validate.Length(min=1, max=254),
                                                   no_control_chars])
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024),
                             load_only=True)


class MeSchema(Schema):
    """The signed-in account."""

    id = fields.Integer()
    email = fields.String()
    display_name = fields.String()
    role = fields.String()
    department = fields.String(allow_none=True)
