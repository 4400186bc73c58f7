"""Security headers on every response, the CSP's rules, and which writes need a CSRF token."""

import re
from contextlib import contextmanager

import pytest

from neighborhood import create_app
from neighborhood.config import TestConfig
from neighborhood.core.security import content_security_policy, tile_origin
from neighborhood.extensions import db

PASSWORD = "correct horse battery staple"


def csp_of(response) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
            for part in (p.strip() for p in response.headers["Content-Security-Policy"].split(";"))
            if part}


@pytest.mark.parametrize("path", ["/", "/reports/new", "/api/v1/categories",
                                  "/open311/v2/services.json", "/no-such-page"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    csp = csp_of(response)
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'none'"


def test_scripts_run_only_from_our_origin_or_with_this_responses_nonce(client):
    first, second = client.get("/"), client.get("/")
    script_src = csp_of(first)["script-src"]
    nonce = re.search(r"'nonce-([^']+)'", script_src).group(1)
    assert "'unsafe-eval'" not in script_src and "'unsafe-inline'" not in script_src
    assert nonce not in csp_of(second)["script-src"]  # a new nonce every response


def test_inline_map_scripts_carry_the_nonce(client, lifecycle_city):
    response = client.get("/reports/new")
    nonce = re.search(r"'nonce-([^']+)'", csp_of(response)["script-src"]).group(1)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.get_data(as_text=True))
    executable = [attrs for attrs in inline if "application/json" not in attrs]
    assert executable and all(f'nonce="{nonce}"' in attrs for attrs in executable)


def test_images_may_come_from_the_tile_host_and_nowhere_else_outside():
    policy = content_security_policy("https://tiles.example.org/{z}/{x}/{y}.png")
    assert policy["img-src"] == ["'self'", "data:", "blob:", "https://tiles.example.org"]
    assert content_security_policy("/map-tiles/{z}/{x}/{y}.png")["img-src"] == \
        ["'self'", "data:", "blob:"]
    assert tile_origin("") is None


@contextmanager
def app_with(database_url, **settings):
    """An app of its own, its database connections closed afterwards."""
    app = create_app(TestConfig, DATABASE_URL=database_url, **settings)
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


def test_hsts_and_the_https_redirect_only_when_behind_tls(database_url):
    with app_with(database_url) as plain_app:
        plain = plain_app.test_client().get("/")
        assert "Strict-Transport-Security" not in plain.headers
    with app_with(database_url, FORCE_HTTPS=True, SESSION_COOKIE_SECURE=True) as secure_app:
        redirected = secure_app.test_client().get("/")
        assert redirected.status_code in (301, 302) and \
            redirected.headers["Location"].startswith("https://")
        over_tls = secure_app.test_client().get("/", base_url="https://localhost")
        assert "max-age=" in over_tls.headers["Strict-Transport-Security"]


def test_the_session_cookie_is_httponly_and_samesite_lax(client, lifecycle_city):
    response = client.get("/reports/new")  # the CSRF token starts a session
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_signing_in_starts_a_new_session(client, create_account):
    account = create_account("moderator", password=PASSWORD)
    html = client.get("/login").get_data(as_text=True)
    before = client.get_cookie("session").value
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": account.email,
                                           "password": PASSWORD})
    assert response.status_code == 303
    after = client.get_cookie("session").value
    assert after != before
    # the old token belonged to the old session: it no longer passes
    stale = client.post("/logout", data={"csrf_token": token})
    assert stale.status_code == 400


def test_a_failed_sign_in_says_so_without_telling_which_part_was_wrong(client, create_account):
    account = create_account("moderator", password=PASSWORD)
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    for email, password in ((account.email, "wrong"), ("nobody@example.org", PASSWORD)):
        response = client.post("/login", data={"csrf_token": token, "email": email,
                                               "password": password})
        assert response.status_code == 401
        assert "Wrong email or password." in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example"])
def test_sign_in_never_redirects_off_the_site(client, create_account, target):
    account = create_account("moderator", password=PASSWORD)
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": account.email,
                                           "password": PASSWORD, "next": target})
    assert response.headers["Location"] == "/"


def test_anonymous_api_writes_need_no_csrf_token(client, lifecycle_city, dummy_report_body):
    client.get("/reports/new")  # a session with a CSRF secret, but nobody signed in
    assert client.post("/api/v1/reports", json=dummy_report_body).status_code == 201
