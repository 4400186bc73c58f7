"""JSON API for admins: issue, list and revoke Open311 api_keys (services check the role)."""

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from neighborhood.accounts.auth import current_account, current_actor
from neighborhood.open311 import services
from neighborhood.open311.schemas import ApiKeyCreatedSchema, ApiKeyCreateSchema, ApiKeySchema

blp = Blueprint("open311_keys_api", __name__, url_prefix="/api/v1/open311/keys",
                description="Open311 api_keys (admins only).")


def _row(key, reports: int) -> dict:
    return {"id": key.id, "name": key.name, "prefix": key.prefix,
            "created_at": key.created_at, "last_used_at": key.last_used_at,
            "revoked_at": key.revoked_at, "reports": reports}


@blp.route("", endpoint="keys")
class ApiKeys(MethodView):
    @blp.response(200, ApiKeySchema(many=True))
    @blp.alt_response(401, description="Not signed in.")
    @blp.alt_response(403, description="Not an admin.")
    def get(self):
        """List api_keys, newest first (never the keys themselves)."""
        counts = services.reports_per_key()
        return [_row(k, counts.get(k.id, 0)) for k in services.list_api_keys(actor=current_actor())]

    @blp.arguments(ApiKeyCreateSchema, unknown=RAISE)
    @blp.response(201, ApiKeyCreatedSchema)
    @blp.alt_response(401, description="Not signed in.")
    @blp.alt_response(403, description="Not an admin.")
    @blp.alt_response(409, description="A key with this name exists.")
    def post(self, data):
        """Issue an api_key; the key is in this response only."""
        account = current_account()
        key, plain = services.create_api_key(data["name"], actor=current_actor(),
                                             created_by_id=account.id if account else None)
        return {**_row(key, 0), "api_key": plain}


@blp.route("/<int:key_id>", endpoint="key")
class ApiKeyDetail(MethodView):
    @blp.response(200, ApiKeySchema)
    @blp.alt_response(401, description="Not signed in.")
    @blp.alt_response(403, description="Not an admin.")
    @blp.alt_response(404, description="No such api_key.")
    def delete(self, key_id):
        """Revoke an api_key: its POSTs get 403 from now on."""
        key = services.revoke_api_key(str(key_id), actor=current_actor())
        return _row(key, services.reports_per_key().get(key.id, 0))
