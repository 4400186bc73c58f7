"""Signing in and out over HTTP: session cookies for the web app, bearer tokens for the API."""

import pytest
from sqlalchemy import select

from neighborhood.accounts.models import ApiToken, User
from neighborhood.accounts.services import create_token, create_user, revoke_token
from neighborhood.extensions import db

PASSWORD = "correct horse battery staple"
WWW_AUTHENTICATE = 'Bearer realm="neighborhood"'


@pytest.fixture
def pat(app):
    """A resident who signs in with a password."""
    with app.app_context():
        user = create_user("pat@example.org", "resident", password=PASSWORD)
        db.session.commit()
        return user.id


def login(client, email="pat@example.org", password=PASSWORD):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def session_cookie(response) -> str | None:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return cookies[0] if cookies else None


def assert_unauthorized(response):
    assert response.status_code == 401, response.json
    assert response.headers["WWW-Authenticate"] == WWW_AUTHENTICATE
    assert response.json["code"] == 401


# --- login -------------------------------------------------------------------------------


def test_login_sets_an_httponly_samesite_lax_session_cookie(client, pat):
    response = login(client)
    assert response.status_code == 200, response.json
    cookie = session_cookie(response)
    assert cookie is not None
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert "httponly" in attributes
    assert "samesite=lax" in attributes


def test_login_returns_the_account(client, pat):
    body = login(client).json
    assert body == {"id": pat, "email": "pat@example.org", "display_name": "pat",
                    "role": "resident", "department": None}
    assert "password" not in body


def test_login_is_case_insensitive_about_the_address(client, pat):
    assert login(client, email="PAT@Example.org").status_code == 200


@pytest.mark.parametrize("email, password", [
    ("pat@example.org", "not the password"),
    ("nobody@example.org", PASSWORD),
], ids=["wrong-password", "unknown-email"])
def test_failed_login_is_401_with_one_message_and_no_session(client, pat, email, password):
    response = login(client, email, password)
    assert_unauthorized(response)
    assert response.json["message"] == "Wrong email or password."
    assert session_cookie(response) is None
    assert_unauthorized(client.get("/api/v1/auth/me"))


def test_an_inactive_account_cannot_log_in(app, client, pat):
    with app.app_context():
        db.session.get(User, pat).active = False
        db.session.commit()
    assert_unauthorized(login(client))


@pytest.mark.parametrize("body", [
    {"email": "pat@example.org"},
    {"password": PASSWORD},
    {"email": "pat@example.org", "password": PASSWORD, "remember": True},
    # Found by the OpenAPI contract run: PostgreSQL refuses a text with NUL in it (a 500).
    {"email": "pat\x00@example.org", "password": PASSWORD},
], ids=["no-password", "no-email", "unknown-field", "NUL-in-email"])
def test_a_malformed_login_is_422(client, pat, body):
    response = client.post("/api/v1/auth/login", json=body)
    assert response.status_code == 422
    assert session_cookie(response) is None


# --- me ----------------------------------------------------------------------------------


def test_me_works_with_the_session(client, pat):
    login(client)
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 200
    assert response.json["id"] == pat
    assert response.json["email"] == "pat@example.org"


def test_me_works_with_a_bearer_token(client, lifecycle_city, create_account):
    staff = create_account("staff", department="PWD")
    response = client.get("/api/v1/auth/me", headers=staff.headers)
    assert response.status_code == 200
    assert response.json == {"id": staff.id, "email": staff.email,
                             "display_name": staff.email.split("@")[0], "role": "staff",
                             "department": "Public Works"}


def test_a_bearer_token_sets_no_session_cookie(client, create_account):
    account = create_account("resident")
    response = client.get("/api/v1/auth/me", headers=account.headers)
    assert response.status_code == 200
    assert session_cookie(response) is None
    assert_unauthorized(client.get("/api/v1/auth/me"))  # nothing remembered


def test_me_is_401_when_anonymous(client):
    response = client.get("/api/v1/auth/me")
    assert_unauthorized(response)


def test_an_inactive_accounts_session_no_longer_counts(app, client, pat):
    login(client)
    with app.app_context():
        db.session.get(User, pat).active = False
        db.session.commit()
    assert_unauthorized(client.get("/api/v1/auth/me"))


# --- CSRF on session writes -------------------------------------------------------------


def test_a_session_write_without_the_csrf_token_is_refused(client, pat):
    login(client)
    response = client.post("/api/v1/auth/logout")
    assert response.status_code == 400
    assert "CSRF" in response.json["message"]
    assert client.get("/api/v1/auth/me").status_code == 200  # still signed in


def test_me_hands_a_session_its_csrf_token_and_a_bearer_caller_none(client, pat,
                                                                    create_account):
    login(client)
    assert client.get("/api/v1/auth/me").headers["X-CSRFToken"]
    account = create_account("resident")
    assert "X-CSRFToken" not in client.get("/api/v1/auth/me", headers=account.headers).headers


def test_a_bearer_write_needs_no_csrf_token(client, create_account):
    account = create_account("resident")
    assert client.post("/api/v1/auth/logout", headers=account.headers).status_code == 204


# --- logout ------------------------------------------------------------------------------


def test_logout_ends_the_session(client, pat):
    token = login(client).headers["X-CSRFToken"]
    assert client.get("/api/v1/auth/me").status_code == 200
    response = client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token})
    assert response.status_code == 204
    assert_unauthorized(client.get("/api/v1/auth/me"))


def test_logout_when_anonymous_is_harmless(client):
    assert client.post("/api/v1/auth/logout").status_code == 204


# --- bad credentials on public endpoints -------------------------------------------------


@pytest.mark.parametrize("header", [
    "Basic cGF0OnNlY3JldA==", "Bearer", "Bearer    ", "Token nbh_abc", "nbh_abc",
], ids=["basic-scheme", "bearer-without-token", "bearer-blank", "other-scheme", "no-scheme"])
def test_a_malformed_authorization_header_is_401_even_on_a_public_endpoint(client, header):
    assert client.get("/api/v1/categories").status_code == 200
    response = client.get("/api/v1/categories", headers={"Authorization": header})
    assert_unauthorized(response)
    assert "Bearer" in response.json["message"]


def test_an_unknown_token_is_401_even_on_a_public_endpoint(client):
    response = client.get("/api/v1/categories", headers={"Authorization": "Bearer nbh_nope"})
    assert_unauthorized(response)


def test_a_revoked_token_is_401_even_on_a_public_endpoint(app, client, create_account):
    account = create_account("resident")
    assert client.get("/api/v1/categories", headers=account.headers).status_code == 200
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == account.id))
        revoke_token(token_id)
        db.session.commit()
    assert_unauthorized(client.get("/api/v1/categories", headers=account.headers))
    assert_unauthorized(client.get("/api/v1/auth/me", headers=account.headers))


def test_the_bearer_scheme_is_case_insensitive(client, create_account):
    account = create_account("resident")
    headers = {"Authorization": f"bearer {account.token}"}
    assert client.get("/api/v1/auth/me", headers=headers).json["id"] == account.id


def test_an_invalid_token_is_401_even_with_a_valid_session(client, pat):
    # auth.py promises that an invalid token is a 401 even on public endpoints; a session
    # cookie sent alongside must not make the server silently ignore a bad token.
    login(client)
    response = client.get("/api/v1/categories", headers={"Authorization": "Bearer nbh_nope"})
    assert_unauthorized(response)


def test_a_token_of_an_inactive_account_is_401(app, client, create_account):
    account = create_account("resident")
    with app.app_context():
        db.session.get(User, account.id).active = False
        db.session.commit()
    assert_unauthorized(client.get("/api/v1/categories", headers=account.headers))


def test_tokens_issued_by_the_service_authenticate_over_http(app, client, pat):
    with app.app_context():
        _, plain = create_token(db.session.get(User, pat), "cli")
        db.session.commit()
    response = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {plain}"})
    assert response.json["email"] == "pat@example.org"

