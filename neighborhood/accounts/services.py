"""Accounts: create users, check passwords, issue and revoke API tokens."""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from marshmallow import ValidationError
from marshmallow.validate import Email
from sqlalchemy import select

from neighborhood.accounts.models import ApiToken, User
from neighborhood.accounts.passwords import (MIN_LENGTH, hash_password, needs_rehash,
                                             verify_password)
from neighborhood.accounts.permissions import ACCOUNT_ROLES, Role
from neighborhood.core.db import utcnow
from neighborhood.core.errors import Conflict, InvalidInput, NotFound, Unauthorized
from neighborhood.extensions import db
from neighborhood.routing.services import find_department

TOKEN_PREFIX = "nbh_"
# Writing last_used_at on every request would turn reads into writes; once an hour is enough.
TOKEN_TOUCH_INTERVAL = timedelta(hours=1)


def normalize_email(raw: str, *, location: str = "json", field: str = "email") -> str:
    """Return an address in canonical form (lower-cased); 422 if it is not an address."""
    address = raw.strip().lower()
    try:
        return Email()(address)
    except ValidationError as exc:
        raise InvalidInput.field(location, field, _("Not a valid email address.")) from exc


def create_user(email: str, role: str, *, display_name: str | None = None,
                department: str | None = None, password: str | None = None) -> User:
    """Create an account; staff need a department, others must not have one."""
    if role not in ACCOUNT_ROLES:
        raise InvalidInput.field("args", "role", f"Must be one of {', '.join(ACCOUNT_ROLES)}.")
    address = normalize_email(email, location="args")
    if db.session.scalar(select(User.id).where(User.email == address)):
        raise Conflict(f"An account for {address} already exists.")
    if role == Role.STAFF and not department:
        raise InvalidInput.field("args", "department", "Staff accounts need a department.")
    if department and role != Role.STAFF:
        raise InvalidInput.field("args", "department", "Only staff belong to a department.")
    if password is not None and len(password) < MIN_LENGTH:
        raise InvalidInput.field("args", "password",
                                 f"Must be at least {MIN_LENGTH} characters.")
    user = User(email=address, role=role, display_name=display_name or address.split("@")[0],
                department_id=find_department(department).id if department else None,
                password_hash=hash_password(password) if password else None)
    db.session.add(user)
    db.session.flush()
    return user


def find_user(email: str) -> User:
    """Return the account of an address; NotFound otherwise."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"No account for {email}.")
    return user


def authenticate(email: str, password: str, *, now: datetime | None = None) -> User:
    """Return the active account these credentials open; 401 (the same for every miss)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if not verify_password(user.password_hash if user else None, password) or not user.active:
        raise Unauthorized(_("Wrong email or password."))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now or utcnow()
    return user


def token_digest(token: str) -> str:
    """Return the SHA-256 hex digest a secret token is stored as."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str = "api") -> tuple[ApiToken, str]:
    """Issue a bearer token for an account; return the row and the token (shown once)."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=token_digest(plain))
    db.session.add(token)
    db.session.flush()
    return token, plain


def revoke_token(token_id: int, *, now: datetime | None = None) -> ApiToken:
    """Revoke a token; requests that send it get 401 from now on."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"No token {token_id}.")
    token.revoked_at = token.revoked_at or now or utcnow()
    return token


def user_for_token(plain: str, *, now: datetime | None = None) -> User | None:
    """Return the active account of a valid, unrevoked token, or None."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(plain)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        token.last_used_at = now
    return token.user
