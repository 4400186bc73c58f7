"""Security headers (nonce CSP, HSTS behind TLS) and CSRF on every cookie-authenticated write.

CSP: scripts only from our origin or inline with the request's nonce; never 'unsafe-eval'.
Styles allow inline (Leaflet and folium set them). Images from us, data:/blob: (photo
previews) and the configured tile host. Frames, plugins and <base> are refused.

CSRF (Flask-WTF): every form post to a page is checked. API writes are checked when they
ride on a signed-in session cookie; a bearer token is not ambient authority, and anonymous
API calls carry none, so those are not. One-click unsubscribe (RFC 8058) is authorised by
the token in its link and exempt.
"""

from urllib.parse import urlsplit

from flask import Flask, request, session
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
talisman = Talisman()

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MACHINE_PREFIXES = ("/api/", "/open311/")
CSRF_EXEMPT_ENDPOINTS = frozenset({"web.unsubscribe"})


def tile_origin(url_template: str) -> str | None:
    """Return the scheme://host of a tile URL template, or None for our own origin."""
    parts = urlsplit(url_template or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def content_security_policy(tile_url: str) -> dict:
    """Return the CSP for the site; the tile host is the only other origin allowed."""
    images = ["'self'", "data:", "blob:"]
    origin = tile_origin(tile_url)
    if origin:
        images.append(origin)
    return {
        "default-src": "'self'",
        "script-src": "'self'",  # plus the request's nonce (Talisman adds it)
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": images,
        "connect-src": "'self'",
        "worker-src": "'self'",
        "manifest-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


def needs_csrf_check() -> bool:
    """Return True when this request must carry a valid CSRF token."""
    if request.method not in UNSAFE_METHODS or request.endpoint in CSRF_EXEMPT_ENDPOINTS:
        return False
    if request.routing_exception is not None:  # no view answers: a 404 or 405 follows
        return False
    if request.path.startswith(MACHINE_PREFIXES):
        return "Authorization" not in request.headers and "_user_id" in session
    return True


def init_app(app: Flask) -> None:
    """Send the security headers on every response and check CSRF tokens."""
    https = app.config["FORCE_HTTPS"]
    talisman.init_app(
        app,
        force_https=https,
        strict_transport_security=https,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=content_security_policy(app.config["MAP_TILE_URL"]),
        content_security_policy_nonce_in=["script-src"],
        referrer_policy="strict-origin-when-cross-origin",
        frame_options="DENY",
        permissions_policy={"geolocation": "(self)", "camera": "(self)",
                            "microphone": "()", "interest-cohort": "()"},
    )
    csrf.init_app(app)

    @app.before_request
    def _check_csrf():
        if needs_csrf_check():
            csrf.protect()
