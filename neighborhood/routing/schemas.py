"""Schemas of the routing API."""

from marshmallow import Schema, fields


class DepartmentSchema(Schema):
    """A city department that works reports."""

    code = fields.String()
    name = fields.String()
    email = fields.String(allow_none=True, metadata={"description": "Public contact address."})
