"""A February of hand-built reports with known figures (see Scenario), for both engines.

Every report goes through the real services (submit_report, transition_report,
support_report) with explicit times, so the timelines are the ones the app writes. The range
under test is February 2025 in Boston time: from=2025-02-03 (a Monday) to=2025-03-03, four
whole ISO weeks, all in EST (UTC-5). The expected figures in the tests are worked out by hand
from the table below, not read back from the implementation.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from neighborhood.accounts.permissions import Actor, Role
from neighborhood.extensions import db
from neighborhood.reports.engagement import support_report
from neighborhood.reports.models import Category
from neighborhood.reports.services import Submission, submit_report
from neighborhood.workflow.services import TransitionRequest, transition_report

BOSTON = ZoneInfo("America/New_York")
BEACON_HILL = (42.3550, -71.0656)  # neighborhood code "30"
DORCHESTER = (42.3016, -71.0676)  # neighborhood code "6"
RANGE = {"from": "2025-02-03", "to": "2025-03-03"}


def local(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """Return a 2025 Boston wall-clock time as an aware UTC datetime."""
    return datetime(2025, month, day, hour, minute, tzinfo=BOSTON).astimezone(UTC)


@dataclass(frozen=True)
class Scenario:
    """Report ids by name.

    Boston time, 2025, 10:00 unless given; light = street_light_outage (PWD, 15-day SLA),
    sign = missing_sign (BTD, 14 days), food = unsanitary_food (sensitive, no department,
    2 days); BH = Beacon Hill, D = Dorchester.

    - r1 light BH: created Feb 3, acknowledged 12:00, resolved Feb 4
    - r2 light BH: created Feb 4, in_progress Feb 5, resolved Feb 24 (due Feb 19)
    - r3 light D: created Feb 10, one support 10:30, closed 11:00 as a duplicate of r1
    - r4 light D: created Feb 11, untouched
    - r5 light BH: created Feb 25, untouched
    - r6 light D: created Feb 12, resolved Feb 13, reopened by a resident Feb 14, resolved
      Feb 20
    - r7 light BH: created Jan 20, resolved Feb 5 (due Feb 4)
    - r8 light BH: created Feb 26, resolved Mar 5 (after the range)
    - r9 light D: created Feb 6, resolved Feb 7, reopened by staff Mar 4, open now
    - r10 food BH: created Feb 10, held for review (hidden)
    - r11 light BH: created Feb 18, hidden by a moderator 12:00
    - r12 sign D: created Feb 17, acknowledged 15:00
    - r13 light BH: created Sunday Feb 2 22:00 (Monday 03:00 UTC), untouched
    - r14 light D: created Sunday Feb 9 22:00, resolved Monday Feb 10 22:00
    - r15 food D: created Jan 10, published by a moderator 12:00, open
    """

    ids: dict[str, int]

    def __getitem__(self, name: str) -> int:
        return self.ids[name]


def build_scenario(app, lifecycle_city, create_category, create_account) -> Scenario:
    """Store the reports of Scenario (with the conftest factories) and return their ids."""
    create_category("missing_sign", "Missing sign", "signs", sla_days=14)
    create_category("unsanitary_food", "Unsanitary food", "problem_business", sla_days=2,
                    sensitive=True)

    def actor(role, department=None):
        account = create_account(role, department=department)
        return Actor(account.id, Role(role), lifecycle_city[department] if department else None)

    pwd, btd = actor("staff", "PWD"), actor("staff", "BTD")
    moderator, resident = actor("moderator"), actor("resident")
    ids: dict[str, int] = {}
    with app.app_context():
        sign = db.session.scalar(select(Category).where(Category.code == "missing_sign"))
        sign.default_department_id = lifecycle_city["BTD"]

        def submit(name, at, where, category="street_light_outage"):
            data = {"category": category, "description": f"Report {name}.",
                    "lat": where[0], "lon": where[1]}
            ids[name] = submit_report(Submission(data=data), now=at).report.id

        def move(name, who, to, at, **fields):
            transition_report(ids[name], who, TransitionRequest(to=to, **fields), now=at)

        submit("r15", local(1, 10), DORCHESTER, "unsanitary_food")
        move("r15", moderator, "open", local(1, 10, 12))
        submit("r7", local(1, 20), BEACON_HILL)
        submit("r13", local(2, 2, 22), BEACON_HILL)
        submit("r1", local(2, 3), BEACON_HILL)
        move("r1", pwd, "acknowledged", local(2, 3, 12))
        submit("r2", local(2, 4), BEACON_HILL)
        move("r1", pwd, "resolved", local(2, 4), note="New lamp.")
        move("r2", pwd, "in_progress", local(2, 5))
        move("r7", pwd, "resolved", local(2, 5), note="Fixed.")
        submit("r9", local(2, 6), DORCHESTER)
        move("r9", pwd, "resolved", local(2, 7), note="Fixed.")
        submit("r14", local(2, 9, 22), DORCHESTER)
        submit("r3", local(2, 10), DORCHESTER)
        support_report(ids["r3"], Actor(), device="device-for-r3", now=local(2, 10, 10, 30))
        move("r3", pwd, "closed", local(2, 10, 11), reason="duplicate", duplicate_of=ids["r1"],
             note="Same lamp as r1.")
        submit("r10", local(2, 10), BEACON_HILL, "unsanitary_food")
        move("r14", pwd, "resolved", local(2, 10, 22), note="Fixed.")
        submit("r4", local(2, 11), DORCHESTER)
        submit("r6", local(2, 12), DORCHESTER)
        move("r6", pwd, "resolved", local(2, 13), note="Fixed.")
        move("r6", resident, "open", local(2, 14), note="Still dark.")
        submit("r12", local(2, 17), DORCHESTER, "missing_sign")
        move("r12", btd, "acknowledged", local(2, 17, 15))
        submit("r11", local(2, 18), BEACON_HILL)
        move("r11", moderator, "pending_review", local(2, 18, 12), note="Personal data.")
        move("r6", pwd, "resolved", local(2, 20), note="Fixed for real.")
        move("r2", pwd, "resolved", local(2, 24), note="Fixed late.")
        submit("r5", local(2, 25), BEACON_HILL)
        submit("r8", local(2, 26), BEACON_HILL)
        move("r9", pwd, "open", local(3, 4), note="Out again.")
        move("r8", pwd, "resolved", local(3, 5), note="Fixed.")
        db.session.commit()
    return Scenario(ids)


def plan_body(**overrides) -> dict:
    """A valid adoption: Dorchester lights (Public Works) and backlog (a community group)."""
    return {
        "neighborhood": "6", "title": "Dorchester lights", "meeting_date": "2025-03-03",
        "baseline_from": "2025-02-03", "baseline_to": "2025-03-03",
        "participants": ["Public Works", "Example Civic Association"],
        "commitments": [
            {"metric": "median_days_to_resolve", "family": "lighting", "target": 0.5,
             "deadline": "2025-06-30", "owner_kind": "department", "owner": "PWD",
             "description": "Fix a dark light within half a day."},
            {"metric": "open_backlog", "target": 1, "deadline": "2025-06-30",
             "owner_kind": "group", "owner": "Example Civic Association"},
        ]} | overrides


def amendment(plan: dict, **overrides) -> dict:
    """The plan as it stands, as a PUT body (commitments keep their numbers)."""
    commitments = [{"number": c["number"], "metric": c["metric"], "family": c["family"],
                    "target": c["target"], "deadline": c["deadline"],
                    "owner_kind": c["owner"]["kind"],
                    "owner": c["owner"]["department"] or c["owner"]["name"],
                    "description": c["description"]} for c in plan["commitments"]]
    return {"version": plan["version"], "title": plan["title"],
            "meeting_date": plan["meeting_date"], "participants": plan["participants"],
            "population": plan["population"], "change_note": "Amended at a follow-up meeting.",
            "commitments": commitments} | overrides
