"""api_keys: admins issue, list and revoke them (CLI and API); only digests are stored."""

import hashlib

import pytest
from sqlalchemy import select

from neighborhood.extensions import db
from neighborhood.open311.models import ApiKey

KEYS = "/api/v1/open311/keys"


def test_create_key_prints_the_key_as_the_last_word_and_stores_only_its_digest(app, runner):
    result = runner.invoke(args=["open311", "create-key", "Boston CRM bridge"])
    assert result.exit_code == 0, result.output
    plain = result.output.split()[-1]
    assert plain.startswith("o311_") and len(plain) > 40
    with app.app_context():
        key = db.session.scalar(select(ApiKey))
        assert key.name == "Boston CRM bridge"
        assert key.digest == hashlib.sha256(plain.encode()).hexdigest()
        assert plain not in (key.digest, key.prefix) and plain[5:13] == key.prefix


def test_list_keys_shows_state_and_reports_made_never_the_key(app, runner, client,
                                                              open311_city, light_form):
    assert client.post("/open311/v2/requests.json", data=light_form).status_code == 201
    runner.invoke(args=["open311", "create-key", "Unused app"])
    result = runner.invoke(args=["open311", "list-keys"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    assert "Unused app" in lines[0] and "never used" in lines[0] and "0 reports" in lines[0]
    assert "Test CRM" in lines[1] and "active" in lines[1] and "1 reports" in lines[1]
    assert light_form["api_key"] not in result.output


def test_list_keys_says_how_to_start_when_there_are_none(runner):
    assert "create-key" in runner.invoke(args=["open311", "list-keys"]).output


def test_revoke_key_by_name_or_id_and_unknown_keys_fail_cleanly(app, runner):
    runner.invoke(args=["open311", "create-key", "One"])
    runner.invoke(args=["open311", "create-key", "Two"])
    assert runner.invoke(args=["open311", "revoke-key", "one"]).exit_code == 0
    with app.app_context():
        two_id = db.session.scalar(select(ApiKey.id).where(ApiKey.name == "Two"))
    assert runner.invoke(args=["open311", "revoke-key", str(two_id)]).exit_code == 0
    assert "revoked" in runner.invoke(args=["open311", "list-keys"]).output
    missing = runner.invoke(args=["open311", "revoke-key", "Three"])
    assert missing.exit_code == 1 and "No api_key 'Three'" in missing.output


def test_a_duplicate_name_is_refused(runner):
    runner.invoke(args=["open311", "create-key", "Same"])
    result = runner.invoke(args=["open311", "create-key", " same "])
    assert result.exit_code == 1 and "already exists" in result.output


def test_admins_manage_keys_through_the_api(app, client, create_account, open311_city,
                                             light_form):
    admin = create_account("admin")
    created = client.post(KEYS, json={"name": "Mobile app"}, headers=admin.headers)
    assert created.status_code == 201
    plain = created.json["api_key"]
    form = {**light_form, "api_key": plain}
    assert client.post("/open311/v2/requests.json", data=form).status_code == 201
    listed = client.get(KEYS, headers=admin.headers).json
    assert [(k["name"], k["reports"]) for k in listed][0] == ("Mobile app", 1)
    assert all("api_key" not in k for k in listed)
    with app.app_context():
        key = db.session.scalar(select(ApiKey).where(ApiKey.name == "Mobile app"))
        assert key.created_by_id == admin.id
    revoked = client.delete(f"{KEYS}/{created.json['id']}", headers=admin.headers)
    assert revoked.status_code == 200 and revoked.json["revoked_at"]
    assert client.post("/open311/v2/requests.json", data=form).status_code == 403
    assert client.delete(f"{KEYS}/99999", headers=admin.headers).status_code == 404
    assert client.post(KEYS, json={"name": "Mobile app"},
                       headers=admin.headers).status_code == 409


@pytest.mark.parametrize("role, status", [(None, 401), ("resident", 403), ("officer", 403),
                                          ("staff", 403), ("moderator", 403)])
def test_only_admins_may_touch_keys(client, create_account, lifecycle_city, role, status):
    headers = create_account(role, department="PWD" if role == "staff" else None).headers \
        if role else {}
    assert client.get(KEYS, headers=headers).status_code == status
    assert client.post(KEYS, json={"name": "Sneaky"}, headers=headers).status_code == status
    assert client.delete(f"{KEYS}/1", headers=headers).status_code == status


def test_bad_key_names_get_422(client, create_account):
    admin = create_account("admin")
    for body in ({}, {"name": ""}, {"name": "x" * 101}, {"name": "ok", "extra": 1}):
        response = client.post(KEYS, json=body, headers=admin.headers)
        assert response.status_code == 422, body
