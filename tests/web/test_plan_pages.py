"""Action plans on the site: the list (/plans), the scorecard (/plans/<id>), a recorded version
(/plans/<id>/versions/<n>) and the printable meeting pack (/plans/<id>/pack).

The pages show the scorecard of GET /api/v1/plans/<id> (same baseline, now, target and
status), the history of versions, the hotspots, the oldest open reports and what changed
since the last meeting. Hand-built plans use the February scenario of the accountability
tests (Dorchester, a meeting on 2025-03-03); the Boston demo's example plan is checked against
the API, on a phone in Chromium, and printed to PDF on A4 and Letter paper.
"""

import html
import io
import re
import unicodedata
from urllib.parse import urlsplit

import pypdf
import pytest

from neighborhood.accounts.permissions import Actor, Role
from neighborhood.extensions import db
from neighborhood.reports.services import Submission, submit_report
from neighborhood.workflow.services import TransitionRequest, transition_report
from tests.accountability.scenario import (DORCHESTER, amendment, build_scenario, local,
                                          plan_body)
from tests.fixtures.browser import LOCAL_HOSTS, Watch, phone_context, screenshot

API = "/api/v1/plans"
WORDS = {"met": "Met", "on_track": "On track", "at_risk": "At risk", "missed": "Missed",
         "no_data": "No data"}
SYMBOLS = {"met": "✓", "on_track": "→", "at_risk": "⚠", "missed": "✗", "no_data": "?"}
XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(2)>"
PACK_HEADINGS = ("Scorecard", "Hotspots and emerging trends", "Oldest open reports",
                 "What changed since the last meeting")
# A4 and US Letter in PostScript points (1/72 in); Chromium rounds to whole CSS pixels.
PAPER = {"A4": (595, 842), "Letter": (612, 792)}


@pytest.fixture
def scenario(app, lifecycle_city, create_category, create_account):
    return build_scenario(app, lifecycle_city, create_category, create_account)


@pytest.fixture
def admin(create_account):
    return create_account("admin")


@pytest.fixture
def adopt(client, scenario, admin):
    """Return a function that adopts a plan through the API and returns its scorecard."""
    def post(**overrides):
        response = client.post(API, json=plan_body(**overrides), headers=admin.headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return post


# --- reading the pages ----------------------------------------------------------------------

def text_of(fragment: str) -> str:
    """Return the text of an HTML fragment, tags removed and whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def commitments_on(page: str) -> dict[int, str]:
    """Return the HTML of each commitment card of a scorecard page, by number."""
    return {int(n): block for n, block in re.findall(
        r'<article class="commitment" id="commitment-(\d+)"(.*?)</article>', page, re.S)}


def figure_in(block: str, cell: str) -> tuple[float | None, str]:
    """Return a figure's exact value (from its <data>) and its text, in the cell of a class."""
    found = re.search(rf'<td class="{cell}">\s*<data value="([^"]*)">([^<]*)</data>', block)
    assert found, (cell, block[:400])
    return (float(found[1]) if found[1] else None), html.unescape(found[2])


def section(page: str, heading_id: str) -> str:
    """Return the HTML of the <section> labelled by a heading id."""
    found = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', page, re.S)
    assert found, heading_id
    return found[0]


def rows_of(page: str, table_id: str) -> list[str]:
    found = re.search(rf'<table[^>]*id="{table_id}".*?</table>', page, re.S)
    assert found, table_id
    return re.findall(r"<tr[ >].*?</tr>", found[0].split("<tbody>")[1], re.S)


# --- the list, the scorecard, the versions --------------------------------------------------

def test_without_plans_the_list_says_so(client):
    response = client.get("/plans")
    assert response.status_code == 200
    page = response.text
    assert 'id="no-plans"' in page and "No action plan has been recorded yet" in page
    assert '<a href="/plans" aria-current="page">Plans</a>' in page  # in the menu


def test_the_scorecard_shows_each_commitment_as_the_api_does(client, adopt):
    plan = adopt()
    listing = client.get("/plans").text
    assert f'<li data-plan="{plan["id"]}">' in listing
    entry = text_of(listing.split(f'data-plan="{plan["id"]}"')[1].split("</li>")[0])
    assert "Dorchester lights" in entry and "Dorchester" in entry
    assert "Last meeting: March 3, 2025" in entry and "2 commitments" in entry
    assert "✗ Missed: 1 · ? No data: 1" in entry  # the API's status counts, in words

    page = client.get(f"/plans/{plan['id']}").text
    cards = commitments_on(page)
    assert sorted(cards) == [c["number"] for c in plan["commitments"]]
    for c in plan["commitments"]:
        card = cards[c["number"]]
        assert f'data-status="{c["status"]}"' in card
        assert f'<span class="symbol" aria-hidden="true">{SYMBOLS[c["status"]]}</span> ' \
               f'{WORDS[c["status"]]}' in card  # a word and a symbol, not colour alone
        assert figure_in(card, "baseline")[0] == c["baseline"]["value"]
        assert figure_in(card, "now")[0] == c["now"]["value"]
        assert figure_in(card, "target")[0] == c["target"]
        # The sparkline: accessible SVG, and its data as a table next to it.
        ident = f"spark-{c['number']}"
        assert f'role="img" aria-labelledby="{ident}-title {ident}-desc"' in card
        assert re.search(rf'<title id="{ident}-title">[^<]+</title>', card)
        points = re.findall(r'<tr><th scope="row">(.*?)</th>.*?<data value="([^"]*)">', card,
                            re.S)
        assert [float(v) if v else None for _, v in points] == \
            [p["value"] for p in c["sparkline"]]
        assert (points[0][0], points[-1][0]) == ("Baseline", "Now")
    lights, backlog = cards[1], cards[2]
    assert figure_in(lights, "baseline")[1] == "1.0 days"
    assert figure_in(lights, "target")[1] == "0.5 days"
    assert "few reports (n = 3): read with care" in lights  # a baseline of 3 reports
    assert figure_in(lights, "now")[1] == "no data"
    assert plan["commitments"][0]["now"]["note"] in html.unescape(lights)
    assert figure_in(backlog, "now")[1] == "4 reports"
    assert "Example Civic Association (community group)" in backlog
    assert "Public Works" in text_of(lights) and "Street lighting" in text_of(lights)
    assert "Every family" in text_of(backlog)
    assert "Fix a dark light within half a day." in lights
    assert "How the status is decided" in page
    history = text_of(section(page, "history-heading"))
    assert "Version 1 · meeting of Mar 3, 2025" in history and "Adopted." in history
    assert f'href="/plans/{plan["id"]}/versions/1"' in page
    assert f'href="/plans/{plan["id"]}/pack"' in page


def test_an_amended_plan_keeps_every_version_readable(client, adopt, admin):
    plan = adopt()
    body = amendment(plan, title="Dorchester lights and backlog", meeting_date="2025-04-01")
    body["commitments"][0]["target"] = 0.75  # the same definition: the baseline is carried
    body["commitments"][1]["family"] = "lighting"  # a new definition: recomputed
    response = client.put(f"{API}/{plan['id']}", json=body, headers=admin.headers)
    assert response.status_code == 200, response.get_json()
    amended = response.get_json()

    page = client.get(f"/plans/{plan['id']}").text
    assert "<h1>Dorchester lights and backlog</h1>" in page
    history = section(page, "history-heading")
    versions = re.findall(r'<li data-version="(\d+)">', history)
    assert versions == ["2", "1"]  # newest first
    assert len(amended["versions"][1]["changes"]) == 5
    for change in ("Title: “Dorchester lights” → “Dorchester lights and backlog”.",
                   "Meeting date: “Mar 3, 2025” → “Apr 1, 2025”.",
                   "Commitment 1, target: “0.5” → “0.75”.",
                   "Commitment 2, family: “none” → “Street lighting”.",
                   "Commitment 2: baseline recomputed (its definition changed)."):
        assert change in text_of(history), change
    client.set_cookie("lang", "es")
    spanish = text_of(section(client.get(f"/plans/{plan['id']}").text, "history-heading"))
    assert "Compromiso 1, meta: «0,5» → «0,75»." in spanish
    assert "Fecha de la reunión: «3 mar 2025» → «1 abr 2025»." in spanish
    client.set_cookie("lang", "en")
    assert "Amended at a follow-up meeting." in history
    assert figure_in(commitments_on(page)[1], "target")[0] == 0.75
    assert "Recomputed when the commitment" in commitments_on(page)[2]

    first = client.get(f"/plans/{plan['id']}/versions/1")
    assert first.status_code == 200
    recorded = client.get(f"{API}/{plan['id']}/versions/1").get_json()
    assert "<h1>Dorchester lights</h1>" in first.text
    assert "Version 1 of 2" in first.text and "A later version replaces it." in first.text
    rows = rows_of(first.text, "recorded")
    for row, c in zip(rows, recorded["commitments"], strict=True):
        assert figure_in(row, "num")[0] == c["baseline"]["value"]
        assert re.findall(r'<data value="([^"]*)">', row)[1] == str(c["target"])
    assert "Adopted." in section(first.text, "changes-heading")
    assert 'rel="next" href="/plans/%d/versions/2"' % plan["id"] in first.text

    second = client.get(f"/plans/{plan['id']}/versions/2").text
    assert "Version 2 of 2" in second and "A later version replaces it." not in second
    assert "Commitment 1, target: “0.5” → “0.75”." in text_of(second)
    assert "Recomputed when the commitment" in rows_of(second, "recorded")[1]
    assert 'rel="prev" href="/plans/%d/versions/1"' % plan["id"] in second


@pytest.mark.parametrize("path", ["/plans/999", "/plans/99999999999", "/plans/999/pack",
                                  "/plans/999/versions/1"])
def test_unknown_plans_are_404_pages(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "text/html" and "<h1>Not Found</h1>" in response.text


def test_an_unknown_version_of_a_known_plan_is_a_404_page(client, adopt):
    plan = adopt()
    for number in (2, 99999999999):
        response = client.get(f"/plans/{plan['id']}/versions/{number}")
        assert response.status_code == 404 and "<h1>Not Found</h1>" in response.text


def test_what_people_wrote_is_escaped_on_every_page(client, adopt, admin):
    plan = adopt(title=f"Lights {XSS_SCRIPT}",
                 participants=[f"Civic {XSS_SCRIPT}", f"Group {XSS_IMG}"])
    body = amendment(plan, change_note=f"Note {XSS_IMG}", meeting_date="2025-04-01")
    body["commitments"][0]["description"] = f"Promise {XSS_SCRIPT}"
    response = client.put(f"{API}/{plan['id']}", json=body, headers=admin.headers)
    assert response.status_code == 200, response.get_json()
    for path in ("/plans", f"/plans/{plan['id']}", f"/plans/{plan['id']}/versions/1",
                 f"/plans/{plan['id']}/versions/2", f"/plans/{plan['id']}/pack"):
        page = client.get(path).text
        assert "<script>alert" not in page and "<img src=x" not in page, path
        assert "Lights &lt;script&gt;alert(1)&lt;/script&gt;" in page, path
    page = client.get(f"/plans/{plan['id']}").text
    assert "Civic &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Note &lt;img src=x onerror=alert(2)&gt;" in page
    assert "Promise &lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- the meeting pack -----------------------------------------------------------------------

def test_the_pack_lists_the_oldest_open_reports_and_what_changed(app, client, scenario, adopt,
                                                                 lifecycle_city, create_account):
    plan = adopt()
    staff = create_account("staff", department="PWD")
    with app.app_context():  # a light reported and fixed after the meeting of Mar 3
        data = {"category": "street_light_outage", "description": "Dark again.",
                "lat": DORCHESTER[0], "lon": DORCHESTER[1]}
        new = submit_report(Submission(data=data), now=local(3, 10)).report.id
        transition_report(new, Actor(staff.id, Role.STAFF, lifecycle_city["PWD"]),
                          TransitionRequest(to="resolved", note="Fixed."), now=local(3, 12))
        db.session.commit()
    response = client.get(f"/plans/{plan['id']}/pack")
    assert response.status_code == 200
    page = response.text
    assert "<h1>Meeting pack: Dorchester</h1>" in page
    for heading in PACK_HEADINGS:
        assert f">{heading}</h2>" in page, heading
    assert 'media="print"' in page and "css/print.css" in page

    scorecard = rows_of(page, "scorecard")
    api = client.get(f"{API}/{plan['id']}").get_json()
    for row, c in zip(scorecard, api["commitments"], strict=True):
        assert f'data-status="{c["status"]}"' in row
        assert figure_in(row, "num baseline")[0] == c["baseline"]["value"]
        assert figure_in(row, "num now")[0] == c["now"]["value"]
        assert figure_in(row, "num target")[0] == c["target"]
        assert '<svg xmlns="http://www.w3.org/2000/svg"' in row

    # Oldest open first; the sensitive r15 (a problem business) is counted, never listed.
    listed = [int(r) for r in re.findall(r'<tr data-report="(\d+)">', page)]
    assert listed == [scenario["r9"], scenario["r4"], scenario["r12"]]
    assert f'href="/reports/{scenario["r9"]}"' in page
    assert "1 more open report is about a problem business" in text_of(page)

    # Too few reports for a hotspot test: the map's reason, not an error.
    hotspots = text_of(section(page, "hotspots-heading"))
    assert hotspots.count("No hotspot map for this family") == 2  # lighting, every family

    changed = section(page, "changes-heading")
    assert "Since the meeting of March 3, 2025" in text_of(changed)
    counts = {re.search(r'data-family="([^"]+)"', row)[1]:
              [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', row)]
              for row in rows_of(page, "since-counts")}
    # opened, closed, of them fixed, open now (lighting: r4 r9; all: r4 r9 r12 r15)
    assert counts == {"lighting": [1, 1, 1, 2], "all": [1, 1, 1, 4]}
    standing = rows_of(page, "since-standing")
    assert [re.findall(r'data-status="([^"]+)"', row) for row in standing] == [
        ["on_track", "no_data"], ["on_track", "missed"]]  # on the meeting day, and now
    assert "Adopted." in text_of(changed)


# --- the Boston demo in Chromium ------------------------------------------------------------

def test_the_demo_plan_matches_the_api_and_is_clean_on_a_phone(client, demo_server, chromium,
                                                                playwright):
    [summary] = client.get(API).get_json()
    plan = client.get(f"{API}/{summary['id']}").get_json()
    assert plan["area"]["name"] == "Dorchester" and len(plan["commitments"]) == 3
    listing = text_of(client.get("/plans").text)
    assert "Dorchester street lights and signs (example plan)" in listing
    assert "Last meeting: March 15, 2015" in listing and "✓ Met: 1 · ✗ Missed: 2" in listing

    page = client.get(f"/plans/{plan['id']}").text
    cards = commitments_on(page)
    for c in plan["commitments"]:
        card = cards[c["number"]]
        assert f'data-status="{c["status"]}"' in card
        assert (figure_in(card, "baseline")[0], figure_in(card, "now")[0],
                figure_in(card, "target")[0]) == (c["baseline"]["value"], c["now"]["value"],
                                                  c["target"])
        assert c["owner"]["name"] in card
    assert [figure_in(cards[n], "now")[1] for n in (1, 2, 3)] == [
        "3.48 days", "90.6%", "277 reports"]
    assert [figure_in(cards[n], "baseline")[1] for n in (1, 2, 3)] == [
        "2.79 days", "80.8%", "34 reports"]
    version = client.get(f"/plans/{plan['id']}/versions/1").text
    assert "Version 1 of 1" in version and "Example Dorchester Civic Association" in version

    # The pack's oldest open reports are those of GET /api/v1/stats for Dorchester now.
    pack = client.get(f"/plans/{plan['id']}/pack").text
    [dorchester] = [row for row in client.get("/api/v1/stats", query_string={
        "group_by": "neighborhood", "oldest": 10}).get_json() if row["neighborhood"] == "6"]
    assert [int(r) for r in re.findall(r'<tr data-report="(\d+)">', pack)] == \
        [o["id"] for o in dorchester["oldest_open"]]

    context, watch = phone_context(chromium, playwright)
    try:
        browser_page = context.new_page()
        browser_page.goto(demo_server.url + "/plans")
        browser_page.get_by_role("link", name=plan["title"]).click()
        browser_page.wait_for_url(f"**/plans/{plan['id']}")
        assert browser_page.locator("article.commitment").count() == 3
        assert browser_page.locator("svg.sparkline title").first.text_content() == \
            "Median days to resolve from the baseline to now"
        fits = browser_page.evaluate(
            "Array.from(document.querySelectorAll('article.commitment, svg.sparkline'))"
            ".every(e => e.getBoundingClientRect().right <= document.documentElement.clientWidth)")
        assert fits
        browser_page.get_by_text("The trend's data as a table").first.click()
        assert browser_page.locator("table.points").first.is_visible()
        screenshot(browser_page, "plan-scorecard-phone")
        watch.assert_clean()
    finally:
        context.close()


def desktop_context(chromium):
    """A desktop-sized context that refuses every request to a host but ours."""
    context = chromium.new_context(locale="en-US", viewport={"width": 1200, "height": 900})
    watch = Watch()

    def route(route):
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            watch.outside_requests.append(url)
            route.abort()

    context.route("**/*", route)
    return context, watch


def pdf_text(data: bytes) -> tuple[str, list]:
    """Return a PDF's text (ligatures unfolded, whitespace collapsed) and its pages."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(unicodedata.normalize("NFKC", text).split()), reader.pages


def test_the_meeting_pack_prints_on_a4_and_letter(client, demo_server, chromium):
    [summary] = client.get(API).get_json()
    plan = client.get(f"{API}/{summary['id']}").get_json()
    context, watch = desktop_context(chromium)
    try:
        page = context.new_page()
        errors = []
        page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
        page.goto(demo_server.url + f"/plans/{plan['id']}/pack")
        for paper, (width, height) in PAPER.items():
            text, pages = pdf_text(page.pdf(format=paper))
            assert 2 <= len(pages) <= 6, (paper, len(pages))
            box = pages[0].mediabox
            assert abs(float(box.width) - width) < 2 and abs(float(box.height) - height) < 2
            assert "Meeting pack: Dorchester" in text, paper
            assert plan["title"] in text
            for heading in PACK_HEADINGS:
                assert heading in text, (paper, heading)
            for c in plan["commitments"]:
                label = f"{c['number']}. {c['label']}"
                assert label in text, (paper, label)
                # The status, as a symbol and a word, right after the target in the table.
                assert re.search(rf"{re.escape(label)} .*? {SYMBOLS[c['status']]} "
                                 rf"{WORDS[c['status']]}", text), (paper, c["status"])
            assert "/plans/%d>" % plan["id"] in text  # the scorecard's address, printed
            assert "Use your browser's Print command" not in text  # screen only
            assert "Skip to the content" not in text and "Sign in" not in text
        assert not errors and not watch.outside_requests
    finally:
        context.close()
