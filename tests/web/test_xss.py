"""XSS payloads in every text field people or admins write, on every page that shows them, in
Chromium: no script runs (window.__xss stays undefined, no dialog), nothing trips the Content
Security Policy (a `securitypolicyviolation` listener, besides Watch's console errors), and the
payload is on the page as text, so the test proves it was rendered and not dropped.

Fields: report description and address (API, no-JS form, Open311 description/address_string),
the reporter's contact name (never shown anywhere), timeline notes (a staff resolution note, a
neighbour's reopen reason, a reassignment note), plan title, participants, change note,
commitment description and group owner, and the admin-configured names of a category, two
departments, a neighborhood (area) and an officer. There is no flagging feature, so no flag
reasons. `javascript:` goes wherever a URL is taken: the sign-in page's `next`.
"""

import re

import pytest
from sqlalchemy import update

from neighborhood.accounts.models import User
from neighborhood.areas.models import Area
from neighborhood.extensions import db
from neighborhood.reports.models import Category
from tests.accountability.scenario import amendment, plan_body
from tests.fixtures.browser import phone_context, screenshot

PASSWORD = "lamp-post-42-secret"
SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=1">'
ATTR = '"><svg onload=window.__xss=1>'
LITERAL = "${window.__xss=1}"
CLOSE = "</script><script>window.__xss=1</script>"
JS_URL = "javascript:window.__xss=1"

# Every value is a label (to find it) and payloads; none is longer than its field allows.
TEXT = {
    "description": f"Desc {SCRIPT} {LITERAL}",
    "address": f"Addr {ATTR} {JS_URL}",
    "form_description": f"Form {IMG} {CLOSE}",
    "open311_description": f"O311 {CLOSE} {LITERAL}",
    "open311_address": f"O311 addr {IMG}",
    "walk_description": f"Walked {ATTR} {SCRIPT}",
    "resolve_note": f"Fixed {IMG} {LITERAL}",
    "reopen_note": f"Still dark {ATTR} {CLOSE}",
    "reassign_note": f"Handover {SCRIPT} {JS_URL}",
    "category": f"Lamp {LITERAL} {IMG}",
    "pwd": f"Works {ATTR} {LITERAL}",
    "btd": f"Transport {CLOSE}",
    "area": f"Hill {LITERAL} {SCRIPT}",
    "officer": f"Officer {IMG}",
    "title": f"Plan {SCRIPT} {LITERAL}",
    "participant": f"Civic {ATTR}",
    "group": f"Group {IMG} {LITERAL}",
    "commitment": f"Promise {CLOSE}",
    "change_note": f"Amended {IMG} {JS_URL}",
}
CONTACT_NAME = f"ContactSecret {SCRIPT}"  # must never be shown at all

LOADED = "() => !document.getElementById('city-map').hasAttribute('aria-busy')"
# Where each report is: far enough apart (60 m and more) to be single markers at zoom 19.
PLACES = {"main": (42.3550, -71.0656), "moved": (42.3558, -71.0640),
          "form": (42.3542, -71.0670), "open311": (42.3565, -71.0672),
          "walk": (42.3537, -71.0648)}
RECORD = """() => {
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', event => window.__csp.push(
    [event.violatedDirective, event.blockedURI, event.sourceFile, event.lineNumber].join(' ')));
}"""
# Elements a payload would have made, were it parsed as HTML.
INJECTED = """() => [...document.querySelectorAll(
  '[onload], [onerror], a[href^="javascript:" i], body script:not([src]):not([nonce])'
  + ':not([type="application/json"])')].map(e => e.outerHTML.slice(0, 120))"""
# Open a report's popup once the map has loaded the area and the report is on it.
OPEN_POPUP = """([name, id]) => {
  if (document.getElementById('city-map').hasAttribute('aria-busy')) { return false; }
  let found = false;
  window[name].eachLayer(layer => {
    if (!(layer instanceof L.MarkerClusterGroup)) { return; }
    const marker = layer.getLayers().find(m => m.feature.id === id);
    if (marker) { found = true; layer.zoomToShowLayer(marker, () => marker.openPopup()); }
  });
  return found;
}"""
OPEN_TOOLTIP = """([name, label]) => { let shown = false;
  window[name].eachLayer(group => {
    if (!(group instanceof L.GeoJSON)) { return; }
    group.eachLayer(shape => {
      if (!shown && shape.feature.properties.name.startsWith(label)) {
        shape.fire('mouseover', {latlng: shape.getBounds().getCenter()}, true); shown = true;
      }
    });
  });
  return shown; }"""


# --- seeding: a few rows through the services and the API --------------------------------------

@pytest.fixture
def evil_city(app, boston_areas, create_department, create_category):
    """Boston's neighborhoods with Beacon Hill renamed, two departments and a category whose
    names carry payloads (as an admin could type them)."""
    pwd = create_department("PWD", TEXT["pwd"], "publicworks@city.example")
    create_department("BTD", TEXT["btd"], "transportation@city.example")
    create_category(name=TEXT["category"])
    with app.app_context():
        db.session.execute(update(Area).where(Area.kind == "neighborhood", Area.code == "30")
                           .values(name=TEXT["area"]))
        db.session.execute(update(Category).values(default_department_id=pwd))
        db.session.commit()


def _post(client, path, expected=201, **kwargs):
    response = client.open(path, method=kwargs.pop("method", "POST"), **kwargs)
    assert response.status_code == expected, response.get_data(as_text=True)[:500]
    return response


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def seeded(app, client, evil_city, create_account):
    """Five reports, their timelines, a walk and a plan: every payload stored once."""
    from neighborhood.open311.cli import CONSOLE
    from neighborhood.open311.services import create_api_key

    staff = create_account("staff", department="PWD", password=PASSWORD)
    officer = create_account("officer", password=PASSWORD)
    admin = create_account("admin")
    with app.app_context():
        db.session.execute(update(User).where(User.id == officer.id)
                           .values(display_name=TEXT["officer"]))
        _, api_key = create_api_key("CRM", actor=CONSOLE)
        db.session.commit()

    def report(lat, lon, description, **extra):
        body = {"category": "street_light_outage", "description": description,
                "lat": lat, "lon": lon} | extra
        return _post(client, "/api/v1/reports", json=body).json["id"]

    ids = {}
    ids["main"] = report(*PLACES["main"], TEXT["description"], address=TEXT["address"],
                         contact={"name": CONTACT_NAME, "email": "resident@example.org"})
    ids["moved"] = report(*PLACES["moved"], "Moved along " + SCRIPT)
    # The form that works without JavaScript.
    form = client.get("/reports/new").text
    response = _post(client, "/reports/new", 303, data={
        "csrf_token": _csrf(form), "category": "street_light_outage",
        "description": TEXT["form_description"], "lat": PLACES["form"][0],
        "lon": PLACES["form"][1],
        "contact.name": CONTACT_NAME})
    ids["form"] = int(response.headers["Location"].rsplit("/", 1)[1])
    # Open311.
    created = _post(client, "/open311/v2/requests.json", data={
        "api_key": api_key, "service_code": "street_light_outage", "lat": PLACES["open311"][0],
        "long": PLACES["open311"][1], "description": TEXT["open311_description"],
        "address_string": TEXT["open311_address"], "first_name": CONTACT_NAME,
        "media_url": JS_URL}).json
    ids["open311"] = int(created[0]["service_request_id"])
    # A walk, and a report made on it.
    walk = "6f1c2a8e-3b7d-4c55-9a11-2f0e8d7c6b5a"
    _post(client, f"/api/v1/walks/{walk}", 201, method="PUT", headers=officer.headers, json={
        "started_at": "2026-01-05T10:00:00+00:00", "ended_at": "2026-01-05T11:00:00+00:00",
        "track": [{"lat": 42.3550, "lon": -71.0656, "at": 1767607260000},
                  {"lat": 42.3560, "lon": -71.0650, "at": 1767607320000}]})
    ids["walk"] = _post(client, "/api/v1/reports", headers=officer.headers, json={
        "category": "street_light_outage", "description": TEXT["walk_description"],
        "lat": PLACES["walk"][0], "lon": PLACES["walk"][1], "walk_id": walk}).json["id"]
    # Timeline notes: resolved by staff, reopened by a neighbour, another one reassigned.
    steps = f"/api/v1/reports/{ids['main']}/transitions"
    _post(client, steps, headers=staff.headers, json={"to": "resolved",
                                                      "note": TEXT["resolve_note"]})
    _post(client, steps, json={"to": "open", "note": TEXT["reopen_note"]})
    _post(client, f"/api/v1/reports/{ids['moved']}/reassign", headers=staff.headers,
          json={"department": "BTD", "note": TEXT["reassign_note"]})
    # An action plan for the renamed neighborhood, then amended.
    body = plan_body(neighborhood="30", title=TEXT["title"],
                     participants=[TEXT["participant"], TEXT["group"]])
    body["commitments"][0]["description"] = TEXT["commitment"]
    body["commitments"][1]["owner"] = TEXT["group"]
    plan = _post(client, "/api/v1/plans", json=body, headers=admin.headers).json
    _post(client, f"/api/v1/plans/{plan['id']}", 200, method="PUT", headers=admin.headers,
          json=amendment(plan, change_note=TEXT["change_note"], meeting_date="2025-04-01"))
    return {"ids": ids, "walk": walk, "plan": plan["id"], "staff": staff, "officer": officer}


# --- the browser ---------------------------------------------------------------------------------

class Visit:
    """One phone page that records dialogs and CSP violations, and checks every page it opens."""

    def __init__(self, context, watch, base: str):
        context.add_init_script(script=f"({RECORD})()")
        self.page = context.new_page()
        self.watch, self.base, self.dialogs = watch, base, []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.report_loads = []  # the map's requests to the reports API
        self.page.on("request", lambda r: r.url.startswith(f"{base}/api/v1/reports?")
                     and self.report_loads.append(r.url))

    def open(self, path: str, *shown: str, selector: str = "body") -> str:
        self.page.goto(self.base + path)
        return self.check(path, *shown, selector=selector)

    def check(self, where: str, *shown: str, selector: str = "body") -> str:
        page = self.page
        page.wait_for_timeout(250)  # an onerror or onload would have fired by now
        assert page.evaluate("() => window.__xss") is None, where
        assert page.evaluate("() => window.__csp") == [], where
        assert page.evaluate(INJECTED) == [], where
        assert self.dialogs == [], where
        text = page.inner_text(selector)
        for expected in shown:
            assert expected in text, (where, expected)
        assert "ContactSecret" not in page.content(), where
        self.watch.assert_clean()
        return text

    def sign_in(self, email: str) -> None:
        page = self.page
        page.context.clear_cookies()
        page.goto(f"{self.base}/login?next={JS_URL}")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        assert page.url.startswith(self.base + "/"), page.url  # not javascript:
        self.check("after sign-in")

    def wait_for(self, script: str, arg=None, timeout: float = 15.0) -> None:
        """Poll a function in the page (the CSP forbids eval, so no wait_for_function)."""
        for _ in range(int(timeout / 0.1)):
            if self.page.evaluate(script, arg):
                return
            self.page.wait_for_timeout(100)
        raise AssertionError(f"never true: {script}")


def test_payloads_stay_text_on_every_page(app, seeded, live_server, phone, chromium,
                                          playwright):
    ids, plan = seeded["ids"], seeded["plan"]
    live_server.start()
    context, watch = phone
    visit = Visit(context, watch, live_server.url)

    visit.open("/", TEXT["description"], TEXT["address"], TEXT["form_description"],
               TEXT["open311_description"], TEXT["walk_description"], TEXT["category"])
    visit.open(f"/reports/{ids['main']}", TEXT["description"], TEXT["address"],
               TEXT["category"], TEXT["pwd"], TEXT["resolve_note"], TEXT["reopen_note"])
    visit.open(f"/reports/{ids['moved']}", TEXT["reassign_note"], TEXT["btd"])
    visit.open(f"/reports/{ids['open311']}", TEXT["open311_description"],
               TEXT["open311_address"])
    visit.open(f"/reports/{ids['form']}", TEXT["form_description"])
    visit.open("/map?view=list", TEXT["description"], TEXT["open311_description"],
               TEXT["category"])

    # The map: its list and each report's popup, built in the page from the API.
    visit.open("/map")
    visit.wait_for(LOADED)
    name = visit.page.evaluate("() => document.getElementById('city-map').dataset.map")
    popup = visit.page.locator(".leaflet-popup-content")
    for key, text in (("main", TEXT["description"]), ("open311", TEXT["open311_description"]),
                      ("form", TEXT["form_description"]), ("walk", TEXT["walk_description"])):
        visit.page.evaluate("name => window[name].closePopup()", name)
        popup.wait_for(state="detached")
        loads = len(visit.report_loads)
        visit.page.evaluate("([name, lat, lon]) => window[name].setView([lat, lon], 19)",
                            [name, *PLACES[key]])
        for _ in range(200):  # the map reloads the area after a debounce
            if len(visit.report_loads) > loads:
                break
            visit.page.wait_for_timeout(50)
        visit.wait_for(OPEN_POPUP, [name, ids[key]])
        popup.wait_for()
        visit.check(f"/map popup {key}", text, TEXT["category"],
                    selector=".leaflet-popup-content")
        item = visit.page.locator(f'#report-list li[data-id="{ids[key]}"]')
        assert text in item.inner_text(), key
    screenshot(visit.page, "xss-map-popup")

    visit.open("/dashboard?group_by=department", TEXT["pwd"])
    visit.open("/dashboard?group_by=category", TEXT["category"])
    visit.open("/dashboard?group_by=neighborhood", TEXT["area"])
    name = visit.page.evaluate(
        "() => document.querySelector('[data-map]').dataset.map")
    assert visit.page.evaluate(OPEN_TOOLTIP, [name, "Hill"])
    visit.check("/dashboard tooltip", TEXT["area"], selector=".leaflet-tooltip")
    visit.open("/dashboard/reports?neighborhood=30", TEXT["category"])

    visit.open("/plans", TEXT["title"], TEXT["area"])
    visit.open(f"/plans/{plan}", TEXT["title"], TEXT["participant"], TEXT["group"],
               TEXT["commitment"], TEXT["change_note"], TEXT["pwd"], TEXT["area"])
    visit.open(f"/plans/{plan}/versions/1", TEXT["title"], TEXT["commitment"])
    visit.open(f"/plans/{plan}/pack", TEXT["title"], TEXT["participant"], TEXT["group"],
               TEXT["commitment"], TEXT["change_note"], TEXT["area"], TEXT["address"])

    visit.sign_in(seeded["staff"].email)
    visit.open("/staff/queue", TEXT["address"], TEXT["category"], TEXT["pwd"],
               TEXT["open311_address"])
    visit.sign_in(seeded["officer"].email)
    visit.open(f"/walks/{seeded['walk']}", TEXT["officer"], TEXT["category"])
    visit.open("/walks", TEXT["officer"])

    # In Spanish: the same page, the same text.
    spanish, spanish_watch = phone_context(chromium, playwright, locale="es-ES")
    try:
        visit = Visit(spanish, spanish_watch, live_server.url)
        text = visit.open(f"/reports/{ids['main']}", TEXT["description"], TEXT["address"],
                          TEXT["resolve_note"], TEXT["reopen_note"], TEXT["category"])
        assert visit.page.evaluate("() => document.documentElement.lang") == "es"
        assert "Reabierto" in text or "Resuelto" in text, text[:400]
    finally:
        spanish.close()
