"""The moderation page and the flag form, without JavaScript, and at phone size in Chromium."""

import re
from urllib.parse import urlsplit

import pytest

from tests.fixtures.browser import Watch, phone_context, screenshot
from tests.web.test_accessibility import PAGE_CHECKS
from tests.web.test_staff_queue import PASSWORD, csrf_from, sign_in, submit

PAYLOAD = '<img src=x onerror="window.__xss=1"> Rude words'


def flag_from_a_new_browser(app, report_id: int, reason: str = "offensive"):
    browser = app.test_client()  # a new session: a new device id
    html = browser.get(f"/reports/{report_id}").get_data(as_text=True)
    assert "Report this content" in html
    return browser.post(f"/reports/{report_id}/flag",
                        data={"csrf_token": csrf_from(html), "reason": reason,
                              "note": "Names a neighbour."})


@pytest.fixture
def moderator_desk(app, lifecycle_city, create_account):
    desk = app.test_client()
    sign_in(desk, create_account("moderator", password=PASSWORD))
    return desk


def notices(html: str) -> list[str]:
    return [t.strip() for t in re.findall(r'<p class="notice \w+"[^>]*>(.*?)</p>', html,
                                          flags=re.DOTALL)]


def test_neighbours_flag_a_report_until_it_is_hidden_then_a_moderator_publishes_it(
        app, client, lifecycle_city, dummy_report_body, moderator_desk):
    report_id = submit(client, dummy_report_body, description=PAYLOAD)
    first = flag_from_a_new_browser(app, report_id)
    assert urlsplit(first.headers["Location"]).path == f"/reports/{report_id}"
    flag_from_a_new_browser(app, report_id, "personal_information")
    third = flag_from_a_new_browser(app, report_id, "spam")
    assert urlsplit(third.headers["Location"]).path == "/"  # its page is gone
    assert client.get(f"/reports/{report_id}").status_code == 404

    page = moderator_desk.get("/moderation").get_data(as_text=True)
    entry = page[page.index(f'data-report="{report_id}"'):]
    assert "&lt;img src=x onerror=" in entry and "<img src=x" not in page  # escaped
    assert "3 flags" in entry and "Names a neighbour." in entry
    assert 'value="publish"' in entry
    answer = moderator_desk.post(f"/moderation/reports/{report_id}",
                                 data={"csrf_token": csrf_from(page), "decision": "publish"},
                                 follow_redirects=True).get_data(as_text=True)
    assert f"Report #{report_id} is public." in notices(answer)
    assert "Nothing waits for a moderator." in answer
    assert client.get(f"/reports/{report_id}").status_code == 200


def test_the_ban_list_is_kept_from_the_page(moderator_desk, client, dummy_report_body):
    page = moderator_desk.get("/moderation").get_data(as_text=True)
    assert "Nobody is banned." in page
    added = moderator_desk.post("/moderation/bans", follow_redirects=True, data={
        "csrf_token": csrf_from(page), "pattern": "Spam.Example", "note": "Fake reports"}
                                ).get_data(as_text=True)
    assert "@spam.example is banned." in notices(added)
    assert client.post("/api/v1/reports", json=dummy_report_body | {
        "contact": {"email": "a@spam.example"}}).status_code == 403
    bad = moderator_desk.post("/moderation/bans", follow_redirects=True, data={
        "csrf_token": csrf_from(added), "pattern": "nodot"}).get_data(as_text=True)
    assert any(n.startswith("Not done:") for n in notices(bad))
    ban_id = re.search(r'action="/moderation/bans/(\d+)/delete"', bad).group(1)
    removed = moderator_desk.post(f"/moderation/bans/{ban_id}/delete", follow_redirects=True,
                                  data={"csrf_token": csrf_from(bad)}).get_data(as_text=True)
    assert "Taken off the ban list." in notices(removed) and "Nobody is banned." in removed


@pytest.mark.parametrize("role, status", [("anonymous", 303), ("resident", 403),
                                          ("staff", 403), ("officer", 403)])
def test_only_moderators_open_the_page(app, lifecycle_city, create_account, role, status):
    browser = app.test_client()
    if role != "anonymous":
        sign_in(browser, create_account(role, department="PWD" if role == "staff" else None,
                                        password=PASSWORD))
    assert browser.get("/moderation").status_code == status
    assert "Moderation" not in browser.get("/").get_data(as_text=True).split("<main")[0]


def test_the_moderation_page_on_a_phone(app, client, lifecycle_city, create_account,
                                        dummy_report_body, live_server, chromium, playwright):
    moderator = create_account("moderator", password=PASSWORD)
    report_id = submit(client, dummy_report_body, description=PAYLOAD)
    for _ in range(3):
        flag_from_a_new_browser(app, report_id)
    live_server.start()
    context, watch = phone_context(chromium, playwright)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/login?next=/moderation")
        page.fill("#email", moderator.email)
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        assert urlsplit(page.url).path == "/moderation", live_server.output()
        assert page.get_by_text("Rude words").count() == 1
        assert page.evaluate("window.__xss") is None
        found = page.evaluate(PAGE_CHECKS)
        assert found["h1"] == 1 and found["unnamed"] == [] and found["emptyButtons"] == 0
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, "moderation")
        with page.expect_navigation():
            page.get_by_role("button", name="Remove for good").click()
        assert page.get_by_text(f"Report #{report_id} is removed").count() == 1
        watch.assert_clean()
    finally:
        context.close()
