"""The `flask users` and `flask tokens` commands, through the CLI runner, on both engines."""

import re

import pytest
from sqlalchemy import func, select

from neighborhood.accounts.models import ApiToken, User
from neighborhood.extensions import db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def departments(create_department):
    create_department("PWD", "Public Works", "publicworks@city.example")
    create_department("BTD", "Transportation", "transportation@city.example")


def run(runner, *args):
    return runner.invoke(args=list(args))


def assert_ok(result):
    assert result.exit_code == 0, result.output
    assert result.exception is None


def assert_clean_failure(result, message: str, exit_code: int = 1):
    """A non-zero exit with a readable message, not a crash with a traceback."""
    assert result.exit_code == exit_code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert message in result.output
    assert "Traceback" not in result.output


def count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def create_user(runner, email="lamp@city.example", *extra):
    return run(runner, "users", "create", email, *extra)


def issue_token(runner, email) -> tuple[int, str]:
    result = run(runner, "tokens", "create", email)
    assert_ok(result)
    token_id = int(re.search(r"token (\d+) for", result.output)[1])
    return token_id, result.output.split()[-1]


def me(client, token):
    return client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})


# --- users -------------------------------------------------------------------------------


def test_users_create_makes_a_staff_account_that_can_log_in(app, client, runner, departments):
    result = create_user(runner, "Lamp@City.example", "--role", "staff", "--department", "PWD",
                         "--password", PASSWORD)
    assert_ok(result)
    assert re.fullmatch(r"created staff lamp@city\.example \(id \d+\)\n", result.output)
    login = client.post("/api/v1/auth/login",
                        json={"email": "lamp@city.example", "password": PASSWORD})
    assert login.status_code == 200
    assert login.json["role"] == "staff"
    assert login.json["department"] == "Public Works"


def test_users_create_without_a_password_points_to_tokens(app, runner):
    result = create_user(runner, "pat@example.org", "--role", "resident", "--name", "Pat")
    assert_ok(result)
    assert "no password: use `flask tokens create`" in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "pat@example.org"))
        assert (user.display_name, user.password_hash) == ("Pat", None)


def test_users_list_shows_id_email_role_and_department(app, runner, departments):
    assert_ok(create_user(runner, "lamp@city.example", "--role", "staff", "--department", "BTD"))
    assert_ok(create_user(runner, "boss@city.example", "--role", "admin"))
    result = run(runner, "users", "list")
    assert_ok(result)
    rows = [line.split("\t")[1:] for line in result.output.splitlines()]
    assert rows == [["lamp@city.example", "staff", "BTD"], ["boss@city.example", "admin", "-"]]


def test_users_list_marks_inactive_accounts(app, runner):
    assert_ok(create_user(runner, "gone@example.org", "--role", "resident"))
    with app.app_context():
        db.session.scalar(select(User)).active = False
        db.session.commit()
    result = run(runner, "users", "list")
    assert_ok(result)
    assert result.output.rstrip("\n").split("\t")[1:] == [
        "gone@example.org", "resident", "- (inactive)"]


def test_an_unknown_role_is_a_usage_error(app, runner):
    result = create_user(runner, "pat@example.org", "--role", "superuser")
    assert_clean_failure(result, "Invalid value for '--role'", exit_code=2)
    assert count_users(app) == 0


def test_staff_without_a_department_is_refused(app, runner, departments):
    result = create_user(runner, "lamp@city.example", "--role", "staff")
    assert_clean_failure(result, "Staff accounts need a department.")
    assert count_users(app) == 0


def test_an_unknown_department_is_refused(app, runner, departments):
    result = create_user(runner, "lamp@city.example", "--role", "staff", "--department", "XYZ")
    assert_clean_failure(result, "No department 'XYZ'.")
    assert count_users(app) == 0


def test_a_department_for_a_resident_is_refused(app, runner, departments):
    result = create_user(runner, "pat@example.org", "--role", "resident", "--department", "PWD")
    assert_clean_failure(result, "Only staff belong to a department.")


def test_a_short_password_is_refused(app, runner):
    result = create_user(runner, "pat@example.org", "--role", "resident", "--password", "short")
    assert_clean_failure(result, "at least 10 characters")
    assert count_users(app) == 0


def test_a_duplicate_account_is_refused(app, runner):
    assert_ok(create_user(runner, "pat@example.org", "--role", "resident"))
    result = create_user(runner, "PAT@example.org", "--role", "officer")
    assert_clean_failure(result, "An account for pat@example.org already exists.")
    assert count_users(app) == 1


def test_users_create_needs_a_role(app, runner):
    assert_clean_failure(create_user(runner, "pat@example.org"), "Missing option '--role'",
                         exit_code=2)


# --- tokens ------------------------------------------------------------------------------


def test_tokens_create_prints_a_token_that_authenticates(app, client, runner):
    assert_ok(create_user(runner, "pat@example.org", "--role", "resident"))
    result = run(runner, "tokens", "create", "pat@example.org", "--name", "phone")
    assert_ok(result)
    token = result.output.split()[-1]
    assert token.startswith("nbh_")
    response = me(client, token)
    assert response.status_code == 200
    assert response.json["email"] == "pat@example.org"
    with app.app_context():
        stored = db.session.scalar(select(ApiToken))
        assert stored.name == "phone"
        assert token not in stored.token_hash


def test_tokens_revoke_makes_the_token_401(app, client, runner):
    assert_ok(create_user(runner, "pat@example.org", "--role", "resident"))
    token_id, token = issue_token(runner, "pat@example.org")
    _, kept = issue_token(runner, "pat@example.org")
    assert me(client, token).status_code == 200
    result = run(runner, "tokens", "revoke", str(token_id))
    assert_ok(result)
    assert f"revoked token {token_id} (api) of pat@example.org" in result.output
    response = me(client, token)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="neighborhood"'
    assert me(client, kept).status_code == 200


def test_tokens_list_shows_state_but_never_the_token(app, runner):
    assert_ok(create_user(runner, "pat@example.org", "--role", "resident"))
    revoked_id, revoked = issue_token(runner, "pat@example.org")
    _, active = issue_token(runner, "pat@example.org")
    assert_ok(run(runner, "tokens", "revoke", str(revoked_id)))
    result = run(runner, "tokens", "list")
    assert_ok(result)
    states = [line.split("\t")[3] for line in result.output.splitlines()]
    assert states[0].startswith("revoked ")
    assert states[1] == "active"
    assert revoked not in result.output and active not in result.output


def test_tokens_create_for_an_unknown_email_is_refused(app, runner):
    result = run(runner, "tokens", "create", "nobody@example.org")
    assert_clean_failure(result, "No account for nobody@example.org.")
    with app.app_context():
        assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_tokens_revoke_of_an_unknown_id_is_refused(app, runner):
    assert_clean_failure(run(runner, "tokens", "revoke", "999"), "No token 999.")


def test_tokens_revoke_needs_a_number(app, runner):
    assert_clean_failure(run(runner, "tokens", "revoke", "abc"), "is not a valid integer",
                         exit_code=2)
