"""Privacy sweep: canary contacts planted on every kind of report never leave the database.

Reports of every category family (problem businesses are sensitive) in every status carry
unique canary contacts (email, name, phone); so do a follower, a "me too" device, the staff,
moderator, officer, admin and resident accounts, an Open311 submission and an officer's walk.
Then every GET rule of the URL map is requested, its path parameters filled from the planted
data, anonymously, in Spanish and as a signed-in resident, in every format, and no body or
header may carry a canary (plain, case-insensitive, URL-encoded, HTML- or JSON-escaped).
The rules are read from app.url_map: a new GET route fails the coverage check until it is
crawled (a parameter provider below) or excluded here with a reason.
"""

import html
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote_plus, urlsplit

import pytest
from sqlalchemy import select

from neighborhood.extensions import db
from neighborhood.reports.models import Category, Photo
from tests.accountability.scenario import plan_body

REPORTS = "/api/v1/reports"
PASSWORD = "canary-resident-passphrase"
TAG = uuid.uuid4().hex[:12]  # in every canary: hex survives any escaping of the text
HIDDEN = f"hiddenmark{uuid.uuid4().hex[:10]}"  # in the descriptions of never-public reports
STATUSES = ("pending_review", "open", "acknowledged", "in_progress", "resolved", "closed",
            "reopened")
# (category code, name, family, sensitive)
CATEGORIES = (("street_light_outage", "Street light outage", "lighting", False),
              ("park_maintenance", "Park maintenance", "parks", False),
              ("sign_repair", "Damaged sign", "signs", False),
              ("unsanitary_food", "Unsanitary food handling", "problem_business", True))
BOSTON_BBOX = "-71.2,42.2,-70.9,42.45"

# GET rules that are not crawled, and why.
EXCLUDED = {
    "static": "the app's own CSS, JS and images: files in the repository, no data",
    "maps.asset": "vendored Leaflet/jQuery files (map_assets/), no data",
}
# GET rules that refuse anonymous visitors and residents (401/403, or a redirect to /login).
# They are still requested, and their refusals are checked for canaries; the test fails if
# one of them starts answering a visitor (then it must be crawled as public).
STAFF_ONLY = {
    "web.staff_queue": "staff queue: staff and admins",
    "workflow_api.queue": "staff queue API",
    "web.walk": "officer walk mode",
    "web.walks": "an officer's own walks",
    "web.walk_summary": "an officer's walk summary",
    "walks_api.walks": "walks API: officers (own), moderators, admins",
    "walks_api.walk": "one walk: its officer, moderators, admins",
    "open311_keys_api.keys": "Open311 api keys: admins",
    "web.moderation": "moderation queue and ban list: moderators, admins",
    "moderation_api.queue": "moderation queue API: moderators, admins",
    "moderation_api.bans": "ban list API: moderators, admins",
}
# GET rules that need a credential of the caller's own (a signed-in account or an emailed
# token): anonymous callers get 401/400/404; what the holder sees is checked against the
# canaries of everyone else.
OWN_DATA = {
    "auth_api.me": "the signed-in account itself",
    "web.confirm_follow": "the follow confirmation link from the follower's email",
    "web.unsubscribe": "the unsubscribe link from the follower's email",
}


@dataclass
class Person:
    """Someone whose contact must stay private: the strings that identify them."""

    label: str
    email: str
    name: str | None = None
    phone: str | None = None

    @property
    def needles(self) -> list[str]:
        found = [self.email]
        if self.name:
            found.append(self.name)
        if self.phone:
            found += [self.phone, re.sub(r"\D", "", self.phone)]
        return [n.lower() for n in found]


@dataclass
class Planted:
    """What was stored, for filling in URLs and for the assertions."""

    people: list[Person] = field(default_factory=list)
    public_ids: list[int] = field(default_factory=list)
    hidden_ids: list[int] = field(default_factory=list)
    sensitive_ids: list[int] = field(default_factory=list)
    status_of: dict[int, str] = field(default_factory=dict)
    open311_tokens: list[str] = field(default_factory=list)
    plan_ids: list[int] = field(default_factory=list)
    walk_uuids: list[str] = field(default_factory=list)
    photo_keys: list[str] = field(default_factory=list)
    follow_links: dict[str, list[str]] = field(default_factory=dict)  # email -> links
    resident: object = None
    devices: list[str] = field(default_factory=list)

    def person(self, label: str, *, name: bool = True, phone: bool = True) -> Person:
        n = len(self.people) + 1
        person = Person(label, f"canary-{TAG}-{n}@example.org",
                        f"Canary Zebulon {TAG} {n}" if name else None,
                        f"+1 617 555 {9000 + n}" if phone else None)
        self.people.append(person)
        return person

    @property
    def all_ids(self) -> list[int]:
        return sorted(self.public_ids + self.hidden_ids)


def _ok(response, *codes):
    assert response.status_code in (codes or (200, 201, 202)), (
        response.status_code, response.get_data(as_text=True)[:500])
    return response


def _links(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


def _mail_text(message) -> str:
    parts = [f"{name}: {value}" for name, value in message.items()]
    body = message.get_body(("plain", "html"))
    parts.append(body.get_content() if body is not None else str(message.get_payload()))
    return "\n".join(parts)


def plant(app, client, lifecycle_city, create_category, create_account, sent_mail) -> Planted:
    """Store the canaries: accounts, reports in every family and status, follows, supports,
    an Open311 submission, a walk, a plan."""
    planted = Planted()
    for code, name, family, sensitive in CATEGORIES[1:]:
        create_category(code, name, family, 5, sensitive=sensitive)
    with app.app_context():
        for category in db.session.scalars(select(Category)):
            category.default_department_id = lifecycle_city["PWD"]
        db.session.commit()

    def account(role, department=None, password=None):
        person = planted.person(f"{role} account", name=False, phone=False)
        return create_account(role, department=department, password=password,
                              email=person.email)

    staff = account("staff", "PWD")
    moderator = account("moderator")
    officer = account("officer")
    admin = account("admin")
    resident = account("resident", password=PASSWORD)
    planted.resident = resident

    walk_uuid = str(uuid.uuid4())
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    start_ms = int(started.timestamp() * 1000)
    track = [{"lon": -71.0656 + i * 0.0013, "lat": 42.3550 + i * 0.001,
              "at": start_ms + i * 60_000} for i in range(5)]
    with client.put(f"/api/v1/walks/{walk_uuid}", json={
            "started_at": started.isoformat(), "track": track}, headers=officer.headers) as r:
        _ok(r)
    planted.walk_uuids.append(walk_uuid)

    def submit(code, family, status, number, *, headers=None, walk=False):
        reporter = planted.person(f"reporter of {code} {status}")
        hidden = status == "pending_review"
        description = f"Planted {family} report, {status.replace('_', ' ')}."
        if hidden:
            description += f" {HIDDEN}"
        body = {"category": code, "description": description,
                # Each family's reports a few metres apart, so they form incident groups.
                "lat": 42.3500 + (number // 7) * 0.002 + (number % 7) * 0.0002,
                "lon": -71.0700 + (number % 7) * 0.0001,
                "address": f"{100 + number} Tremont St",
                "contact": {"email": reporter.email, "name": reporter.name,
                            "phone": reporter.phone}}
        if walk:
            body["walk_id"] = walk_uuid
        with client.post(REPORTS, json=body, headers=headers or {}) as response:
            return _ok(response, 201).json["id"]

    def move(report_id, who, to, **extra):
        with client.post(f"{REPORTS}/{report_id}/transitions", json={"to": to, **extra},
                         headers=who.headers) as response:
            _ok(response, 201)

    def follow(report_id):
        follower = planted.person(f"follower of {report_id}", name=False, phone=False)
        with client.post(f"{REPORTS}/{report_id}/follow",
                         json={"email": follower.email}) as response:
            _ok(response)
        for message in sent_mail:
            if message["To"] == follower.email:
                links = _links(_mail_text(message))
                planted.follow_links.setdefault(follower.email, []).extend(links)
                for link in links:
                    if "/follow/confirm" in link:
                        parts = urlsplit(link)
                        with client.get(f"{parts.path}?{parts.query}") as confirmed:
                            _ok(confirmed, 200, 303)

    def support(report_id):
        device = f"canary-device-{TAG}-{report_id}"
        planted.devices.append(device)
        with client.post(f"{REPORTS}/{report_id}/support",
                         json={"device_id": device}) as response:
            _ok(response)

    def flag_until_held(report_id):
        """Three neighbours flag a public report (notes naming a canary): it is held."""
        for n in range(3):
            flagger = planted.person(f"flagger {n} of {report_id}", phone=False)
            with client.post(f"{REPORTS}/{report_id}/flags", json={
                    "reason": "personal_information", "device_id": f"flag-device-{TAG}-{n}",
                    "note": f"It names {flagger.name} <{flagger.email}>."}) as response:
                held = _ok(response, 201).json["held_for_review"]
        assert held

    number = 0
    for code, _name, family, sensitive in CATEGORIES:
        for status in STATUSES:
            number += 1
            by_officer = status == "acknowledged"
            report_id = submit(code, family, status, number,
                               headers=officer.headers if by_officer else None,
                               walk=by_officer)
            planted.status_of[report_id] = status
            if sensitive:
                planted.sensitive_ids.append(report_id)
                if status != "pending_review":
                    move(report_id, moderator, "open")
            elif status == "pending_review":
                flag_until_held(report_id)
            if status != "pending_review":
                follow(report_id)
                support(report_id)
            if status in ("acknowledged", "in_progress"):
                move(report_id, officer if status == "acknowledged" else staff, status)
            elif status in ("resolved", "reopened"):
                move(report_id, staff, "resolved", note="Repaired by the crew.")
                if status == "reopened":
                    move(report_id, resident, "open", note="It is broken again.")
            elif status == "closed":
                move(report_id, admin, "closed", reason="not_city_responsibility",
                     note="Not ours.")
            target = planted.hidden_ids if status == "pending_review" else planted.public_ids
            target.append(report_id)

    # A resident reports while signed in (token): the account's email is the reporter's.
    with client.post(REPORTS, json={"category": "street_light_outage",
                                    "description": "Resident's own report.", "lat": 42.352,
                                    "lon": -71.062}, headers=resident.headers) as response:
        planted.public_ids.append(_ok(response, 201).json["id"])

    # Open311: a CRM submits with the requester's name, email and phone; one sensitive.
    from neighborhood.open311.services import create_api_key
    from neighborhood.open311.cli import CONSOLE

    with app.app_context():
        _, key = create_api_key("Canary CRM", actor=CONSOLE)
        db.session.commit()
    for code in ("street_light_outage", "unsanitary_food"):
        requester = planted.person(f"Open311 requester ({code})")
        first, last = requester.name.rsplit(" ", 1)  # "Canary Zebulon <tag>", "<n>"
        form = {"api_key": key, "service_code": code, "lat": "42.3601", "long": "-71.0589",
                "description": "Submitted through the city's CRM.",
                "address_string": "1 City Hall Sq", "email": requester.email,
                "first_name": first, "last_name": last, "phone": requester.phone}
        with client.post("/open311/v2/requests.json", data=form) as response:
            entry = _ok(response, 201).json[0]
        if entry.get("service_request_id"):
            planted.public_ids.append(int(entry["service_request_id"]))
        if entry.get("token"):
            planted.open311_tokens.append(entry["token"])
            with app.app_context():
                from neighborhood.open311.models import RequestToken
                row = db.session.scalar(select(RequestToken)
                                        .where(RequestToken.token == entry["token"]))
                planted.hidden_ids.append(row.report_id)
                planted.sensitive_ids.append(row.report_id)

    # A photo row on a public and on a hidden report (the files do not exist: 404s).
    with app.app_context():
        for report_id in (planted.public_ids[0], planted.hidden_ids[0]):
            key = uuid.uuid4().hex
            db.session.add(Photo(report_id=report_id, key=key, width=640, height=480,
                                 size_bytes=1000, kind="report"))
            planted.photo_keys.append(key)
        db.session.commit()

    # Background: anonymous lighting reports without contact across the city, so that the
    # hotspot maps have enough data (30 reports in 30 hexagons) to answer.
    from neighborhood.reports.services import Submission, submit_report

    with app.app_context():
        for i in range(42):
            data = {"category": "street_light_outage", "description": "Dark lamp.",
                    "lat": 42.300 + (i // 7) * 0.006, "lon": -71.110 + (i % 7) * 0.007}
            submit_report(Submission(data=data))
        db.session.commit()

    # An action plan (its participants are public by design; nothing personal in them).
    with client.post("/api/v1/plans", json=plan_body(), headers=admin.headers) as response:
        planted.plan_ids.append(_ok(response, 201).json["id"])
    return planted


# --- the crawl -------------------------------------------------------------------------------

def path_values(planted: Planted) -> dict[str, list]:
    """Values for each path parameter name, from the planted data."""
    return {
        "report_id": planted.all_ids,
        "request_id": [str(i) for i in planted.all_ids],
        "fmt": ["json", "xml"],
        "plan_id": planted.plan_ids,
        "number": [1, 2],
        "walk_uuid": planted.walk_uuids,
        "key": planted.photo_keys,
        "token": planted.open311_tokens + ["not-a-token"],
        "rest": ["no/such/resource.json"],
        "z": [0], "x": [0], "y": [0],
    }


def endpoint_values(planted: Planted) -> dict[str, dict[str, list]]:
    """Per-endpoint values where a parameter name means different things."""
    return {
        "open311.service_definition": {"code": [c[0] for c in CATEGORIES] + ["nope"]},
        "web.choose_language": {"code": ["es", "en"]},
    }


def query_variants(planted: Planted) -> dict[str, list[str]]:
    """Query strings to try per endpoint, besides none at all."""
    ids = ",".join(map(str, planted.all_ids))
    pb = "family=problem_business"
    incidents = [f"category={c[0]}&bbox={BOSTON_BBOX}" for c in CATEGORIES]
    incidents += [f"category={c[0]}&radius=200" for c in CATEGORIES]
    return {
        "reports_api.reports": [f"bbox={BOSTON_BBOX}", pb, "status=pending_review",
                                "status=closed", "limit=200"],
        "reports_api.nearby": [f"lat=42.3557&lon=-71.0647&category={c[0]}&radius=500"
                               for c in CATEGORIES],
        "reports_api.categories": ["lang=es"],
        "exports_api.reports_csv": [pb, "status=pending_review", f"bbox={BOSTON_BBOX}"],
        "exports_api.reports_geojson": [pb, "status=closed", f"bbox={BOSTON_BBOX}"],
        "spatial_api.hotspots": [pb, f"{pb}&resolution=8", "resolution=8", "trend=true",
                                 "category=unsanitary_food&resolution=8&cells=boundary"],
        "spatial_api.incidents": incidents,
        "accountability_api.stats": [f"group_by={g}" for g in
                                     ("neighborhood", "department", "family", "category")],
        "open311.requests_": [f"service_request_id={ids}", "status=open", "status=closed",
                              "service_code=unsanitary_food", "service_code=street_light_outage"],
        "open311.request_updates": [f"service_request_id={ids}"],
        "web.city_map": ["layer=reports&layer=hotspots&layer=incidents&view=list",
                         f"{pb}&view=list"],
        "web.index": ["view=list"],
        "web.dashboard": ["group_by=neighborhood", "group_by=category", "format=csv",
                          "format=csv&table=oldest", "format=csv&table=neighborhoods"],
        "web.dashboard_reports": ["format=csv", "figure=backlog", "neighborhood=6",
                                  "figure=backlog&format=csv&neighborhood=6", "status=closed"],
        "web.plans": [], "web.plan_page": [], "web.meeting_pack": [],
        "web.confirm_follow": ["token=not-a-token"],
        "web.unsubscribe": ["token=not-a-token"],
        "web.report_page": [],
    }


def fill(rule, values, overrides) -> list[str]:
    """Every URL of a rule with its parameters taken from the planted data."""
    options = []
    for name in sorted(rule.arguments):
        choice = overrides.get(rule.endpoint, {}).get(name) or values.get(name)
        if not choice:
            raise AssertionError(f"no value for <{name}> of {rule.rule} ({rule.endpoint}): add "
                                 "a provider to path_values, or exclude it with a reason")
        options.append((name, choice))
    urls = [{}]
    for name, choice in options:
        urls = [{**u, name: value} for u in urls for value in choice]
    return [rule.build(u)[1] for u in urls] if options else [rule.rule]


@dataclass
class Page:
    url: str
    endpoint: str
    status: int
    text: str


def crawl(app, client, planted: Planted, *, headers=None) -> list[Page]:
    """Request every GET rule (but the excluded ones) with every filling and variant."""
    values, overrides = path_values(planted), endpoint_values(planted)
    variants = query_variants(planted)
    pages = []
    adapter_rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    for rule in adapter_rules:
        if "GET" not in rule.methods or rule.endpoint in EXCLUDED:
            continue
        for path in fill(rule, values, overrides):
            for query in ["", *variants.get(rule.endpoint, [])]:
                url = f"{path}?{query}" if query else path
                with client.get(url, headers=headers or {}) as response:
                    head = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
                    body = response.get_data().decode("utf-8", errors="replace")  # PNGs too
                    pages.append(Page(url, rule.endpoint, response.status_code,
                                      head + "\n" + body))
    return pages


def variants_of(text: str) -> list[str]:
    """The text, and decoded: URL, HTML and JSON escapes (lower case)."""
    lowered = text.lower()
    return [lowered, unquote_plus(lowered), html.unescape(lowered),
            re.sub(r"\\u([0-9a-f]{4})", lambda m: chr(int(m[1], 16)), lowered)]


def leaks(pages: list[Page], people: list[Person], *, allowed=()) -> list[str]:
    """Return 'url: what' for every canary found (the allowed people's own are fine)."""
    allowed_needles = {n for p in allowed for n in p.needles}
    found = []
    for page in pages:
        texts = variants_of(page.text)
        for person in people:
            for needle in person.needles:
                if needle in allowed_needles:
                    continue
                if any(needle in text for text in texts):
                    found.append(f"{page.url} ({page.status}): {person.label}: {needle}")
        for text in texts:  # any other canary (devices, parts of names): the bare tag
            # The allowed people's own: their contact and the display name from their email.
            for needle in sorted(allowed_needles | {p.email.split("@")[0].lower()
                                                    for p in allowed}, key=len, reverse=True):
                text = text.replace(needle, "")
            if TAG in text:
                found.append(f"{page.url} ({page.status}): the canary tag")
                break
        if any(HIDDEN in text for text in texts):
            found.append(f"{page.url} ({page.status}): a never-public report's description")
    return found


def covered(pages: list[Page], endpoint: str) -> bool:
    return any(p.endpoint == endpoint and (200 <= p.status < 400 or p.status == 404)
               for p in pages)


def refused(pages: list[Page], endpoint: str) -> bool:
    hits = [p for p in pages if p.endpoint == endpoint]
    return bool(hits) and all(p.status in (400, 401, 403, 404) or (
        p.status in (302, 303) and "/login" in p.text) for p in hits)


def sign_in(client, email: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    with client.post("/login", data={"csrf_token": token, "email": email,
                                     "password": PASSWORD, "next": "/"}) as response:
        assert response.status_code == 303, response.get_data(as_text=True)[:300]


@pytest.fixture
def planted(app, client, boston_areas, lifecycle_city, create_category, create_account,
            sent_mail) -> Planted:
    return plant(app, client, lifecycle_city, create_category, create_account, sent_mail)


def test_every_public_output_is_free_of_canaries(app, planted):
    assert len(planted.people) >= 30 and planted.sensitive_ids and planted.hidden_ids
    anonymous = crawl(app, app.test_client(), planted)

    spanish_client = app.test_client()
    with spanish_client.get("/language/es") as response:
        assert response.status_code in (302, 303)
    spanish = crawl(app, spanish_client, planted)
    assert any('lang="es"' in p.text for p in spanish if p.endpoint == "web.index")

    resident_client = app.test_client()
    sign_in(resident_client, planted.resident.email)
    as_resident = crawl(app, resident_client, planted, headers=planted.resident.headers)

    everything = anonymous + spanish + as_resident
    errors = [f"{p.url}: {p.status}" for p in everything if p.status >= 500]
    assert not errors, errors
    own = [p for p in planted.people if p.email == planted.resident.email]
    found = leaks(anonymous + spanish, planted.people) + leaks(as_resident, planted.people,
                                                               allowed=own)
    assert not found, "\n".join(found[:40])

    # Coverage: every GET rule of the app was requested, and answered as expected.
    rules = {r.endpoint for r in app.url_map.iter_rules()
             if "GET" in r.methods and r.endpoint not in EXCLUDED}
    for endpoint in sorted(rules):
        if endpoint in STAFF_ONLY:
            assert refused(anonymous, endpoint) and refused(as_resident, endpoint), (
                f"{endpoint} answers visitors: crawl it as public (remove it from STAFF_ONLY)")
        elif endpoint in OWN_DATA:
            assert any(p.endpoint == endpoint for p in everything), endpoint
        else:
            assert covered(anonymous, endpoint), (
                f"{endpoint} was not crawled with a 2xx/3xx/404 answer: {[(p.url, p.status) for p in anonymous if p.endpoint == endpoint][:5]}")
    unknown = (set(STAFF_ONLY) | set(OWN_DATA)) - rules
    assert not unknown, f"listed endpoints that no longer exist: {unknown}"


def test_never_public_reports_are_absent_everywhere(app, planted):
    client = app.test_client()
    for report_id in planted.hidden_ids:
        for url in (f"/reports/{report_id}", f"{REPORTS}/{report_id}",
                    f"/open311/v2/requests/{report_id}.json"):
            with client.get(url) as response:
                assert response.status_code == 404, url
    hidden = set(planted.hidden_ids)
    with client.get(f"{REPORTS}?limit=200") as response:
        listed = {f["id"] for f in response.json["features"]}
    assert listed and not listed & hidden
    with client.get("/api/v1/exports/reports.geojson") as response:
        exported = {f["properties"]["id"] for f in json.loads(response.get_data())["features"]}
    assert exported == listed
    ids = ",".join(map(str, planted.all_ids))
    with client.get(f"/open311/v2/requests.json?service_request_id={ids}") as response:
        served = {int(r["service_request_id"]) for r in response.json}
    assert served == listed & set(planted.all_ids)
    # Published problem-business reports are generalized wherever they appear.
    public_sensitive = set(planted.sensitive_ids) - hidden
    assert public_sensitive
    with client.get(f"{REPORTS}?family=problem_business&limit=200") as response:
        for feature in response.json["features"]:
            assert feature["id"] in public_sensitive
            lon, lat = feature["geometry"]["coordinates"]
            assert (round(lon, 3), round(lat, 3)) == (lon, lat)
            assert feature["properties"]["address"] is None


def test_the_timeline_names_roles_never_people(app, planted):
    client = app.test_client()
    roles = set()
    for report_id in planted.public_ids:
        with client.get(f"{REPORTS}/{report_id}") as response:
            props = response.json["properties"]
        for step in props.get("timeline", []):
            assert set(step) & {"actor_role"}, step
            assert not {"actor", "actor_email", "actor_id", "user_id"} & set(step), step
            roles.add(step["actor_role"])
    assert {"officer", "staff", "moderator", "admin"} <= roles, roles


def test_emails_carry_only_their_recipients_own_contact(app, planted, sent_mail):
    assert sent_mail, "the planting sent no email"
    by_email = {p.email: p for p in planted.people}
    followers = [p for p in planted.people if p.label.startswith("follower")]
    updates_to_followers = 0
    for message in sent_mail:
        recipient = by_email.get(message["To"])
        text = _mail_text(message)
        found = leaks([Page(message["To"], "mail", 0, text)], planted.people,
                      allowed=[recipient] if recipient else [])
        assert not found, found
        if recipient in followers and "/follow/confirm" not in text:
            updates_to_followers += 1
    assert updates_to_followers >= 5  # status updates reached the confirmed followers


def test_follow_links_show_nobody_elses_contact(app, planted):
    client = app.test_client()
    pages = []
    for email, links in planted.follow_links.items():
        for link in links:
            parts = urlsplit(link)
            if parts.path.startswith("/follow/"):
                assert parse_qs(parts.query).get("token")
                with client.get(f"{parts.path}?{parts.query}") as response:
                    pages.append((email, Page(link, "follow", response.status_code,
                                              response.get_data(as_text=True))))
    assert len(pages) >= 10
    by_email = {p.email: p for p in planted.people}
    found = [hit for email, page in pages
             for hit in leaks([page], planted.people, allowed=[by_email[email]])]
    assert not found, found
