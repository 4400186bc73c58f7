"""Configuration: defaults, overridden by environment variables of the same name."""

import os
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


class Config:
    """Defaults for a local, single-machine deployment on SQLite + SpatiaLite."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-change-me")
    # None means: a SQLite file in the app's instance folder (resolved in create_app).
    DATABASE_URL = os.environ.get("DATABASE_URL") or None
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    CITY_NAME = os.environ.get("CITY_NAME", "Boston")
    CITY_TIMEZONE = os.environ.get("CITY_TIMEZONE", "America/New_York")

    # Photos: at most this many per report, each at most this many bytes and pixels.
    PHOTO_MAX_COUNT = 3
    PHOTO_MAX_BYTES = _env_int("PHOTO_MAX_BYTES", 10 * 1024 * 1024)
    PHOTO_MAX_PIXELS = _env_int("PHOTO_MAX_PIXELS", 40_000_000)
    PHOTO_MAX_SIDE = 2048
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR") or None  # default: <instance>/uploads
    MAX_CONTENT_LENGTH = PHOTO_MAX_COUNT * PHOTO_MAX_BYTES + 256 * 1024

    API_TITLE = "Neighborhood API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"

    DEBUG = os.environ.get("FLASK_DEBUG", "").lower() in _TRUE


class TestConfig(Config):
    """Settings for the test suite; the database URL is supplied by the test fixtures."""

    TESTING = True
    SECRET_KEY = "test-secret"
    PHOTO_MAX_BYTES = 2 * 1024 * 1024
    PHOTO_MAX_PIXELS = 4_000_000
    MAX_CONTENT_LENGTH = Config.PHOTO_MAX_COUNT * PHOTO_MAX_BYTES + 256 * 1024


def default_database_url(instance_path: str) -> str:
    """Return the embedded default: a SpatiaLite file in the instance folder."""
    return f"sqlite:///{Path(instance_path) / 'neighborhood.db'}"
