"""Browser fixtures: one Chromium per session, a phone context per test, a live server."""

import pytest
from playwright.sync_api import sync_playwright

from tests.fixtures.browser import CHROMIUM, CHROMIUM_ARGS, phone_context
from tests.fixtures.live_server import LiveServer


@pytest.fixture(scope="session")
def playwright():
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def chromium(playwright):
    """Debian's Chromium, headless."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def phone(chromium, playwright):
    """A Pixel 7 on Boston Common with geolocation granted: (context, watch)."""
    context, watch = phone_context(chromium, playwright)
    yield context, watch
    context.close()


@pytest.fixture
def live_server(app, database_url):
    """The app in its own process on the test database (start it after seeding)."""
    server = LiveServer(database_url, app.config["UPLOAD_DIR"])
    yield server
    server.stop()
