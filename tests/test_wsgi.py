"""The app reads its settings from the environment when created, so wsgi.py needs nothing else."""

import importlib
import sys
from pathlib import Path

import pytest

from neighborhood.config import environment_overrides

ROOT = Path(__file__).parents[1]


def test_wsgi_app_uses_the_database_url_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'wsgi.db'}")
    monkeypatch.syspath_prepend(str(ROOT))
    sys.modules.pop("wsgi", None)
    wsgi = importlib.import_module("wsgi")
    assert wsgi.app.config["SQLALCHEMY_DATABASE_URI"].startswith(f"sqlite:///{tmp_path}")
    assert wsgi.app.test_client().get("/api/openapi.json").status_code == 200


def test_environment_overrides_are_typed_and_skip_empty_values():
    environ = {"PHOTO_MAX_BYTES": "1048576", "CITY_NAME": "Chicago", "SECRET_KEY": "",
               "UNRELATED": "x"}
    assert environment_overrides(environ) == {"PHOTO_MAX_BYTES": 1048576, "CITY_NAME": "Chicago"}


def test_on_off_settings_read_words_and_refuse_anything_else():
    assert environment_overrides({"SESSION_COOKIE_SECURE": "1"}) == {"SESSION_COOKIE_SECURE": True}
    assert environment_overrides({"SESSION_COOKIE_SECURE": "off"}) == {
        "SESSION_COOKIE_SECURE": False}
    with pytest.raises(ValueError):
        environment_overrides({"SESSION_COOKIE_SECURE": "maybe"})
