"""`flask seed-demo` adds an example action plan whose scorecard is real, on both engines.

Dorchester, adopted at a meeting on 2015-03-15 with the baseline window 2015-01-01 to
2015-03-14 and deadlines on 2015-12-31 (docs/accountability.md). Its baselines must be the
figures GET /api/v1/stats gives for Dorchester over the baseline window, and every commitment
must show a current value and a full sparkline.
"""

from sqlalchemy import func, select

from neighborhood.accountability.plan_models import Plan
from neighborhood.demo.services import seed_demo, seed_demo_plan
from neighborhood.extensions import db

BASELINE = {"from": "2015-01-01", "to": "2015-03-15"}


def dorchester(client, family: str) -> dict:
    rows = client.get("/api/v1/stats", query_string={"group_by": "neighborhood",
                                                     "family": family, **BASELINE}).get_json()
    return next(row for row in rows if row["neighborhood"] == "6")


def test_the_seeded_demo_plan_shows_a_real_scorecard(app, client):
    with app.app_context():
        seed_demo()
        db.session.commit()
    [summary] = client.get("/api/v1/plans").get_json()
    assert summary["area"] == {"code": "6", "name": "Dorchester"}
    assert summary["meeting_date"] == "2015-03-15" and summary["commitments"] == 3
    plan = client.get(f"/api/v1/plans/{summary['id']}").get_json()
    assert (plan["baseline_from"], plan["baseline_to"]) == ("2015-01-01", "2015-03-15")
    assert plan["author_role"] == "system"
    assert [c["metric"] for c in plan["commitments"]] == [
        "median_days_to_resolve", "within_sla_share", "open_backlog"]
    for c in plan["commitments"]:
        assert c["baseline"]["value"] is not None and c["baseline"]["n"] > 0, c
        assert c["now"]["value"] is not None and c["now"]["n"] > 0, c
        assert c["status"] in ("met", "missed")  # the deadline (2015-12-31) has passed
        assert len(c["sparkline"]) == 11  # the baseline, Apr 1 ... Dec 1, and now
        assert all(p["value"] is not None for p in c["sparkline"])
        assert c["owner"]["kind"] == "department"
    assert sum(plan["status_counts"].values()) == 3

    lights, signs, backlog = plan["commitments"]
    light_row, sign_row = dorchester(client, "lighting"), dorchester(client, "signs")
    assert lights["baseline"]["value"] == light_row["resolve_median_hours"] / 24
    assert lights["baseline"]["n"] == light_row["resolve_n"]
    assert signs["baseline"]["value"] == sign_row["within_sla_share"]
    assert backlog["baseline"]["value"] == light_row["backlog"]


def test_seeding_the_demo_plan_again_adds_nothing(app):
    with app.app_context():
        seed_demo()
        db.session.commit()
        assert seed_demo_plan("America/New_York") is None
        assert db.session.scalar(select(func.count(Plan.id))) == 1
