"""Configuration: defaults here; the environment overrides them when the app is created."""

import os
from pathlib import Path

# Settings the environment may override, with the type to read them as.
ENVIRONMENT_SETTINGS = {
    "DATABASE_URL": str,
    "SECRET_KEY": str,
    "CITY_NAME": str,
    "CITY_TIMEZONE": str,
    "UPLOAD_DIR": str,
    "PHOTO_MAX_BYTES": int,
    "PHOTO_MAX_PIXELS": int,
}


class Config:
    """Defaults for a local, single-machine deployment on SQLite + SpatiaLite."""

    SECRET_KEY = "dev-only-change-me"
    DATABASE_URL = None  # None: a SQLite file in the app's instance folder
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    CITY_NAME = "Boston"
    CITY_TIMEZONE = "America/New_York"

    # Photos: at most this many per report, each at most this many bytes and pixels.
    PHOTO_MAX_COUNT = 3
    PHOTO_MAX_BYTES = 10 * 1024 * 1024
    PHOTO_MAX_PIXELS = 40_000_000
    PHOTO_MAX_SIDE = 2048
    UPLOAD_DIR = None  # None: <instance>/uploads

    API_TITLE = "Neighborhood API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"


class TestConfig(Config):
    """Settings for the test suite; the environment is not read, fixtures supply the rest."""

    TESTING = True
    SECRET_KEY = "test-secret"
    PHOTO_MAX_BYTES = 2 * 1024 * 1024
    PHOTO_MAX_PIXELS = 4_000_000


def environment_overrides(environ=os.environ) -> dict:
    """Return the settings the environment sets (empty values are ignored)."""
    return {name: cast(environ[name]) for name, cast in ENVIRONMENT_SETTINGS.items()
            if environ.get(name)}


def request_size_limit(config) -> int:
    """Return MAX_CONTENT_LENGTH: every photo at its limit, plus room for the form fields."""
    return config["PHOTO_MAX_COUNT"] * config["PHOTO_MAX_BYTES"] + 256 * 1024


def default_database_url(instance_path: str) -> str:
    """Return the embedded default: a SpatiaLite file in the instance folder."""
    return f"sqlite:///{Path(instance_path) / 'neighborhood.db'}"
