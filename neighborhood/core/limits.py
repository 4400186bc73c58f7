"""Rate limits on what abuse targets: intake, sign-in, support, follow, flags, fixed, reopen.

Flask-Limiter counts in memory by default, in Redis when RATELIMIT_STORAGE_URI says so (needed
with more than one process). The limits are listed here by endpoint, for the API and the
pages alike, and share one counter per purpose (a scope): sending a report by the API or by
the form counts against the same allowance. Over the limit is a 429 with Retry-After.

Accounts with a job (officers, staff, moderators, admins) are not limited on intake and
engagement: an officer's phone sends a whole walk at once. Sign-in is limited per address
and, for failed attempts only, per account, so guessing one password from many addresses
is throttled too.
"""

from flask import Flask, current_app, request
from flask_login import current_user

from neighborhood.extensions import limiter

TRUSTED_ROLES = frozenset({"officer", "staff", "moderator", "admin"})

# endpoint -> (setting, scope, methods)
LIMITS = {
    "reports_api.reports": ("RATE_LIMIT_INTAKE", "intake", ["POST"]),
    "web.new_report": ("RATE_LIMIT_INTAKE", "intake", ["POST"]),
    "reports_api.support": ("RATE_LIMIT_ENGAGEMENT", "engagement", ["POST"]),
    "reports_api.follow": ("RATE_LIMIT_ENGAGEMENT", "engagement", ["POST"]),
    "workflow_api.confirm_fixed": ("RATE_LIMIT_ENGAGEMENT", "engagement", ["POST"]),
    "moderation_api.flag": ("RATE_LIMIT_ENGAGEMENT", "engagement", ["POST"]),
    "web.flag": ("RATE_LIMIT_ENGAGEMENT", "engagement", ["POST"]),
    "web.support": ("RATE_LIMIT_ENGAGEMENT", "engagement", ["POST"]),
    "web.follow": ("RATE_LIMIT_ENGAGEMENT", "engagement", ["POST"]),
    "web.confirm": ("RATE_LIMIT_ENGAGEMENT", "engagement", ["POST"]),
    "web.reopen": ("RATE_LIMIT_ENGAGEMENT", "engagement", ["POST"]),
}
LOGIN_ENDPOINTS = ("auth_api.login", "web.login")


def caller_key() -> str:
    """Count per account when signed in, else per network address."""
    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"ip:{request.remote_addr}"


def address_key() -> str:
    """Count per network address."""
    return f"ip:{request.remote_addr}"


def login_account_key() -> str:
    """Count per account tried (the email, lower-cased), whichever address it comes from."""
    source = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    email = source.get("email") if isinstance(source, dict) else None
    return "login:" + (email.strip().lower()[:254] if isinstance(email, str) else "")


def trusted_caller() -> bool:
    """Return True for accounts with a job: they are never limited on intake or engagement."""
    return bool(current_user and current_user.is_authenticated
                and current_user.role in TRUSTED_ROLES)


def _setting(name: str):
    return lambda: current_app.config[name]


def _failed(response) -> bool:
    return response.status_code == 401


def _dispatcher(endpoint: str):
    """Return a view that calls this app's original view of endpoint, under a name of its
    own: Flask-Limiter files limits by qualified name (every class-based API view is the
    same `View.as_view.<locals>.view`) in the one process-wide limiter."""
    def limited(*args, **kwargs):
        return current_app.extensions["limited_views"][endpoint](*args, **kwargs)

    limited.__name__ = limited.__qualname__ = "limited_" + endpoint.replace(".", "_")
    return limited


def _decorate(endpoint: str):
    setting, scope, methods = LIMITS[endpoint]
    return limiter.shared_limit(_setting(setting), scope, key_func=caller_key, methods=methods,
                                exempt_when=trusted_caller)(_dispatcher(endpoint))


def _decorate_login(endpoint: str):
    view = limiter.shared_limit(_setting("RATE_LIMIT_LOGIN"), "login", key_func=address_key,
                                methods=["POST"])(_dispatcher(endpoint))
    return limiter.shared_limit(_setting("RATE_LIMIT_LOGIN_ACCOUNT"), "login-account",
                                key_func=login_account_key, methods=["POST"],
                                deduct_when=_failed)(view)


# Decorated once per process: each decoration adds its limits to the limiter again.
_LIMITED = {**{e: _decorate(e) for e in LIMITS}, **{e: _decorate_login(e)
                                                    for e in LOGIN_ENDPOINTS}}


def init_app(app: Flask) -> None:
    """Put the limited views in front of the app's own (after every blueprint is registered)."""
    app.extensions["limited_views"] = {e: app.view_functions[e] for e in _LIMITED}
    app.view_functions.update(_LIMITED)
