"""Sign in and out with a password (a session cookie); who am I."""

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf
from marshmallow import RAISE

from neighborhood.accounts import auth, services
from neighborhood.accounts.schemas import LoginSchema, MeSchema
from neighborhood.core.errors import Unauthorized, error_response
from neighborhood.extensions import db
from neighborhood.routing.models import Department

blp = Blueprint("auth_api", __name__, url_prefix="/api/v1/auth",
                description="Password sessions for the web app; API clients use bearer tokens.")

CSRF_HEADER = {"X-CSRFToken": {
    "description": "With a session (not a bearer token): send it back in an `X-CSRFToken` "
                   "header on every POST, PUT and DELETE that relies on the session cookie.",
    "schema": {"type": "string"}}}


def _session_headers() -> dict:
    """Return the CSRF token header for session callers (bearer callers need none)."""
    return {} if "Authorization" in request.headers else {"X-CSRFToken": generate_csrf()}


def _me(user) -> dict:
    department = db.session.get(Department, user.department_id) if user.department_id else None
    return {"id": user.id, "email": user.email, "display_name": user.display_name,
            "role": user.role, "department": department.name if department else None}


@blp.route("/login", endpoint="login")
class Login(MethodView):
    @blp.arguments(LoginSchema, unknown=RAISE)
    @blp.response(200, MeSchema, headers=CSRF_HEADER)
    @error_response(blp, 400)
    @error_response(blp, 401, "Wrong email or password (the same for both), or the bearer token "
                              "sent is not valid.")
    @error_response(blp, 413)
    @error_response(blp, 422)
    def post(self, data):
        """Sign in: sets an HttpOnly, SameSite=Lax session cookie."""
        user = services.authenticate(data["email"], data["password"])
        auth.start_session(user)
        return _me(user), 200, _session_headers()


@blp.route("/logout", endpoint="logout")
class Logout(MethodView):
    @blp.response(204)
    @error_response(blp, 401, "The bearer token sent is not valid.")
    def post(self):
        """Sign out of this browser."""
        auth.end_session()


@blp.route("/me", endpoint="me")
class Me(MethodView):
    @blp.response(200, MeSchema, headers=CSRF_HEADER)
    @error_response(blp, 401, "Not signed in, or the bearer token sent is not valid.")
    def get(self):
        """Return the signed-in account (session or bearer token)."""
        user = auth.current_account()
        if user is None:
            raise Unauthorized()
        return _me(user), 200, _session_headers()
