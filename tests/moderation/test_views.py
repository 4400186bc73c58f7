"""Moderation over HTTP: flags hold a report, the queue per role, decisions, the ban list."""

import pytest

from neighborhood.extensions import db
from neighborhood.moderation.models import ContentFlag

API = "/api/v1/moderation"


@pytest.fixture
def report_id(client, lifecycle_city, dummy_report_body):
    return client.post("/api/v1/reports", json=dummy_report_body).json["id"]


@pytest.fixture
def moderator(create_account):
    return create_account("moderator")


def flag(client, report_id, device, reason="offensive", **body):
    return client.post(f"/api/v1/reports/{report_id}/flags",
                       json={"reason": reason, "device_id": device, **body})


def public(client, report_id) -> bool:
    listed = client.get("/api/v1/reports").json["features"]
    return (client.get(f"/api/v1/reports/{report_id}").status_code == 200
            and any(f["id"] == report_id for f in listed))


def test_three_flags_from_different_people_hold_a_report_for_review(client, report_id,
                                                                    moderator):
    first = flag(client, report_id, "device-one", note="Insults a neighbour by name.")
    assert first.status_code == 201
    assert first.json == {"report_id": report_id, "flagged": True, "held_for_review": False}
    again = flag(client, report_id, "device-one")  # the same device again: no second flag
    assert again.json["flagged"] is False
    flag(client, report_id, "device-two", reason="personal_information")
    assert public(client, report_id)
    third = flag(client, report_id, "device-three", reason="spam")
    assert third.json["held_for_review"] is True
    assert not public(client, report_id)
    assert client.get(f"/open311/v2/requests/{report_id}.json").status_code == 404

    queue = client.get(f"{API}/queue", headers=moderator.headers).json
    assert [(q["id"], q["status"], q["flag_count"]) for q in queue] == [
        (report_id, "pending_review", 3)]
    assert queue[0]["reasons"] == {"offensive": 1, "personal_information": 1, "spam": 1}
    assert queue[0]["notes"] == ["Insults a neighbour by name."]
    timeline = client.get(f"/api/v1/reports/{report_id}", headers=moderator.headers).json
    last = timeline["properties"]["timeline"][-1]
    assert (last["to"], last["actor_role"]) == ("pending_review", "system")


def test_a_moderator_publishes_again_and_the_flags_are_resolved(client, report_id, moderator):
    for device in ("device-one", "device-two", "device-three"):
        flag(client, report_id, device)
    decided = client.post(f"{API}/reports/{report_id}/decision", headers=moderator.headers,
                          json={"decision": "publish", "note": "Rude, not abusive."})
    assert decided.status_code == 200, decided.json
    assert decided.json["status"] == "open"
    assert public(client, report_id)
    assert client.get(f"{API}/queue", headers=moderator.headers).json == []


def test_a_removed_report_never_comes_back_to_the_queue_or_the_public(client, report_id,
                                                                       moderator):
    flag(client, report_id, "device-one")
    removed = client.post(f"{API}/reports/{report_id}/decision", headers=moderator.headers,
                          json={"decision": "remove"})
    assert removed.json["status"] == "pending_review"
    assert not public(client, report_id)
    assert client.get(f"{API}/queue", headers=moderator.headers).json == []
    assert flag(client, report_id, "device-two").status_code == 404  # not public: no flags


def test_keep_dismisses_the_flags_of_a_public_report(client, report_id, moderator):
    flag(client, report_id, "device-one")
    kept = client.post(f"{API}/reports/{report_id}/decision", headers=moderator.headers,
                       json={"decision": "keep"})
    assert kept.json["status"] == "open" and public(client, report_id)
    assert client.get(f"{API}/queue", headers=moderator.headers).json == []


def test_a_held_report_cannot_be_kept(client, report_id, moderator):
    client.post(f"{API}/reports/{report_id}/decision", headers=moderator.headers,
                json={"decision": "hide"})
    refused = client.post(f"{API}/reports/{report_id}/decision", headers=moderator.headers,
                          json={"decision": "keep"})
    assert refused.status_code == 409


@pytest.mark.parametrize("role, status", [(None, 401), ("resident", 403), ("officer", 403),
                                          ("staff", 403), ("moderator", 200), ("admin", 200)])
def test_only_moderators_and_admins_see_the_queue_and_the_ban_list(client, lifecycle_city,
                                                                   create_account, role,
                                                                   status):
    headers = {}
    if role:
        account = create_account(role, department="PWD" if role == "staff" else None)
        headers = account.headers
    assert client.get(f"{API}/queue", headers=headers).status_code == status
    assert client.get(f"{API}/bans", headers=headers).status_code == status


@pytest.mark.parametrize("role, status", [(None, 401), ("resident", 403), ("staff", 403)])
def test_only_moderators_decide(client, report_id, create_account, role, status):
    headers = create_account(role, department="PWD" if role == "staff" else None).headers \
        if role else {}
    response = client.post(f"{API}/reports/{report_id}/decision", headers=headers,
                           json={"decision": "hide"})
    assert response.status_code == status
    assert public(client, report_id)


def test_a_banned_address_or_domain_cannot_report_or_follow(app, client, lifecycle_city,
                                                             dummy_report_body, moderator):
    added = client.post(f"{API}/bans", headers=moderator.headers,
                        json={"pattern": "spam.example", "note": "A flood of fake reports."})
    assert added.status_code == 201 and added.json["pattern"] == "@spam.example"
    assert client.post(f"{API}/bans", headers=moderator.headers,
                       json={"pattern": "SPAM.example"}).status_code == 409
    body = dummy_report_body | {"contact": {"email": "x@mail.spam.example"}}
    refused = client.post("/api/v1/reports", json=body)
    assert refused.status_code == 403
    report_id = client.post("/api/v1/reports", json=dummy_report_body).json["id"]
    assert client.post(f"/api/v1/reports/{report_id}/follow",
                       json={"email": "y@spam.example"}).status_code == 403
    with app.app_context():
        from neighborhood.reports.models import Report
        assert db.session.query(Report).count() == 1  # nothing half-written

    ban_id = added.json["id"]
    assert client.delete(f"{API}/bans/{ban_id}", headers=moderator.headers).status_code == 204
    assert client.post("/api/v1/reports", json=body).status_code == 201


def test_a_bad_ban_entry_is_a_422_on_the_pattern(client, moderator):
    response = client.post(f"{API}/bans", headers=moderator.headers, json={"pattern": "nodot"})
    assert response.status_code == 422 and "pattern" in response.json["errors"]["json"]


def test_an_unknown_flag_reason_is_a_422(client, report_id):
    response = flag(client, report_id, "device-one", reason="boring")
    assert response.status_code == 422 and "reason" in response.json["errors"]["json"]


def test_flags_keep_no_address_of_the_flagger(app, client, report_id):
    flag(client, report_id, "device-secret-1")
    with app.app_context():
        row = db.session.query(ContentFlag).one()
        assert row.flagger.startswith("device:") and "secret" not in row.flagger
