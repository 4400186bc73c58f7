"""Configuration: defaults here; the environment overrides them when the app is created."""

import os
from pathlib import Path

# Settings the environment may override, with the type to read them as.
ENVIRONMENT_SETTINGS = {
    "DATABASE_URL": str,
    "SECRET_KEY": str,
    "CITY_NAME": str,
    "CITY_TIMEZONE": str,
    "CITY_METRIC_SRID": int,
    "UPLOAD_DIR": str,
    "PHOTO_MAX_BYTES": int,
    "PHOTO_MAX_PIXELS": int,
    "BASE_URL": str,
    "NOTIFY_SENDER": str,
    "MAIL_FROM": str,
    "MAIL_FROM_NAME": str,
    "SMTP_HOST": str,
    "SMTP_PORT": int,
    "SMTP_USERNAME": str,
    "SMTP_PASSWORD": str,
    "SMTP_SECURITY": str,
    "ROUTING_FALLBACK_DEPARTMENT": str,
    "NEARBY_RADIUS_M": float,
    "SESSION_COOKIE_SECURE": "flag",
    "SENSITIVE_COORDINATE_DECIMALS": int,
    "REPORTER_CONTACT_RETENTION_DAYS": int,
    "FOLLOW_CONFIRM_DAYS": int,
    "OPEN311_JURISDICTION": str,
    "OPEN311_CONTACT": str,
    "OPEN311_KEY_SERVICE": str,
    "OPEN311_ENDPOINT_TYPE": str,
    "OPEN311_POST_RATE_LIMIT": str,
    "RATELIMIT_STORAGE_URI": str,
    "RATELIMIT_ENABLED": "flag",
    "MODERATION_HOLD_AFTER_FLAGS": int,
    "RATE_LIMIT_INTAKE": str,
    "RATE_LIMIT_ENGAGEMENT": str,
    "RATE_LIMIT_LOGIN": str,
    "RATE_LIMIT_LOGIN_ACCOUNT": str,
    "MAP_TILE_URL": str,
    "MAP_TILE_ATTRIBUTION": str,
    "FORCE_HTTPS": "flag",
}


class Config:
    """Defaults for a local, single-machine deployment on SQLite + SpatiaLite."""

    SECRET_KEY = "dev-only-change-me"
    DATABASE_URL = None  # None: a SQLite file in the app's instance folder
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    CITY_NAME = "Boston"
    CITY_TIMEZONE = "America/New_York"
    # A metric projection around the city (a UTM zone) for PostGIS clustering: Boston, 19N.
    CITY_METRIC_SRID = 26919

    # Photos: at most this many per report, each at most this many bytes and pixels.
    PHOTO_MAX_COUNT = 3
    PHOTO_MAX_BYTES = 10 * 1024 * 1024
    PHOTO_MAX_PIXELS = 40_000_000
    PHOTO_MAX_SIDE = 2048
    UPLOAD_DIR = None  # None: <instance>/uploads

    # Where the site is reachable; links in emails start with it.
    BASE_URL = "http://127.0.0.1:5000"

    # Sessions: the cookie is never readable from scripts and not sent cross-site.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SECURE = False  # set SESSION_COOKIE_SECURE=1 behind HTTPS
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    # Routing: reports no rule claims go to this department (code); None leaves them unrouted.
    ROUTING_FALLBACK_DEPARTMENT = None
    # "Is it one of these?": open reports of the same category within this radius.
    NEARBY_RADIUS_M = 50.0
    NEARBY_MAX_RADIUS_M = 500.0

    # Notifications: smtp, log (development) or memory (tests); sent after commit.
    NOTIFY_SENDER = "log"
    MAIL_FROM = "noreply@neighborhood.example"
    MAIL_FROM_NAME = "Neighborhood"
    SMTP_HOST = "localhost"
    SMTP_PORT = 25
    SMTP_USERNAME = None
    SMTP_PASSWORD = None
    SMTP_SECURITY = "none"  # none, starttls or tls
    SMTP_TIMEOUT = 30
    OUTBOX_DRAIN_INLINE = True  # drain once each request's response is sent
    OUTBOX_LEASE_SECONDS = 600  # a claim older than this was lost in a crash: retry it

    # Privacy: public coordinates of sensitive categories (problem businesses) are rounded to
    # this many decimal places (3: about 100 m) and their address is withheld; None: exact.
    SENSITIVE_COORDINATE_DECIMALS = 3
    # Retention (`flask retention anonymize`, run daily): reporters' contacts are cleared this
    # many days after the report was made, and followers this many days after it was closed.
    REPORTER_CONTACT_RETENTION_DAYS = 365
    # Email follows not confirmed within this many days are removed by the same command
    # (the confirmation link works 7 days: keep this at 7 or more).
    FOLLOW_CONFIRM_DAYS = 7

    # Open311 GeoReport v2 (/open311/v2): the jurisdiction_id checked when set (e.g. "boston.gov"),
    # what discovery says about contact and keys, and the api_key's POST rate limit.
    OPEN311_JURISDICTION = None
    OPEN311_CONTACT = "311 team, neighborhood@city.example"
    OPEN311_KEY_SERVICE = "Ask the city's 311 team; an admin runs `flask open311 create-key NAME`."
    OPEN311_ENDPOINT_TYPE = "production"  # or "test"
    OPEN311_POST_RATE_LIMIT = "60 per minute"
    # Rate-limit counters: memory by default; e.g. redis://localhost:6379 when shared.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True  # off only for load benchmarks that come from one address
    # A public open report is held for a moderator after this many flags (0: never).
    MODERATION_HOLD_AFTER_FLAGS = 3
    # Limits per caller (an account, else an address; core/limits.py): new reports, then
    # support/follow/fixed/reopen; sign-in per address, and failed sign-ins per account.
    # Officers, staff, moderators and admins are not limited on reports and engagement.
    RATE_LIMIT_INTAKE = "10 per minute; 100 per day"
    RATE_LIMIT_ENGAGEMENT = "30 per minute; 300 per day"
    RATE_LIMIT_LOGIN = "20 per minute; 200 per day"
    RATE_LIMIT_LOGIN_ACCOUNT = "5 per minute; 30 per day"

    # Web pages: map tiles come from this URL template ({z}/{x}/{y}); our own stand-in tile
    # (/map-tiles/...) when empty. The browser fetches tiles from nowhere else.
    MAP_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    MAP_TILE_ATTRIBUTION = "© OpenStreetMap contributors"
    MAP_CENTER = (42.3300, -71.0800)  # the demo city's middle (lat, lon) and zoom
    MAP_ZOOM = 13
    # Languages of the site (Flask-Babel), chosen from the browser or the switch on every page.
    LANGUAGES = {"en": "English", "es": "Español"}
    BABEL_DEFAULT_LOCALE = "en"
    # Security headers (Flask-Talisman): redirect to HTTPS and send HSTS when set (behind TLS).
    FORCE_HTTPS = False
    # CSRF (Flask-WTF): a token lives as long as the session, so an offline walk of several
    # hours can still send its queue.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_CHECK_DEFAULT = False  # core.security decides which requests are checked
    # Compression (Flask-Compress) of pages, scripts and JSON for clients that accept it;
    # streamed bodies (files, exports) are compressed chunk by chunk, memory stays constant.
    COMPRESS_STREAMS = True
    COMPRESS_STREAMING_ENDPOINT_CONDITIONAL = ["static", "maps.asset"]
    COMPRESS_MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript",
                          "application/json", "application/geo+json", "image/svg+xml",
                          "application/manifest+json"]

    API_TITLE = "Neighborhood API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    # Every endpoint takes an optional bearer token (anonymous access is the empty option).
    API_SPEC_OPTIONS = {"security": [{"bearerAuth": []}, {}]}


class TestConfig(Config):
    """Settings for the test suite; the environment is not read, fixtures supply the rest."""

    TESTING = True
    SECRET_KEY = "test-secret"
    PHOTO_MAX_BYTES = 2 * 1024 * 1024
    PHOTO_MAX_PIXELS = 4_000_000
    NOTIFY_SENDER = "memory"
    BASE_URL = "http://neighborhood.test"
    MAP_TILE_URL = ""  # the stand-in tile: tests never leave the machine
    # Tests send many requests from one address; tests/core/test_limits.py sets real limits.
    RATE_LIMIT_INTAKE = RATE_LIMIT_ENGAGEMENT = "10000 per minute"
    RATE_LIMIT_LOGIN = RATE_LIMIT_LOGIN_ACCOUNT = "10000 per minute"


def environment_overrides(environ=os.environ) -> dict:
    """Return the settings the environment sets (empty values are ignored)."""
    return {name: _flag(environ[name]) if cast == "flag" else cast(environ[name])
            for name, cast in ENVIRONMENT_SETTINGS.items() if environ.get(name)}


def _flag(value: str) -> bool:
    """Read an on/off setting: 1/true/yes/on or 0/false/no/off."""
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"not an on/off value: {value!r}")


def request_size_limit(config) -> int:
    """Return MAX_CONTENT_LENGTH: every photo at its limit, plus room for the form fields."""
    return config["PHOTO_MAX_COUNT"] * config["PHOTO_MAX_BYTES"] + 256 * 1024


def default_database_url(instance_path: str) -> str:
    """Return the embedded default: a SpatiaLite file in the instance folder."""
    return f"sqlite:///{Path(instance_path) / 'neighborhood.db'}"
