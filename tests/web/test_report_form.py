"""The report form: without JavaScript (plain posts) and in Chromium on a phone (GPS, photo
resized in the browser, the offline outbox sending each report exactly once)."""

import io
import re
import time

import pytest
from PIL import Image
from sqlalchemy import func, select

from neighborhood.extensions import db
from neighborhood.reports.models import Photo, Report
from tests.fixtures.browser import screenshot


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def form_fields(client, **fields) -> dict:
    html = client.get("/reports/new").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
    return {"csrf_token": csrf_from(html), "idempotency_key": key, **fields}


def report_count(app, description: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Report.id))
                                 .where(Report.description == description))


@pytest.fixture
def known_address(client, lifecycle_city, dummy_report_body):
    """An address the city's records place (an earlier report there)."""
    assert client.post("/api/v1/reports", json=dummy_report_body).status_code == 201
    return dummy_report_body["address"]


# --- without JavaScript -----------------------------------------------------------------


def test_the_form_offers_the_families_and_their_categories(client, lifecycle_city):
    html = client.get("/reports/new").get_data(as_text=True)
    assert 'name="family" value="lighting"' in html
    assert 'value="street_light_outage"' in html
    assert 'name="csrf_token"' in html and 'name="idempotency_key"' in html


def test_a_report_placed_by_address_is_stored_and_opens_its_page(app, client, known_address):
    body = form_fields(client, category="street_light_outage", address=known_address,
                       description="Dark again after the storm.")
    response = client.post("/reports/new", data=body)
    assert response.status_code == 303
    report_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/reports/{report_id}").get_data(as_text=True)
    assert "Dark again after the storm." in page
    assert "Your report was sent" in page
    assert report_count(app, "Dark again after the storm.") == 1


def test_a_form_post_with_a_pin_and_a_photo_is_stored(app, client, lifecycle_city):
    image = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(image, "JPEG")
    body = form_fields(client, category="street_light_outage", lat="42.3550", lon="-71.0656",
                       description="Pole leaning.",
                       photos=(io.BytesIO(image.getvalue()), "pole.jpg"))
    response = client.post("/reports/new", data=body, content_type="multipart/form-data")
    assert response.status_code == 303
    with app.app_context():
        report = db.session.scalar(select(Report).where(Report.description == "Pole leaning."))
        assert db.session.scalar(select(func.count(Photo.id))
                                 .where(Photo.report_id == report.id)) == 1


def test_posting_the_same_form_twice_makes_one_report(app, client, known_address):
    body = form_fields(client, category="street_light_outage", address=known_address,
                       description="Double tap on a slow phone.")
    first = client.post("/reports/new", data=body)
    second = client.post("/reports/new", data=body)
    assert first.headers["Location"] == second.headers["Location"]
    assert report_count(app, "Double tap on a slow phone.") == 1


def test_a_missing_description_is_shown_next_to_the_field_and_nothing_is_stored(
        app, client, known_address):
    body = form_fields(client, category="street_light_outage", address=known_address)
    response = client.post("/reports/new", data=body)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="description-error"' in html
    assert 'aria-invalid="true" aria-describedby="description-error"' in html
    assert 'value="street_light_outage" data-family="lighting" selected' in html  # kept


def test_an_unknown_address_without_a_pin_asks_for_the_place(app, client, lifecycle_city):
    body = form_fields(client, category="street_light_outage", address="1 Nowhere Lane",
                       description="Somewhere.")
    response = client.post("/reports/new", data=body)
    assert response.status_code == 422
    assert "We do not know this address yet" in response.get_data(as_text=True)
    assert report_count(app, "Somewhere.") == 0


def test_a_form_post_without_the_csrf_token_is_refused(app, client, known_address):
    body = form_fields(client, category="street_light_outage", address=known_address,
                       description="Forged elsewhere.")
    del body["csrf_token"]
    response = client.post("/reports/new", data=body)
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert report_count(app, "Forged elsewhere.") == 0


def test_me_too_and_follow_work_as_plain_forms(app, client, known_address, sent_mail):
    with app.app_context():
        report_id = db.session.scalar(select(Report.id))
    html = client.get(f"/reports/{report_id}").get_data(as_text=True)
    token = csrf_from(html)
    supported = client.post(f"/reports/{report_id}/support", data={"csrf_token": token},
                            follow_redirects=True)
    assert "your support was added" in supported.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Report, report_id).support_count == 1
    followed = client.post(f"/reports/{report_id}/follow",
                           data={"csrf_token": token, "email": "neighbour@example.org"},
                           follow_redirects=True)
    assert "Check your email" in followed.get_data(as_text=True)


# --- in Chromium, on a phone ------------------------------------------------------------


def big_photo(tmp_path) -> str:
    path = tmp_path / "street.jpg"
    Image.new("RGB", (3200, 2400), (40, 60, 90)).save(path, "JPEG", quality=95)
    return str(path)


def fill_the_form(page, description: str) -> None:
    page.get_by_text("Street lighting").click()
    page.select_option("#category", "street_light_outage")
    page.click("#locate")
    assert eventually(page, "() => document.getElementById('lat').value !== ''")
    page.fill("#description", description)


def test_a_resident_reports_with_a_photo_resized_on_the_phone(app, lifecycle_city, live_server,
                                                              phone, tmp_path):
    live_server.start()
    context, watch = phone
    page = context.new_page()
    page.goto(live_server.url + "/reports/new")
    fill_the_form(page, "Dark lamp by the pond.")
    page.set_input_files("#photos", big_photo(tmp_path))
    assert eventually(page, "() => document.getElementById('photo-status').textContent !== ''")
    screenshot(page, "report-form-phone")
    page.click("#send")
    page.wait_for_url(re.compile(r"/reports/\d+$"))
    assert "Dark lamp by the pond." in page.inner_text("main")
    assert page.locator(".photos img").count() == 1
    screenshot(page, "report-sent-phone")
    with app.app_context():
        report = db.session.scalar(select(Report)
                                   .where(Report.description == "Dark lamp by the pond."))
        photo = db.session.scalar(select(Photo).where(Photo.report_id == report.id))
        assert max(photo.width, photo.height) == 1600  # resized in the browser (server: 2048)
        assert report.h3_r9 is not None  # placed by the phone's GPS
    watch.assert_clean()


def eventually(page, script: str, timeout: float = 15.0) -> bool:
    """Return True once the async script is true in the page (evaluate: no eval under CSP)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(script):
            return True
        page.wait_for_timeout(200)
    return False


def wait_for_outbox(page, status: str) -> None:
    page.wait_for_selector(f'#outbox-list li[data-status="{status}"]', timeout=30000)


def test_a_report_made_offline_is_sent_once_when_the_phone_is_back_online(
        app, lifecycle_city, live_server, phone):
    live_server.start()
    context, watch = phone
    page = context.new_page()
    page.goto(live_server.url + "/reports/new")
    assert eventually(page, "() => navigator.serviceWorker.controller !== null")
    assert eventually(page, """async () => {
        const files = [...document.scripts].map(s => s.src).filter(Boolean);
        const kept = await Promise.all(files.map(f => caches.match(f)));
        return kept.every(Boolean);
    }""")  # the shell and every file it loads are kept
    online_errors = len(watch.console_errors)
    context.set_offline(True)
    page.reload()  # the app shell comes from the service worker
    fill_the_form(page, "Reported from the dead zone.")
    page.click("#send")
    wait_for_outbox(page, "queued")
    assert "Waiting for a connection" in page.inner_text("#outbox")
    assert report_count(app, "Reported from the dead zone.") == 0
    screenshot(page, "report-queued-offline-phone")
    # Offline, only loads that need the network fail (map tiles, the queued post): no bugs.
    offline_errors = watch.console_errors[online_errors:]
    assert all("net::ERR_INTERNET_DISCONNECTED" in e or "net::ERR_FAILED" in e
               for e in offline_errors), offline_errors
    del watch.console_errors[online_errors:]
    context.set_offline(False)
    wait_for_outbox(page, "sent")
    page.evaluate("NBOutbox.flush()")  # a second flush sends nothing again
    assert report_count(app, "Reported from the dead zone.") == 1
    link = page.locator('#outbox-list li[data-status="sent"] a')
    assert re.fullmatch(r"#\d+", link.inner_text())
    watch.assert_clean()


def test_a_lost_answer_is_retried_with_the_same_key_and_makes_one_report(
        app, lifecycle_city, live_server, chromium, playwright):
    live_server.start()
    from tests.fixtures.browser import BOSTON_COMMON
    context = chromium.new_context(**playwright.devices["Pixel 7"], service_workers="block",
                                   geolocation=BOSTON_COMMON, permissions=["geolocation"])
    answers = []

    def lose_the_first_answer(route):
        response = route.fetch()  # the server stores the report...
        answers.append(response.headers.get("idempotent-replayed"))
        if len(answers) == 1:
            route.abort("connectionreset")  # ...but the phone never hears back
        else:
            route.fulfill(response=response)

    try:
        page = context.new_page()
        page.route("**/api/v1/reports", lose_the_first_answer)
        page.goto(live_server.url + "/reports/new")
        fill_the_form(page, "Signal dropped mid-send.")
        page.click("#send")
        deadline = time.monotonic() + 15
        while not answers and time.monotonic() < deadline:
            page.wait_for_timeout(100)  # the route handler runs on this thread's event loop
        page.wait_for_timeout(300)  # the phone's outbox notes the lost answer
        wait_for_outbox(page, "queued")
        assert report_count(app, "Signal dropped mid-send.") == 1
        page.evaluate("NBOutbox.flush()")
        wait_for_outbox(page, "sent")
        assert answers == [None, "true"]  # the retry was answered from the first report
        assert report_count(app, "Signal dropped mid-send.") == 1
    finally:
        context.close()


def test_me_too_on_a_nearby_report_adds_support_instead_of_a_duplicate(
        app, client, lifecycle_city, dummy_report_body, live_server, phone):
    existing = client.post("/api/v1/reports", json=dummy_report_body).json["id"]
    live_server.start()
    context, watch = phone
    page = context.new_page()
    page.goto(live_server.url + "/reports/new")
    fill_the_form(page, "")
    page.wait_for_selector(f'#nearby-list button[data-id="{existing}"]')
    assert "Is it one of these?" in page.inner_text("#nearby")
    page.click(f'#nearby-list button[data-id="{existing}"]')
    page.wait_for_url(re.compile(rf"/reports/{existing}$"))
    with app.app_context():
        report = db.session.get(Report, existing)
        assert report.support_count == 1
        assert db.session.scalar(select(func.count(Report.id))) == 1  # no duplicate
    watch.assert_clean()
