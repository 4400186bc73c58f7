"""The staff queue (/staff/queue): who may open it, oldest due first, overdue said in words,
every action a plain form post that writes the timeline; and in Chromium, a tablet resolving
a report that a resident then follows to the fix on a phone."""

import io
import re
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from PIL import Image
from sqlalchemy import func, select

from neighborhood.core.db import utcnow
from neighborhood.extensions import db
from neighborhood.reports.models import Photo, Report
from neighborhood.web import staff_pages
from neighborhood.workflow.models import StatusChange
from tests.fixtures.browser import LOCAL_HOSTS, Watch, screenshot
from tests.web.test_accessibility import PAGE_CHECKS

PASSWORD = "lamp-post-42-secret"


# --- helpers ----------------------------------------------------------------------------


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, account) -> None:
    """Sign in through the /login form, as a person would."""
    html = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"csrf_token": csrf_from(html), "email": account.email,
                                           "password": PASSWORD, "next": "/staff/queue"})
    assert response.status_code == 303, response.get_data(as_text=True)


def submit(client, body: dict, **changes) -> int:
    response = client.post("/api/v1/reports", json=body | changes)
    assert response.status_code == 201, response.json
    return response.json["id"]


def jpeg_bytes(size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def item(html: str, report_id: int) -> str:
    """Return the queue entry of one report ('' if it is not listed)."""
    found = re.search(rf'<li class="q-item[^"]*" id="report-{report_id}">(.*?)</li>', html,
                      flags=re.DOTALL)
    return found.group(1) if found else ""


def listed(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<li class="q-item[^"]*" id="report-(\d+)">', html)]


def actions(entry: str) -> set[str]:
    """Return the actions an entry offers, by the form each one posts."""
    found = {to for to in re.findall(r'name="to" value="(\w+)"', entry)}
    names = {"acknowledged": "acknowledge", "in_progress": "start", "resolved": "resolve",
             "closed": "close_duplicate"}
    offered = {names[to] for to in found}
    if "/reassign" in entry:
        offered.add("reassign")
    return offered


def timeline(client, report_id: int) -> str:
    html = client.get(f"/reports/{report_id}").get_data(as_text=True)
    return html[html.index('<ol class="timeline">'):]


def report_row(app, report_id: int) -> Report:
    with app.app_context():
        report = db.session.get(Report, report_id)
        db.session.expunge(report)
        return report


def steps(app, report_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(StatusChange.id))
                                 .where(StatusChange.report_id == report_id))


def set_due(app, report_id: int, due_in_days: float | None) -> None:
    with app.app_context():
        report = db.session.get(Report, report_id)
        report.due_at = None if due_in_days is None else utcnow() + timedelta(days=due_in_days)
        db.session.commit()


class Desk:
    """A signed-in browser session (test client) posting the queue's forms."""

    def __init__(self, client):
        self.client = client

    def queue(self, **args):
        return self.client.get("/staff/queue", query_string=args)

    def post(self, path: str, **fields):
        token = csrf_from(self.queue().get_data(as_text=True))
        return self.client.post(path, data={"csrf_token": token, "next": "/staff/queue",
                                            **fields})

    def move(self, report_id: int, **fields):
        return self.post(f"/staff/reports/{report_id}/transition", **fields)

    def flashed(self, response) -> str:
        """Follow the redirect back to the queue and return the flashed notice."""
        assert response.status_code == 303
        assert urlsplit(response.headers["Location"]).path == "/staff/queue"
        html = self.client.get(response.headers["Location"]).get_data(as_text=True)
        notices = re.findall(r'<p class="notice (\w+)"[^>]*>(.*?)</p>', html, flags=re.DOTALL)
        assert len(notices) == 1, notices
        kind, text = notices[0]
        return f"{kind}: {text.strip()}"


@pytest.fixture
def people(app, lifecycle_city, create_account):
    """Return desk(who): a client signed in as that role through /login (anonymous: not)."""
    roles = {"resident": ("resident", None), "officer": ("officer", None),
             "staff_pwd": ("staff", "PWD"), "staff_btd": ("staff", "BTD"),
             "moderator": ("moderator", None), "admin": ("admin", None)}

    def desk(who: str) -> Desk:
        client = app.test_client()
        if who != "anonymous":
            role, department = roles[who]
            sign_in(client, create_account(role, department=department, password=PASSWORD))
        return Desk(client)

    return desk


@pytest.fixture
def pwd_report(client, lifecycle_city, dummy_report_body):
    """An open street-light report routed to Public Works (PWD)."""
    return submit(client, dummy_report_body)


# --- who may open the queue -------------------------------------------------------------

ACCESS = [
    # (who, status code, sees the PWD report, actions offered on it)
    pytest.param("anonymous", 303, False, None, id="anonymous: sent to sign in"),
    pytest.param("resident", 403, False, None, id="resident: forbidden"),
    pytest.param("officer", 403, False, None, id="officer: forbidden (no queue)"),
    pytest.param("staff_pwd", 200, True,
                 {"acknowledge", "start", "resolve", "close_duplicate", "reassign"},
                 id="staff of the department: every action"),
    pytest.param("staff_btd", 200, False, None, id="staff of another department: not listed"),
    pytest.param("moderator", 200, True, {"close_duplicate", "reassign"},
                 id="moderator: every department, close and reassign only"),
    pytest.param("admin", 200, True,
                 {"acknowledge", "start", "resolve", "close_duplicate", "reassign"},
                 id="admin: every department, every action"),
]


@pytest.mark.parametrize("who, status, sees, offered", ACCESS)
def test_who_may_open_the_queue(people, pwd_report, who, status, sees, offered):
    response = people(who).queue()

    assert response.status_code == status
    if status == 303:
        assert response.headers["Location"].startswith("/login?next=")
        assert "staff/queue" in response.headers["Location"]
        return
    html = response.get_data(as_text=True)
    if status == 403:
        assert "Forbidden" in html and f'id="report-{pwd_report}"' not in html
        return
    assert bool(item(html, pwd_report)) is sees
    if sees:
        assert actions(item(html, pwd_report)) == offered


def test_staff_cannot_open_another_departments_queue(people, pwd_report):
    assert people("staff_btd").queue(department="PWD").status_code == 403


def test_moderators_choose_a_department(people, lifecycle_city, pwd_report):
    desk = people("moderator")

    everything = desk.queue().get_data(as_text=True)
    transportation = desk.queue(department="BTD").get_data(as_text=True)
    public_works = desk.queue(department="PWD").get_data(as_text=True)

    assert 'id="q-department"' in everything and "all departments" in everything
    assert pwd_report in listed(everything) and pwd_report in listed(public_works)
    assert listed(transportation) == [] and "Work queue: Transportation" in transportation
    assert desk.queue(department="NOPE").status_code == 404


def test_staff_have_no_department_choice(people, pwd_report):
    html = people("staff_pwd").queue().get_data(as_text=True)

    assert "Work queue: Public Works" in html and 'id="q-department"' not in html


# --- order, overdue, filters, pages -----------------------------------------------------


@pytest.fixture
def four_reports(app, client, lifecycle_city, dummy_report_body):
    """Four PWD reports due in 5 days, 2 days ago (overdue), 1 day, and never; by name."""
    due = {"later": 5, "late": -2, "soon": 1, "never": None}
    ids = {}
    for name, days in due.items():
        ids[name] = submit(client, dummy_report_body, description=f"Lamp {name}.")
        set_due(app, ids[name], days)
    return ids


def test_the_queue_lists_the_oldest_due_first_and_undated_last(people, four_reports):
    html = people("staff_pwd").queue().get_data(as_text=True)

    assert listed(html) == [four_reports[n] for n in ("late", "soon", "later", "never")]
    assert "4 reports" in html


def test_overdue_reports_are_marked_in_words_and_with_an_icon(people, four_reports):
    html = people("staff_pwd").queue().get_data(as_text=True)

    late = item(html, four_reports["late"])
    assert "is-overdue" in html[html.index(f'id="report-{four_reports["late"]}"') - 40:]
    assert re.search(r'<span aria-hidden="true">⚠</span>\s*Overdue', late)
    for name in ("soon", "later", "never"):
        assert "Overdue" not in item(html, four_reports[name])
    assert "1 overdue" in html
    assert "no due date" in item(html, four_reports["never"])


def test_overdue_only_and_status_filters(people, four_reports):
    desk = people("staff_pwd")
    desk.move(four_reports["soon"], to="acknowledged")

    overdue = desk.queue(overdue="1").get_data(as_text=True)
    acknowledged = desk.queue(status="acknowledged").get_data(as_text=True)

    assert listed(overdue) == [four_reports["late"]] and "1 report" in overdue
    assert listed(acknowledged) == [four_reports["soon"]]
    assert 'value="acknowledged" selected' in acknowledged
    assert "checked" in overdue[overdue.index('id="q-overdue"'):][:80]


def test_the_queue_is_paged(people, four_reports, monkeypatch):
    monkeypatch.setattr(staff_pages, "PER_PAGE", 2)
    desk = people("staff_pwd")

    first = desk.queue().get_data(as_text=True)
    second = desk.queue(page="2").get_data(as_text=True)

    assert listed(first) == [four_reports["late"], four_reports["soon"]]
    assert listed(second) == [four_reports["later"], four_reports["never"]]
    assert "Page 1 of 2" in first and 'href="/staff/queue?page=2"' in first
    assert "Page 2 of 2" in second and "4 reports" in second
    for odd in ("x", "0", "²", "9" * 40):
        assert desk.queue(page=odd).status_code == 200
    assert listed(desk.queue(page="x").get_data(as_text=True)) == listed(first)


# --- the actions, as forms --------------------------------------------------------------


def test_acknowledge_then_start_write_the_timeline(app, client, people, pwd_report):
    desk = people("staff_pwd")

    acknowledged = desk.flashed(desk.move(pwd_report, to="acknowledged"))
    entry = item(desk.queue().get_data(as_text=True), pwd_report)
    started = desk.flashed(desk.move(pwd_report, to="in_progress"))

    assert acknowledged == f"ok: Report #{pwd_report} is now: Acknowledged."
    assert "acknowledge" not in actions(entry) and "start" in actions(entry)
    assert started == f"ok: Report #{pwd_report} is now: In progress."
    steps_html = timeline(client, pwd_report)
    assert steps_html.index("Reported") < steps_html.index("Acknowledged") \
        < steps_html.index("In progress")
    assert report_row(app, pwd_report).status == "in_progress"


def test_resolve_with_a_note_and_a_photo(app, client, people, pwd_report):
    desk = people("staff_pwd")
    token = csrf_from(desk.queue().get_data(as_text=True))

    response = desk.client.post(
        f"/staff/reports/{pwd_report}/transition",
        data={"csrf_token": token, "next": "/staff/queue", "to": "resolved",
              "note": "Lamp head replaced.", "photo": (io.BytesIO(jpeg_bytes()), "fix.jpg")},
        content_type="multipart/form-data")

    assert desk.flashed(response) == f"ok: Report #{pwd_report} is now: Resolved."
    steps_html = timeline(client, pwd_report)
    assert steps_html.index("Reported") < steps_html.index("Resolved") \
        < steps_html.index("Lamp head replaced.") < steps_html.index('alt="Photo of the fix"')
    with app.app_context():
        photo = db.session.scalar(select(Photo).where(Photo.report_id == pwd_report))
        assert photo.kind == "resolution" and (photo.width, photo.height) == (64, 48)
    assert pwd_report not in listed(desk.queue().get_data(as_text=True))  # done: off the queue


def test_close_as_duplicate_links_the_original(app, client, people, pwd_report,
                                               dummy_report_body):
    copy = submit(client, dummy_report_body, description="Same lamp, still dark.")
    desk = people("staff_pwd")

    done = desk.flashed(desk.move(copy, to="closed", reason="duplicate",
                                  duplicate_of=f"#{pwd_report}"))

    assert done == f"ok: Report #{copy} is now: Closed."
    row = report_row(app, copy)
    assert (row.status, row.close_reason, row.duplicate_of_id) == ("closed", "duplicate",
                                                                   pwd_report)
    steps_html = timeline(client, copy)
    assert "Closed" in steps_html and "(duplicate)" in steps_html
    assert f"Same problem as report #{pwd_report}." in steps_html
    assert f'href="/reports/{pwd_report}"' in steps_html


def test_reassign_sends_the_report_to_another_department(app, client, people, pwd_report):
    desk = people("staff_pwd")
    entry = item(desk.queue().get_data(as_text=True), pwd_report)
    assert '<option value="BTD">Transportation</option>' in entry
    assert '<option value="PWD">' not in entry  # not to where it already is

    done = desk.flashed(desk.post(f"/staff/reports/{pwd_report}/reassign", department="BTD",
                                  note="Pole is on a traffic signal."))

    assert done == f"ok: Report #{pwd_report} was sent to Transportation."
    assert "Sent to Transportation" in timeline(client, pwd_report)
    assert pwd_report not in listed(desk.queue().get_data(as_text=True))
    assert pwd_report in listed(people("staff_btd").queue().get_data(as_text=True))


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(app, people, pwd_report):
    desk = people("staff_pwd")
    before = steps(app, pwd_report)

    moved = desk.client.post(f"/staff/reports/{pwd_report}/transition",
                             data={"to": "acknowledged"})
    sent = desk.client.post(f"/staff/reports/{pwd_report}/reassign", data={"department": "BTD"})

    assert moved.status_code == 400 and sent.status_code == 400
    row = report_row(app, pwd_report)
    assert (row.status, row.department.code) == ("open", "PWD")
    assert steps(app, pwd_report) == before


REFUSED = [
    pytest.param("staff_btd", {"to": "acknowledged"}, "You may not move this report",
                 id="staff of another department"),
    pytest.param("staff_pwd", {"to": "resolved", "note": "  "}, "needs a note",
                 id="resolve without a note"),
    pytest.param("staff_pwd", {"to": "closed", "reason": "duplicate", "duplicate_of": "abc"},
                 "original report&#39;s number", id="duplicate of something not a number"),
    pytest.param("staff_pwd", {"to": "closed", "reason": "duplicate", "duplicate_of": "²"},
                 "original report&#39;s number", id="duplicate of a superscript digit"),
    pytest.param("staff_pwd", {"to": "closed", "reason": "duplicate", "duplicate_of": "999999"},
                 "No other public report 999999", id="duplicate of an unknown report"),
    pytest.param("moderator", {"to": "in_progress"}, "You may not move this report",
                 id="moderator starting work"),
    pytest.param("staff_pwd", {"to": "pending_review", "note": "x"},
                 "You may not move this report", id="staff hiding a report"),
]


@pytest.mark.parametrize("who, fields, reason", REFUSED)
def test_a_refused_move_flashes_the_reason_and_changes_nothing(app, people, pwd_report, who,
                                                               fields, reason):
    desk = people(who)
    before = steps(app, pwd_report)

    notice = desk.flashed(desk.move(pwd_report, **fields))

    assert notice.startswith("error: Not done:") and reason in notice, notice
    assert report_row(app, pwd_report).status == "open"
    assert steps(app, pwd_report) == before


def test_a_stale_button_is_refused_with_the_reason(app, people, pwd_report):
    desk = people("staff_pwd")
    desk.move(pwd_report, to="acknowledged")

    notice = desk.flashed(desk.move(pwd_report, to="acknowledged"))  # a second, older tab

    assert "cannot move to &#39;Acknowledged&#39;" in notice
    assert report_row(app, pwd_report).status == "acknowledged"


def test_reassign_refusals_are_flashed(app, people, pwd_report):
    desk = people("staff_pwd")

    same = desk.flashed(desk.post(f"/staff/reports/{pwd_report}/reassign", department="PWD"))
    unknown = desk.flashed(desk.post(f"/staff/reports/{pwd_report}/reassign",
                                     department="NOPE"))
    other = people("staff_btd")
    theirs = other.flashed(other.post(f"/staff/reports/{pwd_report}/reassign",
                                      department="BTD"))

    assert "already with Public Works" in same
    assert "No department" in unknown
    assert "Only staff of the routed department" in theirs
    assert report_row(app, pwd_report).department_id is not None
    assert report_row(app, pwd_report).status == "open"


def test_an_anonymous_post_is_sent_to_sign_in(app, people, pwd_report):
    desk = people("anonymous")
    token = csrf_from(desk.client.get("/login").get_data(as_text=True))

    response = desk.client.post(f"/staff/reports/{pwd_report}/transition",
                                data={"csrf_token": token, "to": "acknowledged",
                                      "next": "/staff/queue?status=open"})

    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=")
    assert report_row(app, pwd_report).status == "open"


def test_the_back_link_never_leaves_the_site(people, pwd_report):
    desk = people("staff_pwd")

    response = desk.post(f"/staff/reports/{pwd_report}/transition", to="acknowledged",
                         next="https://evil.example/")

    assert response.headers["Location"] == "/staff/queue"


# --- in Chromium: a tablet at the desk, a phone in the street ---------------------------


def tablet_context(browser, playwright):
    """Return a Galaxy Tab S4 (upright) context that records like the phone's, and its Watch."""
    context = browser.new_context(**playwright.devices["Galaxy Tab S4"], locale="en-US")
    watch = Watch()

    def route(route):
        if route.request.url.startswith(("data:", "blob:")) \
                or urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            watch.outside_requests.append(route.request.url)
            route.abort()

    def watch_page(page):
        page.on("console", lambda msg: msg.type == "error"
                and watch.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))

    context.route("**/*", route)
    context.on("page", watch_page)
    return context, watch


def wait_until_kept(page, timeout: float = 15.0) -> None:
    """Wait until the service worker has installed (kept the app shell), so the test's steps
    do not race its first requests."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate("() => navigator.serviceWorker.ready"
                         ".then(() => caches.match('/reports/new')).then(Boolean)"):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the service worker did not install")


def test_staff_resolve_on_a_tablet_and_a_resident_sees_the_timeline(
        app, client, lifecycle_city, create_account, dummy_report_body, live_server, chromium,
        playwright, phone, tmp_path):
    staff = create_account("staff", department="PWD", password=PASSWORD)
    report_id = submit(client, dummy_report_body)
    late = submit(client, dummy_report_body, description="Flickering all night.")
    set_due(app, late, -3)
    submit(client, dummy_report_body, description="Lamp out by the bandstand.")
    fix_photo = tmp_path / "fix.jpg"
    fix_photo.write_bytes(jpeg_bytes((320, 240)))
    live_server.start()

    tablet, desk_watch = tablet_context(chromium, playwright)
    try:
        page = tablet.new_page()
        page.goto(live_server.url + "/staff/queue")
        assert urlsplit(page.url).path == "/login"
        wait_until_kept(page)
        page.fill("#email", staff.email)
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        assert urlsplit(page.url).path == "/staff/queue", live_server.output()
        wait_until_kept(page)
        assert page.locator(".q-head").is_visible()  # the table-like layout on a tablet
        assert page.locator(f"#report-{late}").inner_text().count("Overdue") == 1
        entry = page.locator(f"#report-{report_id}")
        entry.locator("summary", has_text="Resolve").click()
        entry.get_by_label("What was done").fill("Lamp head replaced; tested at dusk.")
        entry.get_by_label("Photo of the fix").set_input_files(str(fix_photo))
        for control in ("summary", "button", "a"):  # touch targets
            for box in [e.bounding_box() for e in entry.locator(control).all()]:
                assert box["height"] >= 44, control
        found = page.evaluate(PAGE_CHECKS)
        assert (found["h1"], found["unnamed"], found["emptyButtons"]) == (1, [], 0)
        screenshot(page, "staff-queue-tablet")
        with page.expect_navigation():
            entry.get_by_role("button", name="Mark resolved").click()
        assert urlsplit(page.url).path == "/staff/queue", live_server.output()
        assert f"Report #{report_id} is now: Resolved." in page.inner_text(".notice.ok")
        assert page.locator(f"#report-{report_id}").count() == 0
        desk_watch.assert_clean()
    finally:
        tablet.close()

    context, watch = phone
    street = context.new_page()
    street.goto(f"{live_server.url}/reports/{report_id}")
    steps_text = street.inner_text(".timeline")
    assert steps_text.index("Reported") < steps_text.index("Resolved") \
        < steps_text.index("Lamp head replaced; tested at dusk.")
    fix = street.get_by_alt_text("Photo of the fix")
    fix.scroll_into_view_if_needed()
    assert street.wait_for_function(
        "img => img.complete && img.naturalWidth === 320", arg=fix.element_handle())
    watch.assert_clean()
