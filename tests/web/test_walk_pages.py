"""Officer walk mode: who may walk, past walks, and a whole walk made offline in Chromium."""

import re
import time
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from neighborhood.extensions import db
from neighborhood.reports.models import Report
from neighborhood.walks.models import Walk
from tests.fixtures.browser import BOSTON_COMMON, screenshot

PASSWORD = "correct horse battery staple"


def sign_in(client, email):
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": email,
                                           "password": PASSWORD, "next": "/walk"})
    assert response.status_code == 303


def test_walk_mode_asks_anonymous_visitors_to_sign_in(client, lifecycle_city):
    response = client.get("/walk")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role, status", [("resident", 403), ("staff", 403),
                                          ("moderator", 403), ("officer", 200),
                                          ("admin", 200)])
def test_walk_mode_is_for_officers_and_admins(client, lifecycle_city, create_account, role,
                                              status):
    account = create_account(role, password=PASSWORD,
                             department="PWD" if role == "staff" else None)
    sign_in(client, account.email)
    assert client.get("/walk").status_code == status


def test_past_walks_list_an_officers_own_and_every_walk_for_supervisors(
        client, lifecycle_city, create_account):
    first, second = (create_account("officer", password=PASSWORD) for _ in range(2))
    for officer in (first, second):
        start = datetime(2026, 11, 1, 10, tzinfo=UTC)
        ms = int(start.timestamp() * 1000)
        body = {"started_at": start.isoformat(), "ended_at": "2026-11-01T11:00:00+00:00",
                "track": [{"lat": 42.355, "lon": -71.0656, "at": ms + 60_000},
                          {"lat": 42.356, "lon": -71.0650, "at": ms + 120_000}]}
        put = client.put(f"/api/v1/walks/{uuid.uuid4()}", json=body, headers=officer.headers)
        assert put.status_code == 201, put.json
    sign_in(client, first.email)
    own = client.get("/walks").get_data(as_text=True)
    assert own.count("/walks/") == 1
    client.post("/logout", data={"csrf_token": re.search(
        r'name="csrf_token" value="([^"]+)"', own).group(1)})
    supervisor = create_account("moderator", password=PASSWORD)
    sign_in(client, supervisor.email)
    assert client.get("/walks").get_data(as_text=True).count("/walks/") == 2


STEPS = [(42.3550, -71.0656), (42.3556, -71.0645), (42.3562, -71.0633), (42.3569, -71.0622)]


def test_an_officer_walks_offline_and_everything_arrives_once_back_online(
        app, lifecycle_city, create_account, live_server, chromium, playwright):
    officer = create_account("officer", password=PASSWORD)
    live_server.start()
    from tests.fixtures.browser import Watch, _watch_page, LOCAL_HOSTS  # noqa: F401
    context = chromium.new_context(**playwright.devices["Pixel 7"], geolocation=BOSTON_COMMON,
                                   permissions=["geolocation"])
    watch = Watch()
    context.on("page", lambda page: _watch_page(page, watch))
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/login?next=/walk")
        page.fill("#email", officer.email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit] >> text=Sign in")
        page.wait_for_url(re.compile(r"/walk$"))
        context.set_offline(True)  # no signal for the whole walk
        page.click("#walk-start")
        for lat, lon in STEPS[1:]:
            context.set_geolocation({"latitude": lat, "longitude": lon})
            page.wait_for_timeout(400)
        page.click('.family-button[data-family="lighting"]')
        page.click('.category-button[data-category="street_light_outage"]')
        page.click('.family-button[data-family="lighting"]')
        page.click('.category-button[data-category="street_light_outage"]')
        screenshot(page, "walk-phone")
        page.click("#walk-end")
        page.wait_for_selector("#walk-summary:not([hidden])")
        assert page.locator("#walk-summary-list li").count() == 2
        screenshot(page, "walk-summary-phone")
        with app.app_context():
            assert db.session.scalar(select(Walk)) is None  # nothing has left the phone
        context.set_offline(False)
        page.evaluate("NBOutbox.flush()")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and page.locator("#outbox").is_visible():
            page.wait_for_timeout(200)
        with app.app_context():
            walk = db.session.scalar(select(Walk))
            assert walk.ended_at is not None
            assert len(walk.track) >= 3
            reports = db.session.scalars(select(Report).where(Report.walk_uuid == walk.uuid))
            assert len(list(reports)) == 2
            walk_uuid = walk.uuid
        page.goto(f"{live_server.url}/walks/{walk_uuid}")
        assert "Reports made on this walk" in page.inner_text("main")
        assert page.locator("ol.walk-reports li").count() == 2
        screenshot(page, "walk-saved-phone")
        assert not watch.page_errors and not watch.outside_requests
    finally:
        context.close()
