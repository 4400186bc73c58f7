"""Marshmallow schemas of the api_key admin API (never the key, except once at creation)."""

from marshmallow import RAISE, Schema, fields, validate


class ApiKeyCreateSchema(Schema):
    """A new api_key: who it is for."""

    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=100), metadata={
        "description": "Who holds the key (an app, a CRM bridge); unique."})


class ApiKeySchema(Schema):
    """An api_key as listed: never the key itself, only the first characters to tell it apart."""

    id = fields.Integer()
    name = fields.String()
    prefix = fields.String(metadata={"description": "The key's first 8 characters after o311_."})
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    reports = fields.Integer(metadata={"description": "Reports submitted with this key."})


class ApiKeyCreatedSchema(ApiKeySchema):
    """A new api_key, with the key: shown this once, store it now."""

    api_key = fields.String()
