"""Who is calling: an `Authorization: Bearer` token, else a session (password login)."""

from flask import Flask, request
from flask_login import current_user, login_user, logout_user

from neighborhood.accounts.models import User
from neighborhood.accounts.permissions import ANONYMOUS, Actor
from neighborhood.accounts.services import user_for_token
from neighborhood.core.errors import Unauthorized
from neighborhood.extensions import db, login_manager


def current_actor() -> Actor:
    """Return the caller as an Actor (ANONYMOUS without a session or token)."""
    user = current_user
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    return user.actor()


def current_account() -> User | None:
    """Return the caller's account, or None for anonymous visitors."""
    return current_user if current_user.is_authenticated else None


def start_session(user: User) -> None:
    """Sign the account in for this browser (HttpOnly, SameSite=Lax cookie)."""
    login_user(user)


def end_session() -> None:
    """Sign the browser out."""
    logout_user()


def _load_session_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def _load_bearer_user(req) -> User | None:
    header = req.headers.get("Authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send 'Authorization: Bearer <token>'.")
    user = user_for_token(token.strip())
    if user is None:
        raise Unauthorized("The bearer token is not valid (unknown, revoked or inactive).")
    return user


def init_app(app: Flask) -> None:
    """Bind Flask-Login: sessions by user id; a bearer token, when sent, wins over the session."""
    login_manager.init_app(app)
    login_manager.user_loader(_load_session_user)

    @app.before_request
    def _authenticate_bearer():
        # Flask-Login's request_loader runs only without a session user, so a bad token sent
        # with a good cookie would pass. Decide here: a token, valid or not, is the caller.
        user = _load_bearer_user(request)
        if user is not None:
            login_manager._update_request_context_with_user(user)  # no session cookie set
