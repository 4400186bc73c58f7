"""JSON API for admins: issue, list and revoke Open311 api_keys (services check the role)."""

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from neighborhood.accounts.auth import current_account, current_actor
from neighborhood.core.errors import error_response
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
    @error_response(blp, 401, "Not signed in, or the bearer token sent is not valid.")
    @error_response(blp, 403, "Not an admin.")
    def get(self):
        """List api_keys, newest first (never the keys themselves)."""
        counts = services.reports_per_key()
        return [_row(k, counts.get(k.id, 0)) for k in services.list_api_keys(actor=current_actor())]

    @blp.arguments(ApiKeyCreateSchema, unknown=RAISE)
    @blp.response(201, ApiKeyCreatedSchema)
    @error_response(blp, 400)
    @error_response(blp, 401, "Not signed in, or the bearer token sent is not valid.")
    @error_response(blp, 403, "Not an admin.")
    @error_response(blp, 409, "A key with this name exists.")
    @error_response(blp, 413)
    @error_response(blp, 422)
    def post(self, data):
        """Issue an api_key; the key is in this response only."""
        account = current_account()
        key, plain = services.create_api_key(data["name"], actor=current_actor(),
                                             created_by_id=account.id if account else None)
        return {**_row(key, 0), "api_key": plain}


@blp.route("/<int:key_id>", endpoint="key")
class ApiKeyDetail(MethodView):
    @blp.response(200, ApiKeySchema)
    @error_response(blp, 401, "Not signed in, or the bearer token sent is not valid.")
    @error_response(blp, 403, "Not an admin.")
    @error_response(blp, 404, "No such api_key.")
    def delete(self, key_id):
        """Revoke an api_key: its POSTs get 403 from now on."""
        key = services.revoke_api_key(str(key_id), actor=current_actor())
        return _row(key, services.reports_per_key().get(key.id, 0))
