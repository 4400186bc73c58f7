"""The action-plan API on both engines: adopt, amend (versions), read, per role, bad input.

Plans are made for Dorchester over the February scenario (scenario.py): a meeting on
2025-03-03 with the baseline window 2025-02-03 to 2025-03-03 (exclusive), so the baselines
are the hand-worked Dorchester figures of test_plan_values.py.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from neighborhood.accountability import plan_progress, plan_services
from neighborhood.accountability.plan_models import ImmutableVersion, PlanVersion
from neighborhood.accountability.plan_forms import CommitmentForm, PlanForm
from neighborhood.accounts.permissions import Actor, Role
from neighborhood.core.errors import Conflict
from neighborhood.extensions import db
from tests.accountability.scenario import amendment, plan_body

API = "/api/v1/plans"
TZ = "America/New_York"
ROLES = ("anonymous", "resident", "officer", "staff", "moderator", "admin")


@pytest.fixture
def admin(create_account):
    return create_account("admin")


@pytest.fixture
def adopt(client, scenario, admin):
    """Return a function that adopts a plan as an admin and returns the response body."""
    def post(**overrides):
        response = client.post(API, json=plan_body(**overrides), headers=admin.headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return post


def test_an_admin_adopts_a_plan_with_baselines_frozen_from_live_data(adopt):
    plan = adopt()
    assert plan["version"] == 1 and plan["area"] == {"code": "6", "name": "Dorchester"}
    assert (plan["baseline_from"], plan["baseline_to"]) == ("2025-02-03", "2025-03-03")
    assert plan["author_role"] == "admin"
    lights, backlog = plan["commitments"]
    assert lights["number"] == 1 and lights["unit"] == "days" and lights["direction"] == "lower"
    assert lights["baseline"]["value"] == pytest.approx(1.0)  # r3 1 h, r14 24 h, r6 192 h
    assert (lights["baseline"]["n"], lights["baseline"]["small_sample"]) == (3, True)
    assert lights["owner"] == {"kind": "department", "name": "Public Works", "department": "PWD"}
    assert backlog["baseline"]["value"] == 3  # r4 r12 r15 at Mar 3
    assert backlog["owner"] == {"kind": "group", "name": "Example Civic Association",
                                "department": None}
    assert plan["versions"] == [{"number": 1, "title": "Dorchester lights",
                                 "meeting_date": "2025-03-03", "author_role": "admin",
                                 "change_note": "Adopted at the meeting of 2025-03-03.",
                                 "created_at": plan["version_created_at"], "commitments": 2,
                                 "changes": ["adopted"]}]


def test_the_baseline_window_defaults_to_the_90_days_before_the_meeting(client, scenario,
                                                                        admin):
    body = plan_body()
    del body["baseline_from"], body["baseline_to"]
    response = client.post(API, json=body, headers=admin.headers)
    assert response.status_code == 201, response.get_json()
    plan = response.get_json()
    assert (plan["baseline_from"], plan["baseline_to"]) == ("2024-12-03", "2025-03-03")
    assert plan["commitments"][0]["baseline"]["from"] == "2024-12-03"


def test_after_the_deadline_the_scorecard_is_final(adopt):
    lights, backlog = adopt()["commitments"]
    assert lights["as_of"] == backlog["as_of"] == "2025-07-01"  # the deadline's end
    # No light was closed in Dorchester from Jun 3 to Jul 1: nothing to measure, said so.
    assert (lights["now"]["value"], lights["now"]["n"], lights["status"]) == (None, 0,
                                                                              "no_data")
    assert lights["now"]["note"]
    # r9 was reopened on Mar 4: four open reports at Jul 1, against a target of 1.
    assert (backlog["now"]["value"], backlog["status"]) == (4, "missed")
    assert backlog["now"] | {"value": None} == {"value": None, "n": 4, "small_sample": False,
                                                "note": None, "from": "2025-06-03",
                                                "to": "2025-07-01"}
    assert [p["to"] for p in backlog["sparkline"]] == ["2025-03-03", "2025-04-01",
                                                       "2025-05-01", "2025-06-01",
                                                       "2025-07-01"]
    assert backlog["sparkline"][0]["value"] == backlog["baseline"]["value"]
    assert backlog["expected"] == 1 and backlog["elapsed"] == 1.0


def test_progress_is_read_against_the_straight_line_as_time_passes(app, adopt):
    plan_id = adopt()["id"]

    def statuses(*day):
        now = datetime(*day, 12, tzinfo=ZoneInfo(TZ)).astimezone(UTC)
        with app.app_context():
            detail = plan_progress.plan_detail(plan_id, tz=TZ, now=now)
        return [(c["status"], c["now"]["value"]) for c in detail["commitments"]]

    # On adoption day "now" is the baseline window itself: standing still is on track.
    assert statuses(2025, 3, 3) == [("on_track", pytest.approx(1.0)), ("on_track", 3)]
    # Six weeks on, no light closed since Mar 18, and the backlog grew to 4 (r9 reopened)
    # while the line from 3 to 1 stands at 3 - 2 * 43 / 120.
    assert statuses(2025, 4, 15) == [("no_data", None), ("at_risk", 4)]


def test_the_list_counts_the_statuses_of_each_plans_latest_version(client, adopt):
    plan = adopt()
    [row] = client.get(API).get_json()
    assert row == {"id": plan["id"], "area": {"code": "6", "name": "Dorchester"},
                   "version": 1, "title": "Dorchester lights", "meeting_date": "2025-03-03",
                   "updated_at": plan["version_created_at"], "commitments": 2,
                   "status_counts": {"met": 0, "on_track": 0, "at_risk": 0, "missed": 1,
                                     "no_data": 1}}


# --- versions ---------------------------------------------------------------------------------

def test_an_amendment_is_a_new_version_and_the_old_one_stays_as_recorded(client, adopt,
                                                                         admin):
    plan = adopt()
    body = amendment(plan, title="Dorchester lights and backlog")
    body["commitments"][0]["target"] = 0.75  # the same definition: the baseline is carried
    body["commitments"][1]["family"] = "lighting"  # a new definition: recomputed
    body["commitments"].append({"metric": "within_sla_share", "family": "lighting",
                                "target": 0.9, "deadline": "2025-06-30",
                                "owner_kind": "department", "owner": "Public Works"})
    response = client.put(f"{API}/{plan['id']}", json=body, headers=admin.headers)
    assert response.status_code == 200, response.get_json()
    amended = response.get_json()
    assert amended["version"] == 2 and amended["title"] == "Dorchester lights and backlog"
    lights, backlog, sla = amended["commitments"]
    assert lights["target"] == 0.75
    assert lights["baseline"] == plan["commitments"][0]["baseline"]  # carried, not recomputed
    assert backlog["baseline"]["value"] == 1  # lighting only: r4
    assert backlog["baseline"]["recomputed"] is True
    assert (backlog["baseline"]["from"], backlog["baseline"]["to"]) == ("2025-02-03",
                                                                         "2025-03-03")
    assert sla["number"] == 3 and sla["baseline"]["value"] == 1.0
    assert amended["versions"][1]["changes"] == [
        "title: 'Dorchester lights' -> 'Dorchester lights and backlog'",
        "commitment 1 target: 0.5 -> 0.75",
        "commitment 2 family: None -> 'lighting'",
        "commitment 2 baseline recomputed (its definition changed)",
        "commitment 3 added: within_sla_share (lighting)",
    ]
    first = client.get(f"{API}/{plan['id']}/versions/1").get_json()
    assert first["title"] == "Dorchester lights" and first["changes"] == ["adopted"]
    assert [c["target"] for c in first["commitments"]] == [0.5, 1.0]
    assert first["commitments"][1]["baseline"]["value"] == 3
    assert "now" not in first["commitments"][0]  # a record, not a scorecard
    second = client.get(f"{API}/{plan['id']}/versions/2").get_json()
    assert second["changes"] == amended["versions"][1]["changes"]


def test_a_dropped_commitment_keeps_its_number_unused(client, adopt, admin):
    plan = adopt()
    body = amendment(plan)
    body["commitments"] = body["commitments"][:1]
    second = client.put(f"{API}/{plan['id']}", json=body, headers=admin.headers).get_json()
    assert second["versions"][1]["changes"] == ["commitment 2 removed"]
    body = amendment(second)
    body["commitments"].append({"metric": "open_backlog", "target": 2, "owner_kind": "group",
                                "deadline": "2025-06-30", "owner": "Example Watch Group"})
    third = client.put(f"{API}/{plan['id']}", json=body, headers=admin.headers).get_json()
    assert [c["number"] for c in third["commitments"]] == [1, 3]


def test_a_later_meeting_keeps_passed_commitments_and_adds_new_ones(client, adopt, admin):
    plan = adopt()
    body = amendment(plan, meeting_date="2025-09-01")  # after the deadlines of 2025-06-30
    body["commitments"].append({"metric": "open_backlog", "family": "lighting", "target": 0,
                                "deadline": "2025-12-31", "owner_kind": "department",
                                "owner": "PWD"})
    response = client.put(f"{API}/{plan['id']}", json=body, headers=admin.headers)
    assert response.status_code == 200, response.get_json()
    lights, backlog, new = response.get_json()["commitments"]
    assert (lights["deadline"], lights["adopted_on"]) == ("2025-06-30", "2025-03-03")
    assert (new["number"], new["adopted_on"]) == (3, "2025-09-01")
    moved = amendment(response.get_json(), title="Moved")
    moved["commitments"][0]["deadline"] = "2025-08-31"  # a moved deadline: after the meeting
    response = client.put(f"{API}/{plan['id']}", json=moved, headers=admin.headers)
    assert response.status_code == 422
    assert "deadline" in response.get_json()["errors"]["json"]["commitments"]["0"]


def test_an_amending_meeting_before_the_baseline_ends_is_refused(client, adopt, admin):
    plan = adopt()
    response = client.put(f"{API}/{plan['id']}", json=amendment(plan, meeting_date="2025-03-01"),
                          headers=admin.headers)
    assert response.status_code == 422
    assert "meeting_date" in response.get_json()["errors"]["json"]


def test_an_amendment_of_an_old_version_is_a_conflict(client, adopt, admin):
    plan = adopt()
    assert client.put(f"{API}/{plan['id']}", json=amendment(plan, title="A"),
                      headers=admin.headers).status_code == 200
    stale = client.put(f"{API}/{plan['id']}", json=amendment(plan, title="B"),
                       headers=admin.headers)
    assert stale.status_code == 409
    assert "not the latest" in stale.get_json()["message"]


@pytest.mark.engines("postgis")  # SQLite's BEGIN IMMEDIATE serializes the two writers
def test_two_amendments_racing_on_the_same_version_give_a_conflict(app, adopt, admin):
    plan = adopt()
    with app.app_context():
        seen = plan_services.load_plan(plan["id"])
        assert [v.number for v in seen.versions] == [1]  # this request read version 1 ...
        with db.engine.begin() as other:  # ... and another one committed version 2 meanwhile
            other.execute(insert(PlanVersion).values(
                plan_id=plan["id"], number=2, title="Theirs", meeting_date=date(2025, 3, 3),
                participants=["Public Works"], baseline_from=date(2025, 2, 3),
                baseline_to=date(2025, 3, 3), author_role="admin", change_note="Theirs.",
                created_at=datetime.now(UTC)))
        form = PlanForm(title="Ours", meeting_date=date(2025, 3, 3),
                        participants=("Public Works",), version=1, change_note="Ours.",
                        commitments=(CommitmentForm("open_backlog", 1.0, date(2025, 6, 30),
                                                    "group", "Example Civic Association"),))
        with pytest.raises(Conflict, match="amended meanwhile"):
            plan_services.amend_plan(plan["id"], form, actor=Actor(admin.id, Role.ADMIN),
                                     tz=TZ)
        db.session.rollback()


def test_an_amendment_that_changes_nothing_is_refused(client, adopt, admin):
    plan = adopt()
    response = client.put(f"{API}/{plan['id']}", json=amendment(plan), headers=admin.headers)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"json": {"_schema": ["Nothing changed."]}}
    assert len(client.get(f"{API}/{plan['id']}").get_json()["versions"]) == 1


def test_recorded_versions_cannot_be_changed_or_deleted(app, adopt):
    adopt()
    with app.app_context():
        version = db.session.scalar(select(PlanVersion))
        version.title = "Rewritten"
        with pytest.raises(ImmutableVersion):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(ImmutableVersion):
            db.session.delete(db.session.scalar(select(PlanVersion)))
            db.session.flush()
        db.session.rollback()


# --- who may -----------------------------------------------------------------------------------

# role -> (POST, PUT, GET list, GET plan): only admins record plans; everyone reads them.
MATRIX = {"anonymous": (401, 401, 200, 200), "resident": (403, 403, 200, 200),
          "officer": (403, 403, 200, 200), "staff": (403, 403, 200, 200),
          "moderator": (403, 403, 200, 200), "admin": (201, 200, 200, 200)}


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_record_plans_and_everyone_reads_them(client, adopt, create_account, role):
    plan = adopt()
    headers = ({} if role == "anonymous" else
               create_account(role, department="PWD" if role == "staff" else None).headers)
    got = (client.post(API, json=plan_body(), headers=headers).status_code,
           client.put(f"{API}/{plan['id']}", json=amendment(plan, title="New"),
                      headers=headers).status_code,
           client.get(API, headers=headers).status_code,
           client.get(f"{API}/{plan['id']}", headers=headers).status_code)
    assert got == MATRIX[role]


# --- bad input ----------------------------------------------------------------------------------

def commitment(**fields) -> dict:
    return plan_body()["commitments"][0] | fields


# (desc, body overrides, the field path in errors.json)
BAD = [
    ("unknown neighborhood", dict(neighborhood="nowhere"), ["neighborhood"]),
    ("meeting in the future", dict(meeting_date="2999-01-01", baseline_from="2998-10-01",
                                   baseline_to="2998-12-01"), ["meeting_date"]),
    ("baseline after the meeting", dict(baseline_to="2025-03-04"), ["baseline_to"]),
    ("baseline backwards", dict(baseline_from="2025-03-03", baseline_to="2025-02-03"),
     ["baseline_from"]),
    ("baseline too short", dict(baseline_from="2025-03-01"), ["baseline_to"]),
    ("a person as a participant", dict(participants=["Public Works", "Mrs. Jones"]),
     ["participants", "1"]),
    ("an email as a participant", dict(participants=["pat@example.org"]),
     ["participants", "0"]),
    ("no participant", dict(participants=[]), ["participants"]),
    ("unknown metric", dict(commitments=[commitment(metric="happiness")]),
     ["commitments", "0", "metric"]),
    ("a family-bound metric without a family", dict(commitments=[commitment(family=None)]),
     ["commitments", "0", "family"]),
    ("per-resident rate without population", dict(commitments=[commitment(
        metric="reports_per_1000")]), ["commitments", "0", "metric"]),
    ("a share above 1", dict(commitments=[commitment(metric="within_sla_share",
                                                     target=85)]),
     ["commitments", "0", "target"]),
    ("a negative target", dict(commitments=[commitment(target=-1)]),
     ["commitments", "0", "target"]),
    ("deadline before the meeting", dict(commitments=[commitment(deadline="2025-03-01")]),
     ["commitments", "0", "deadline"]),
    ("deadline too far", dict(commitments=[commitment(deadline="2035-03-01")]),
     ["commitments", "0", "deadline"]),
    ("unknown department", dict(commitments=[commitment(owner="Ministry of Magic")]),
     ["commitments", "0", "owner"]),
    ("a person as the owning group", dict(commitments=[commitment(owner_kind="group",
                                                                  owner="Dr Alvarez")]),
     ["commitments", "0", "owner"]),
    ("a number on adoption", dict(commitments=[commitment(number=1)]),
     ["commitments", "0", "number"]),
    ("no commitment", dict(commitments=[]), ["commitments"]),
    ("an unknown field", dict(mayor="Pat"), ["mayor"]),
    ("a year out of range", dict(meeting_date="0001-01-01"), ["meeting_date"]),
]


@pytest.mark.parametrize("overrides, path", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_input_is_a_422_naming_the_field_and_nothing_is_stored(client, scenario, admin,
                                                                   overrides, path):
    response = client.post(API, json=plan_body(**overrides), headers=admin.headers)
    assert response.status_code == 422, response.get_json()
    node = response.get_json()["errors"]["json"]
    for part in path:
        node = node[part]
    assert node and all(isinstance(m, str) for m in node)
    assert client.get(API).get_json() == []


def test_an_amendment_naming_an_unknown_commitment_is_a_422(client, adopt, admin):
    plan = adopt()
    body = amendment(plan)
    body["commitments"][0]["number"] = 7
    response = client.put(f"{API}/{plan['id']}", json=body, headers=admin.headers)
    assert response.status_code == 422
    assert "number" in response.get_json()["errors"]["json"]["commitments"]["0"]


@pytest.mark.parametrize("path", [f"{API}/999", f"{API}/99999999999", f"{API}/1/versions/1"])
def test_unknown_plans_and_versions_are_404(client, scenario, path):
    assert client.get(path).status_code == 404


def test_an_unknown_version_of_a_known_plan_is_404(client, adopt):
    plan = adopt()
    assert client.get(f"{API}/{plan['id']}/versions/2").status_code == 404
    assert client.get(f"{API}/{plan['id']}/versions/99999999999").status_code == 404
