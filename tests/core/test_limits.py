"""Rate limits: intake, sign-in and engagement answer 429 with Retry-After past their limit."""

import re

import pytest

from neighborhood.extensions import limiter


@pytest.fixture
def limited(app):
    """The app with small, real limits and fresh counters."""
    app.config.update(RATE_LIMIT_INTAKE="2 per minute", RATE_LIMIT_ENGAGEMENT="2 per minute",
                      RATE_LIMIT_LOGIN="6 per minute", RATE_LIMIT_LOGIN_ACCOUNT="2 per minute")
    with app.app_context():
        limiter.reset()
    return app


def assert_limited(response):
    assert response.status_code == 429, response.get_data(as_text=True)[:300]
    assert int(response.headers["Retry-After"]) > 0


def csrf(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_intake_is_limited_per_caller_across_the_api_and_the_form(limited, client,
                                                                  lifecycle_city,
                                                                  dummy_report_body):
    codes = [client.post("/api/v1/reports", json=dummy_report_body | {"description": f"n{i}"}
                         ).status_code for i in range(2)]
    assert codes == [201, 201]
    over = client.post("/api/v1/reports", json=dummy_report_body)
    assert_limited(over)
    assert over.json["code"] == 429 and "Too many requests" in over.json["message"]
    token = csrf(client, "/reports/new")
    form = client.post("/reports/new", data={"csrf_token": token, "category": "x"})
    assert_limited(form)  # the same allowance: the form is not a way around it
    assert "text/html" in form.content_type


def test_officers_are_not_limited_on_intake(limited, client, lifecycle_city, create_account,
                                            dummy_report_body):
    officer = create_account("officer")
    codes = {client.post("/api/v1/reports", headers=officer.headers,
                         json=dummy_report_body | {"description": f"walk {i}"}).status_code
             for i in range(4)}
    assert codes == {201}


def test_support_and_follow_share_the_engagement_limit(limited, client, lifecycle_city,
                                                       dummy_report_body):
    report_id = client.post("/api/v1/reports", json=dummy_report_body).json["id"]
    first = client.post(f"/api/v1/reports/{report_id}/support", json={"device_id": "d" * 16})
    second = client.post(f"/api/v1/reports/{report_id}/follow",
                         json={"email": "neighbour@example.org"})
    assert first.status_code in (200, 201) and second.status_code in (200, 201, 202)
    assert_limited(client.post(f"/api/v1/reports/{report_id}/support",
                               json={"device_id": "e" * 16}))


def test_failed_sign_ins_are_throttled_per_account(limited, client, create_account):
    create_account("resident", email="pat@example.org", password="correct horse battery")
    for _ in range(2):
        assert client.post("/api/v1/auth/login", json={"email": "pat@example.org",
                                                       "password": "wrong"}).status_code == 401
    assert_limited(client.post("/api/v1/auth/login", json={"email": "PAT@example.org",
                                                           "password": "wrong"}))
    # The web form counts against the same account, and so does the right password now.
    token = csrf(client, "/login")
    assert_limited(client.post("/login", data={"csrf_token": token, "email": "pat@example.org",
                                               "password": "correct horse battery"}))
    # Another account from the same address is still served.
    assert client.post("/api/v1/auth/login", json={"email": "sam@example.org",
                                                   "password": "wrong"}).status_code == 401


def test_successful_sign_ins_do_not_count_against_the_account(limited, create_account):
    create_account("resident", email="pat@example.org", password="correct horse battery")
    for _ in range(3):  # three browsers
        response = limited.test_client().post("/api/v1/auth/login", json={"email": "pat@example.org",
                                                            "password": "correct horse battery"})
        assert response.status_code == 200


def test_sign_in_is_limited_per_address(limited, client):
    for i in range(6):
        client.post("/api/v1/auth/login", json={"email": f"u{i}@example.org", "password": "x"})
    assert_limited(client.post("/api/v1/auth/login", json={"email": "u9@example.org",
                                                           "password": "x"}))
