"""The OpenAPI contract, checked by schemathesis against the app in-process (WSGI).

Shared by tests/api/test_openapi_contract.py (a bounded run in `make test`) and
bench/openapi_fuzz.py (the long run). Three parts:

- `seed_city`: a realistic city to fuzz against: Boston's neighborhoods, four departments,
  categories of every family (one sensitive problem-business category with questions of every
  datatype, one without an SLA), an account of every role with a bearer token, a year of
  reports for the hotspot maps, reports made through the API in every status, with photos,
  support, followers and a fix confirmation, two Open311 api_keys, and two walks (an
  officer's, with a report made on it, and an admin's, still going on), and an action plan.
- `CHECKS`: what every response must satisfy: not a 5xx; its status code documented by the
  operation itself (flask-smorest's catch-all `default` response does not count); a body only
  where the document describes one; a documented content type; a body valid against the
  documented schema; the documented required headers present and valid.
- `run_contract`: every operation of the document, positive and negative data, each case
  sent with an identity drawn from anonymous, a bad token (as generated) and every role, and
  with real ids, codes and Boston coordinates mixed into positive cases so that the success
  paths (and their response schemas) are reached, not only the 404s and 422s. Failures are
  collected, not raised, so one run reports all of them.
"""

import contextlib
import io
import json
import random
import shutil
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

import schemathesis
from hypothesis import HealthCheck, Phase, configuration, given, seed, settings
from hypothesis import strategies as st
from PIL import Image
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (content_type_conformance,
                                               response_headers_conformance,
                                               response_schema_conformance)

from neighborhood.workflow.states import transitions_from

OPENAPI_PATH = "/api/openapi.json"
API = "/api/v1"
ROLES = ("resident", "officer", "staff", "moderator", "admin")
PASSWORD = "correct horse battery staple"

# Points inside Boston (lat, lon): Boston Common, Back Bay, the North End, Dorchester, Roxbury.
BOSTON_POINTS = ((42.3550, -71.0656), (42.3503, -71.0810), (42.3647, -71.0542),
                 (42.3016, -71.0676), (42.3152, -71.0914))

QUESTIONS = [
    {"code": "business_name", "datatype": "string", "required": True, "order": 1,
     "description": "The name of the business."},
    {"code": "seen_at", "datatype": "datetime", "required": False, "order": 2,
     "description": "When did you see it?"},
    {"code": "people", "datatype": "number", "required": False, "order": 3,
     "description": "How many people were affected?"},
    {"code": "problems", "datatype": "multivaluelist", "required": False, "order": 4,
     "description": "What is wrong?",
     "values": [{"key": "pests", "name": "Pests"}, {"key": "smell", "name": "Smell"},
                {"key": "dirty", "name": "Dirty kitchen"}]},
    {"code": "details", "datatype": "text", "required": False, "order": 5,
     "description": "Anything else?"},
    {"code": "note", "datatype": "string", "variable": False, "order": 6,
     "description": "Inspectors visit within two days."},
]
CATEGORIES = [
    {"code": "street_light_outage", "name": "Street light outage", "family": "lighting",
     "sla_days": 15, "department": "PWD",
     "questions": [{"code": "pole_number", "datatype": "string", "required": False,
                    "order": 1, "description": "Pole number, if you can read it."},
                   {"code": "light_state", "datatype": "singlevaluelist", "required": False,
                    "order": 2, "description": "What is the light doing?",
                    "values": [{"key": "dark", "name": "Completely dark"},
                               {"key": "flickering", "name": "Flickering"}]}]},
    {"code": "parks_general_request", "name": "Parks request", "family": "parks",
     "sla_days": None, "department": "PARK"},
    {"code": "missing_sign", "name": "Missing sign", "family": "signs", "sla_days": 14,
     "department": "BTD"},
    {"code": "other_request", "name": "Something else", "family": "other", "sla_days": 30},
    {"code": "unsanitary_food", "name": "Unsanitary food business",
     "family": "problem_business", "sla_days": 2, "department": "ISD", "sensitive": True,
     "questions": QUESTIONS},
]
DEPARTMENTS = [{"code": "PWD", "name": "Public Works", "email": "publicworks@city.example"},
               {"code": "BTD", "name": "Transportation", "email": None},
               {"code": "PARK", "name": "Parks and Recreation",
                "email": "parks@city.example"},
               {"code": "ISD", "name": "Inspectional Services", "email": "isd@city.example"}]
GOOD_ANSWERS = {"business_name": "Pat's Diner", "seen_at": "2025-11-05T08:15:30-05:00",
                "people": 3, "problems": ["pests", "smell"], "details": "Behind the bins."}


def jpeg(size=(48, 32), colour=(200, 160, 30)) -> bytes:
    """Return a small JPEG."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


# --- the city ---------------------------------------------------------------------------------

@dataclass
class City:
    """What seed_city made: ids, keys, codes and credentials to mix into generated cases."""

    reports: dict[str, int]
    photo_keys: list[str]
    tokens: dict[str, str]  # role -> bearer token
    emails: dict[str, str]  # role -> account email (the password is PASSWORD)
    unsubscribe_tokens: list[str]  # of the followers the seed made
    api_key_ids: list[int] = field(default_factory=list)  # Open311 api_keys
    walks: dict[str, str] = field(default_factory=dict)  # role -> the uuid of their walk
    walk_started_at: dict[str, str] = field(default_factory=dict)  # by walk uuid
    status_of: Callable[[int], str | None] = lambda report_id: None  # the current status
    plan_ids: list[int] = field(default_factory=list)  # action plans
    plan_of: Callable[[int], dict | None] = lambda plan_id: None  # a plan's latest version
    plan_body: dict = field(default_factory=dict)  # an adoption the service accepts
    ban_ids: list[int] = field(default_factory=list)  # entries of the ban list
    categories: list[str] = field(default_factory=lambda: [c["code"] for c in CATEGORIES])
    departments: list[str] = field(default_factory=lambda: [d["code"] for d in DEPARTMENTS]
                                   + [d["name"] for d in DEPARTMENTS])

    @property
    def report_ids(self) -> list[int]:
        return sorted(set(self.reports.values()))

    @property
    def walk_uuids(self) -> list[str]:
        return list(self.walks.values())


def _expect(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(True))
    return response.get_json(silent=True) or {}


def seed_city(app, *, history: int = 80, random_seed: int = 2025) -> City:
    """Store a realistic city in the app's (empty) database and return what it holds."""
    from neighborhood.accounts.services import create_token, create_user
    from neighborhood.areas.services import area_locator, replace_boundaries
    from neighborhood.core import transaction
    from neighborhood.core.db import utcnow
    from neighborhood.demo.services import upsert_categories
    from neighborhood.extensions import db
    from neighborhood.reports.engagement import follow_token
    from neighborhood.reports.models import MAX_ID, Follower, Report
    from neighborhood.reports.services import Submission, submit_report
    from neighborhood.routing.services import upsert_departments

    rng = random.Random(random_seed)
    data = resources.files("neighborhood.demo") / "data" / "boston-neighborhoods.geojson"
    features = json.loads(data.read_text(encoding="utf-8"))["features"]
    tokens, emails = {}, {}
    with app.app_context():
        replace_boundaries(features, city_name="Boston")
        upsert_departments(DEPARTMENTS)
        upsert_categories(CATEGORIES)
        for role in ROLES:
            email = f"{role}@city.example"
            user = create_user(email, role, department="PWD" if role == "staff" else None,
                               password=PASSWORD)
            tokens[role], emails[role] = create_token(user, "contract")[1], email
        # A year of history for the hotspot maps and their trends: clustered street lights
        # and parks requests, through the intake service (the API cannot backdate).
        now, locator, stored = utcnow(), area_locator(), 0
        while stored < history:
            lat, lon = rng.choice(BOSTON_POINTS)
            spread = 0.004 if stored % 3 else 0.02
            lat, lon = lat + rng.uniform(-spread, spread), lon + rng.uniform(-spread, spread)
            if not locator.in_city(lon, lat):
                continue
            body = {"category": "street_light_outage" if stored % 4 else "parks_general_request",
                    "description": f"Historic report {stored}.", "lat": lat, "lon": lon}
            submit_report(Submission(data=body),
                          now=now - timedelta(days=rng.uniform(1, 360)))
            stored += 1
        transaction.commit()

    client = app.test_client()
    auth = {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}
    reports: dict[str, int] = {}

    def submit(name, headers=None, **body):
        lat, lon = BOSTON_POINTS[len(reports) % len(BOSTON_POINTS)]
        payload = {"category": "street_light_outage", "description": f"The {name} report.",
                   "lat": lat, "lon": lon, "address": "Tremont St & Boylston St",
                   "contact": {"email": f"{name}@example.org", "name": "Pat",
                               "phone": "+1 617 555 0100"}} | body
        reports[name] = _expect(client.post(f"{API}/reports", json=payload,
                                            headers=headers or {}), 201)["id"]
        return reports[name]

    def move(name, role, **body):
        _expect(client.post(f"{API}/reports/{reports[name]}/transitions", json=body,
                            headers=auth[role]), 201)

    submit("open", attributes={"pole_number": "C-1234", "light_state": "dark"})
    submit("twin", lat=42.35501, lon=-71.06561)  # a same-spot incident with "open"
    photographed = client.post(
        f"{API}/reports", headers=auth["resident"], content_type="multipart/form-data",
        data={"category": "missing_sign", "description": "The stop sign is gone.",
              "lat": "42.3503", "lon": "-71.0810", "contact.email": "sign@example.org",
              "photos": [(io.BytesIO(jpeg()), "sign.jpg")]})
    reports["photographed"] = _expect(photographed, 201)["id"]
    submit("acknowledged", headers=auth["officer"])
    move("acknowledged", "officer", to="acknowledged")
    submit("in_progress")
    move("in_progress", "staff", to="in_progress", note="On it.")
    submit("resolved")
    resolved = client.post(
        f"{API}/reports/{reports['resolved']}/transitions", headers=auth["staff"],
        content_type="multipart/form-data",
        data={"to": "resolved", "note": "New lamp.",
              "photo": (io.BytesIO(jpeg(colour=(30, 160, 30))), "fixed.jpg")})
    _expect(resolved, 201)
    for name in ("resolved_again", "resolved_too"):  # the fuzzing may reopen some
        submit(name)
        move(name, "admin", to="resolved", note="Fixed.")
    _expect(client.post(f"{API}/reports/{reports['resolved']}/confirmation",
                        json={"device_id": "device-0001"}), 201)
    submit("duplicate")
    move("duplicate", "staff", to="closed", reason="duplicate", duplicate_of=reports["open"],
         note="Same lamp.")
    submit("spam", category="other_request")
    move("spam", "moderator", to="closed", reason="spam", note="Spam.")
    submit("held", category="unsanitary_food", attributes=GOOD_ANSWERS)
    submit("published", category="unsanitary_food", attributes=GOOD_ANSWERS)
    move("published", "moderator", to="open")
    submit("reassigned", category="parks_general_request")
    _expect(client.post(f"{API}/reports/{reports['reassigned']}/reassign",
                        json={"department": "BTD", "note": "Not ours."},
                        headers=auth["admin"]), 201)
    _expect(client.post(f"{API}/reports/{reports['open']}/support",
                        json={"device_id": "device-0002"}), 201)
    _expect(client.post(f"{API}/reports/{reports['open']}/follow",
                        json={"email": "neighbour@example.org"}), 202)
    _expect(client.post(f"{API}/reports/{reports['open']}/follow", headers=auth["resident"]),
            201)
    api_key_ids = [_expect(client.post(f"{API}/open311/keys", json={"name": name},
                                       headers=auth["admin"]), 201)["id"]
                   for name in ("311 app", "CRM bridge")]
    ban_ids = [_expect(client.post(f"{API}/moderation/bans", json={"pattern": f"spam{n}.example"},
                                   headers=auth["moderator"]), 201)["id"] for n in range(20)]
    # The officer's walk, with a report made on it; and one of the admin's, still going on.
    walks, walk_started_at = {}, {}
    for role, ended in (("officer", True), ("admin", False)):
        walks[role] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        started = utcnow() - timedelta(hours=2)
        _expect(client.put(f"{API}/walks/{walks[role]}", headers=auth[role],
                           json=_walk_body(started, ended=ended)), 201)
        walk_started_at[walks[role]] = started.isoformat()
    submit("on_walk", headers=auth["officer"], walk_id=walks["officer"])
    # An action plan for Dorchester, adopted at a meeting a month ago over that history.
    plan_body = _plan_body(utcnow().astimezone(ZoneInfo(app.config["CITY_TIMEZONE"])))
    plan_ids = [_expect(client.post(f"{API}/plans", json=plan_body, headers=auth["admin"]),
                        201)["id"]]
    with app.app_context():
        photo_keys = [p["url"].rsplit("/", 1)[1].removesuffix(".jpg")
                      for name in ("photographed", "resolved")
                      for p in _detail_photos(client, reports[name], auth["admin"])]
        followers = db.session.query(Follower).order_by(Follower.id).all()
        unsubscribe = [follow_token(f, "unsubscribe") for f in followers]

    def status_of(report_id: int) -> str | None:
        if not 0 < report_id <= MAX_ID:  # a generated id no report can have
            return None
        with app.app_context():
            report = db.session.get(Report, report_id)
            return report.status if report else None

    def plan_of(plan_id: int) -> dict | None:
        response = client.get(f"{API}/plans/{plan_id}")
        return response.get_json() if response.status_code == 200 else None

    return City(reports=reports, photo_keys=photo_keys, tokens=tokens, emails=emails,
                unsubscribe_tokens=unsubscribe, api_key_ids=api_key_ids, status_of=status_of,
                walks=walks, walk_started_at=walk_started_at, plan_ids=plan_ids,
                plan_of=plan_of, plan_body=plan_body, ban_ids=ban_ids)


def _plan_body(now) -> dict:
    """Return an action plan the service adopts: Dorchester, a meeting 30 days before now."""
    meeting = (now - timedelta(days=30)).date()
    deadline = (meeting + timedelta(days=365)).isoformat()
    return {"neighborhood": "6", "title": "Dorchester streets",
            "meeting_date": meeting.isoformat(), "population": 120_000,
            "participants": ["Public Works", "Example Civic Association"],
            "commitments": [
                {"metric": "median_days_to_resolve", "family": "lighting", "target": 2.0,
                 "deadline": deadline, "owner_kind": "department", "owner": "PWD"},
                {"metric": "hotspot_cells", "family": "lighting", "target": 0,
                 "deadline": deadline, "owner_kind": "group",
                 "owner": "Example Civic Association"},
                {"metric": "reports_per_1000", "target": 5.0, "deadline": deadline,
                 "owner_kind": "department", "owner": "Transportation"}]}


def _amendment(plan: dict, title: str) -> dict:
    """Return a PUT body amending a plan's latest version (its commitments kept)."""
    commitments = [{"number": c["number"], "metric": c["metric"], "family": c["family"],
                    "target": c["target"], "deadline": c["deadline"],
                    "owner_kind": c["owner"]["kind"],
                    "owner": c["owner"]["department"] or c["owner"]["name"]}
                   for c in plan["commitments"]]
    return {"version": plan["version"], "title": title, "meeting_date": plan["meeting_date"],
            "participants": plan["participants"], "population": plan["population"],
            "change_note": "Amended.", "commitments": commitments}


def _walk_body(started, *, ended: bool = False, offset_s: int = 0) -> dict:
    """Return a walk upload: fixes a minute apart around Boston Common from `started`."""
    start_ms = int(started.timestamp() * 1000) + offset_s * 1000
    body = {"started_at": started.isoformat(),
            "track": [{"lat": lat, "lon": lon, "at": start_ms + i * 60_000}
                      for i, (lat, lon) in enumerate(BOSTON_POINTS)]}
    if ended:
        body["ended_at"] = (started + timedelta(hours=1)).isoformat()
    return body


def _detail_photos(client, report_id: int, headers: dict) -> list[dict]:
    body = _expect(client.get(f"{API}/reports/{report_id}", headers=headers), 200)
    photos = list(body["properties"]["photos"])
    photos += [s["photo"] for s in body["properties"]["timeline"] if s.get("photo")]
    return photos


# --- the checks -------------------------------------------------------------------------------

class UndocumentedStatus(Failure):
    """The status code is not one the operation documents (its `default` does not count)."""

    kind_title = "Undocumented status code"


class UndocumentedBody(Failure):
    """The response has a body but the document describes none for its status."""

    kind_title = "Undocumented response body"


def _responses(case) -> dict:
    return case.operation.definition.raw.get("responses", {})


def documented_status(ctx, response, case):
    """The operation documents this status code itself, not only through `default`."""
    documented = {code for code in _responses(case) if code != "default"}
    if str(response.status_code) not in documented:
        raise UndocumentedStatus(
            operation=case.operation.label,
            message=f"Received: {response.status_code}\nDocumented: "
                    f"{', '.join(sorted(documented))} (default ignored)")


def documented_body(ctx, response, case):
    """A response with a body has a documented content for its status."""
    documented = _responses(case).get(str(response.status_code), {})
    if "$ref" in documented:  # "#/components/responses/NAME"
        documented = case.operation.schema.raw_schema
        for part in _responses(case)[str(response.status_code)]["$ref"][2:].split("/"):
            documented = documented[part]
    if response.content and not documented.get("content"):
        raise UndocumentedBody(
            operation=case.operation.label,
            message=f"{response.status_code} has a body ({response.headers.get('content-type')})"
                    " but the document describes none")


CHECKS = [not_a_server_error, documented_status, documented_body, content_type_conformance,
          response_schema_conformance, response_headers_conformance]


# --- the run ----------------------------------------------------------------------------------

def load_schema(app):
    """Load the app's OpenAPI document through the app itself."""
    return schemathesis.openapi.from_wsgi(OPENAPI_PATH, app)


def has_inputs(operation) -> bool:
    """Return True when the operation takes something that negative data can break."""
    return bool(list(operation.iter_parameters()) or operation.body)


@dataclass
class Outcome:
    """What a run did: cases sent, statuses seen, failures found."""

    cases: int = 0
    statuses: Counter = field(default_factory=Counter)  # (label, status) -> count
    failures: dict = field(default_factory=dict)  # (label, failure title, status) -> example
    failure_counts: Counter = field(default_factory=Counter)
    operations: set = field(default_factory=set)  # labels with at least one case
    negative_skipped: set = field(default_factory=set)  # labels with nothing to negate
    seconds: float = 0.0

    def summary(self) -> str:
        by_status = Counter()
        for (_, status), n in self.statuses.items():
            by_status[status] += n
        lines = [(f"cases: {self.cases} over {len(self.operations)} operations in "
                  f"{self.seconds:.1f} s"),
                 "statuses: " + ", ".join(f"{s}: {n}" for s, n in sorted(by_status.items())),
                 f"failures: {sum(self.failure_counts.values())}"]
        for key, n in self.failure_counts.most_common():
            lines.append(f"  {n} x {key[0]}: {key[1]} ({key[2]})")
            lines.append("    " + self.failures[key].replace("\n", "\n    "))
        return "\n".join(lines)


def _point(draw):
    lat, lon = draw(st.sampled_from(BOSTON_POINTS))
    return lat + draw(st.floats(-0.002, 0.002)), lon + draw(st.floats(-0.002, 0.002))


def _realize(case, draw, city: City) -> dict | None:
    """Mix real ids, codes, credentials and Boston coordinates into a positive case.

    Return the Authorization to send when the case only makes sense as someone (else None).
    """
    path = case.path_parameters
    label = case.operation.label
    if "report_id" in path and draw(st.integers(0, 4)):
        resolved = [i for name, i in city.reports.items() if name.startswith("resolved")]
        fitting = resolved if label.endswith("/confirmation") else city.report_ids
        path["report_id"] = draw(st.sampled_from(fitting))
    if "key" in path and city.photo_keys and draw(st.booleans()):
        path["key"] = draw(st.sampled_from(city.photo_keys))
    if "key_id" in path and city.api_key_ids and draw(st.integers(0, 3)):
        path["key_id"] = draw(st.sampled_from(city.api_key_ids))
    if "walk_uuid" in path and label.startswith("GET") and draw(st.integers(0, 3)):
        path["walk_uuid"] = draw(st.sampled_from(city.walk_uuids))
    if "ban_id" in path and city.ban_ids and draw(st.integers(0, 3)):
        path["ban_id"] = draw(st.sampled_from(city.ban_ids))
        if label.startswith("DELETE"):
            return {"Authorization": f"Bearer {city.tokens['moderator']}"}
    if "plan_id" in path and city.plan_ids and draw(st.integers(0, 3)):
        path["plan_id"] = draw(st.sampled_from(city.plan_ids))
        if "number" in path and draw(st.integers(0, 2)):
            path["number"] = draw(st.integers(1, 2))
    query = case.query
    if query is not None:
        if "category" in query and draw(st.integers(0, 3)):
            code = draw(st.sampled_from(city.categories))
            query["category"] = [code] if isinstance(query["category"], list) else code
        if "lat" in query and "lon" in query and draw(st.integers(0, 3)):
            query["lat"], query["lon"] = _point(draw)
        if "department" in query and draw(st.booleans()):
            query["department"] = draw(st.sampled_from(city.departments))
    body = case.body
    if not isinstance(body, dict):
        return None
    if label == f"POST {API}/reports" and draw(st.integers(0, 3)):
        code = draw(st.sampled_from(city.categories))
        body["category"] = code
        body["lat"], body["lon"] = _point(draw)
        if code == "unsanitary_food":
            body["attributes"] = dict(GOOD_ANSWERS)
        elif "attributes" in body:
            body["attributes"] = None
        if "photos" in body:
            body["photos"] = [jpeg()] if draw(st.booleans()) else []
        if case.media_type == "multipart/form-data":
            body["lat"], body["lon"] = str(body["lat"]), str(body["lon"])
    if label.endswith("/transitions") and draw(st.booleans()):
        # A move the lifecycle allows from the report's current status, with what it needs,
        # made by an admin (who may make every move).
        status = city.status_of(path["report_id"])
        targets = sorted(t.target.value for t in transitions_from(status)) if status else []
        to = draw(st.sampled_from(targets or ["open"]))
        reason = draw(st.sampled_from(("not_city_responsibility", "cannot_reproduce", "spam")))
        move = {"to": to, "note": "Checked on site.", "reason": reason if to == "closed" else None}
        body.clear()
        body.update({k: v for k, v in move.items()
                     if v is not None or case.media_type == "application/json"})
        return {"Authorization": f"Bearer {city.tokens['admin']}"}
    if "duplicate_of" in body and body["duplicate_of"] is not None and draw(st.booleans()):
        body["duplicate_of"] = draw(st.sampled_from(city.report_ids))
    if label.endswith(("/support", "/confirmation")) and draw(st.booleans()):
        body["device_id"] = f"device-{draw(st.integers(0, 9)):04d}"
    if label.endswith("/reassign") and draw(st.integers(0, 3)):
        body["department"] = draw(st.sampled_from(city.departments))
    if label == f"PUT {API}/walks/{{walk_uuid}}" and draw(st.integers(0, 3)):
        # An upload the service accepts: a new walk, or more of a seeded one, from its officer.
        role = draw(st.sampled_from(sorted(city.walks)))
        if draw(st.booleans()):
            path["walk_uuid"] = city.walks[role]
            started = datetime.fromisoformat(city.walk_started_at[city.walks[role]])
        else:
            started = datetime.now(UTC) - timedelta(minutes=draw(st.integers(0, 600)))
        body.clear()
        body.update(_walk_body(started, offset_s=draw(st.integers(0, 59))))
        return {"Authorization": f"Bearer {city.tokens[role]}"}
    if label == f"POST {API}/plans" and draw(st.integers(0, 2)):
        # An adoption the service accepts, with a generated target, made by an admin.
        body.clear()
        body.update(json.loads(json.dumps(city.plan_body)))
        body["commitments"][0]["target"] = draw(st.floats(0, 100))
        return {"Authorization": f"Bearer {city.tokens['admin']}"}
    if label == f"PUT {API}/plans/{{plan_id}}" and draw(st.integers(0, 2)):
        # An amendment of the latest version with a new title, made by an admin.
        plan = city.plan_of(path["plan_id"])
        if plan is not None:
            body.clear()
            body.update(_amendment(plan, f"Dorchester streets {draw(st.integers(0, 10**6))}"))
            return {"Authorization": f"Bearer {city.tokens['admin']}"}
    if label == f"POST {API}/moderation/bans" and draw(st.integers(0, 2)):
        body.clear()
        body["pattern"] = f"junk{draw(st.integers(0, 10**9))}.example"
        return {"Authorization": f"Bearer {city.tokens['moderator']}"}
    if label.endswith("/auth/login") and draw(st.integers(0, 2)):
        body["email"] = draw(st.sampled_from(sorted(city.emails.values())))
        if draw(st.integers(0, 2)):
            body["password"] = PASSWORD
    if label.startswith("DELETE") and "token" in body and draw(st.booleans()):
        body["token"] = draw(st.sampled_from(city.unsubscribe_tokens))
    return None


BAD_TOKENS = ("Bearer nbh_revoked-or-never-issued", "Bearer ", "Basic dXNlcjpwYXNz")


def _identity(draw, city: City) -> dict | None:
    """Return the Authorization to send: None keeps whatever the case has (usually none)."""
    role = draw(st.sampled_from((None, "anonymous", "bad token", *ROLES)))
    if role is None:
        return None
    if role == "anonymous":
        return {}
    if role == "bad token":
        return {"Authorization": draw(st.sampled_from(BAD_TOKENS))}
    return {"Authorization": f"Bearer {city.tokens[role]}"}


def _describe(case, response, failure: Failure) -> str:
    body = response.text[:300] if response.content else ""
    return (f"{failure.title}: {failure.message}\n{case.as_curl_command()}\n"
            f"-> {response.status_code} {body}")


def run_contract(schema, city: City, *, max_examples: int, seed_value: int = 0,
                 modes: Iterable[GenerationMode] = tuple(GenerationMode),
                 labels: Iterable[str] | None = None, outcome: Outcome | None = None,
                 progress: Callable[[str], None] = lambda line: None) -> Outcome:
    """Fuzz every operation (or those in `labels`), adding to `outcome`, and return it.

    Generation is deterministic for a given seed_value (and the hypothesis database is off).
    """
    outcome = outcome or Outcome()
    started = time.perf_counter()
    wanted = set(labels) if labels is not None else None
    with _scratch_hypothesis_storage():
        _run(schema, city, max_examples, seed_value, modes, wanted, outcome, progress)
    outcome.seconds += time.perf_counter() - started
    return outcome


@contextlib.contextmanager
def _scratch_hypothesis_storage():
    """Let hypothesis keep its caches (constants, unicode tables) in a temporary directory.

    With database=None it stores no examples, but it still writes caches under ./.hypothesis;
    a contract run leaves nothing behind in the working tree.
    """
    previous = configuration.storage_directory(intent_to_write=False).home_directory
    scratch = tempfile.mkdtemp(prefix="neighborhood-hypothesis-")
    configuration.set_hypothesis_home_dir(scratch)
    try:
        yield
    finally:
        configuration.set_hypothesis_home_dir(previous)
        shutil.rmtree(scratch, ignore_errors=True)


def _run(schema, city, max_examples, seed_value, modes, wanted, outcome, progress) -> None:
    for result in schema.get_all_operations():
        operation = result.ok()
        if wanted is not None and operation.label not in wanted:
            continue
        for mode in modes:
            if mode.is_negative and not has_inputs(operation):
                outcome.negative_skipped.add(operation.label)
                continue
            _fuzz(operation, mode, city, max_examples, seed_value, outcome)
            progress(f"{operation.label} [{mode.value}]: {outcome.cases} cases so far")


def _fuzz(operation, mode: GenerationMode, city: City, max_examples: int, seed_value: int,
          outcome: Outcome) -> None:
    @seed(seed_value)
    @settings(max_examples=max_examples, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
              print_blob=False, report_multiple_bugs=False)
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def fuzz(case, data):
        identity = _realize(case, data.draw, city) if mode.is_positive else None
        if identity is None:
            identity = _identity(data.draw, city)
        if identity is not None:
            case.headers.pop("Authorization", None)
        try:
            # buffered: werkzeug closes the app iterator (send_file's open file) at once
            # identity: the contract is about bodies, not transport compression
            response = case.call(headers={"Accept-Encoding": "identity", **(identity or {})},
                                 buffered=True)
        except Exception as exc:  # TESTING propagates what the error handlers could not render
            outcome.cases += 1
            outcome.operations.add(operation.label)
            outcome.statuses[(operation.label, 500)] += 1
            key = (operation.label, f"Unhandled {type(exc).__name__}", 500)
            outcome.failure_counts[key] += 1
            outcome.failures.setdefault(key, f"{exc}\n{case.as_curl_command()}")
            return
        outcome.cases += 1
        outcome.operations.add(operation.label)
        outcome.statuses[(operation.label, response.status_code)] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=identity or None)
        except FailureGroup as group:
            for failure in group.exceptions:
                key = (operation.label, failure.title, response.status_code)
                outcome.failure_counts[key] += 1
                outcome.failures.setdefault(key, _describe(case, response, failure))

    fuzz()
