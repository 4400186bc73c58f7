"""Account services on both engines: creating users, password login, API tokens."""

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, text

from neighborhood.accounts.models import ApiToken, User
from neighborhood.accounts.services import (TOKEN_PREFIX, authenticate, create_token,
                                            create_user, find_user, revoke_token,
                                            user_for_token)
from neighborhood.core.errors import Conflict, InvalidInput, NotFound, Unauthorized
from neighborhood.extensions import db

PASSWORD = "correct horse battery staple"
WHEN = datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc)


@pytest.fixture
def pwd(create_department, ctx):
    """The Public Works department (PWD), inside an app context."""
    return create_department("PWD", "Public Works", "publicworks@city.example")


def errors_of(exc_info) -> dict:
    return exc_info.value.errors


# --- create_user -------------------------------------------------------------------------


def test_create_user_normalizes_the_email_to_lower_case(ctx):
    user = create_user("  Pat.Resident@Example.ORG ", "resident")
    assert user.email == "pat.resident@example.org"
    assert user.display_name == "pat.resident"
    assert find_user("PAT.RESIDENT@example.org").id == user.id


def test_create_user_stores_staff_with_their_department(pwd):
    user = create_user("lamp@city.example", "staff", department="pwd")
    db.session.commit()
    assert user.department_id == pwd
    assert user.actor().department_id == pwd
    assert user.password_hash is None  # token-only account


def test_create_user_finds_the_department_by_name(pwd):
    assert create_user("lamp@city.example", "staff", department="Public Works").department_id == pwd


def test_create_user_hashes_the_password(ctx):
    user = create_user("pat@example.org", "resident", password=PASSWORD)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_duplicate_email_is_a_conflict_whatever_its_case(ctx):
    create_user("pat@example.org", "resident")
    with pytest.raises(Conflict, match="already exists"):
        create_user("PAT@Example.org", "officer")


def test_staff_without_a_department_is_invalid(ctx):
    with pytest.raises(InvalidInput) as exc_info:
        create_user("lamp@city.example", "staff")
    assert "department" in errors_of(exc_info)["args"]


@pytest.mark.parametrize("role", ["resident", "officer", "moderator", "admin"])
def test_a_department_on_a_non_staff_account_is_invalid(pwd, role):
    with pytest.raises(InvalidInput) as exc_info:
        create_user(f"{role}@city.example", role, department="PWD")
    assert errors_of(exc_info)["args"]["department"] == ["Only staff belong to a department."]


@pytest.mark.parametrize("password", ["", "short", "123456789"],
                         ids=["empty", "five-chars", "nine-chars"])
def test_a_short_password_is_invalid(ctx, password):
    with pytest.raises(InvalidInput) as exc_info:
        create_user("pat@example.org", "resident", password=password)
    assert "password" in errors_of(exc_info)["args"]


def test_a_ten_character_password_is_long_enough(ctx):
    assert create_user("pat@example.org", "resident", password="0123456789").password_hash


def test_an_unknown_department_is_not_found(pwd):
    with pytest.raises(NotFound, match="No department 'XYZ'"):
        create_user("lamp@city.example", "staff", department="XYZ")


@pytest.mark.parametrize("role", ["visitor", "superuser", "Admin", ""])
def test_an_unknown_role_is_invalid(ctx, role):
    with pytest.raises(InvalidInput) as exc_info:
        create_user("pat@example.org", role)
    assert "role" in errors_of(exc_info)["args"]


@pytest.mark.parametrize("email", ["pat", "pat@", "@example.org", "pat example.org"])
def test_an_invalid_email_is_invalid(ctx, email):
    with pytest.raises(InvalidInput) as exc_info:
        create_user(email, "resident")
    assert "email" in errors_of(exc_info)["args"]


def test_failed_creations_store_nothing(pwd):
    for attempt in ({"role": "staff"}, {"role": "resident", "department": "PWD"},
                    {"role": "resident", "password": "short"}):
        with pytest.raises(InvalidInput):
            create_user("pat@example.org", **attempt)
    assert db.session.scalar(select(User.id)) is None


def test_find_user_of_an_unknown_address_is_not_found(ctx):
    with pytest.raises(NotFound):
        find_user("nobody@example.org")


# --- authenticate ------------------------------------------------------------------------


@pytest.fixture
def pat(ctx):
    user = create_user("pat@example.org", "resident", password=PASSWORD)
    db.session.commit()
    return user


def test_authenticate_with_the_right_password_returns_the_account(pat):
    assert authenticate("pat@example.org", PASSWORD).id == pat.id


def test_authenticate_ignores_the_case_and_spaces_of_the_address(pat):
    assert authenticate("  PAT@Example.org ", PASSWORD).id == pat.id


def test_wrong_password_and_unknown_email_get_the_same_401(pat):
    with pytest.raises(Unauthorized) as wrong_password:
        authenticate("pat@example.org", "not the password")
    with pytest.raises(Unauthorized) as unknown_email:
        authenticate("nobody@example.org", PASSWORD)
    assert wrong_password.value.message == unknown_email.value.message == \
        "Wrong email or password."
    assert wrong_password.value.status_code == unknown_email.value.status_code == 401


def test_an_account_without_a_password_cannot_log_in(ctx):
    create_user("tokens-only@example.org", "resident")
    with pytest.raises(Unauthorized, match="Wrong email or password."):
        authenticate("tokens-only@example.org", "not a password of anyone")


def test_an_inactive_account_is_refused_even_with_the_right_password(pat):
    pat.active = False
    db.session.commit()
    with pytest.raises(Unauthorized, match="Wrong email or password."):
        authenticate("pat@example.org", PASSWORD)


def test_authenticate_records_the_login_time(pat):
    assert pat.last_login_at is None
    authenticate("pat@example.org", PASSWORD, now=WHEN)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, pat.id).last_login_at == WHEN


def test_authenticate_without_a_time_uses_now(pat):
    before = datetime.now(timezone.utc)
    user = authenticate("pat@example.org", PASSWORD)
    assert before - timedelta(seconds=1) <= user.last_login_at <= datetime.now(timezone.utc)


def test_a_failed_login_records_no_login_time(pat):
    with pytest.raises(Unauthorized):
        authenticate("pat@example.org", "not the password")
    assert pat.last_login_at is None


def test_login_upgrades_a_weaker_hash(pat):
    pat.password_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    db.session.commit()
    user = authenticate("pat@example.org", PASSWORD)
    assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert authenticate("pat@example.org", PASSWORD).id == pat.id


# --- tokens ------------------------------------------------------------------------------


def all_token_columns() -> list[str]:
    rows = db.session.execute(text("SELECT * FROM api_token")).all()
    return [str(value) for row in rows for value in row]


def test_create_token_stores_only_a_sha256_digest(pat):
    token, plain = create_token(pat, "phone")
    db.session.commit()
    assert plain.startswith(TOKEN_PREFIX)
    assert len(plain) > len(TOKEN_PREFIX) + 40
    assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    stored = all_token_columns()
    assert token.token_hash in stored
    assert not any(plain in value or plain[len(TOKEN_PREFIX):] in value for value in stored)


def test_tokens_are_unique(pat):
    plains = {create_token(pat)[1] for _ in range(5)}
    assert len(plains) == 5


def test_user_for_token_returns_the_account(pat):
    _, plain = create_token(pat)
    db.session.commit()
    assert user_for_token(plain).id == pat.id


@pytest.mark.parametrize("plain", ["", TOKEN_PREFIX, "nbh_unknown", "not even a token"])
def test_user_for_an_unknown_token_is_none(pat, plain):
    create_token(pat)
    assert user_for_token(plain) is None


def test_user_for_token_records_use_at_most_once_an_hour(pat):
    token, plain = create_token(pat)
    user_for_token(plain, now=WHEN)
    assert token.last_used_at == WHEN
    user_for_token(plain, now=WHEN + timedelta(minutes=59))
    assert token.last_used_at == WHEN
    user_for_token(plain, now=WHEN + timedelta(minutes=61))
    assert token.last_used_at == WHEN + timedelta(minutes=61)


def test_a_revoked_token_opens_nothing(pat):
    token, plain = create_token(pat)
    other, other_plain = create_token(pat)
    db.session.commit()
    revoke_token(token.id, now=WHEN)
    db.session.commit()
    assert db.session.get(ApiToken, token.id).revoked_at == WHEN
    assert user_for_token(plain) is None
    assert user_for_token(other_plain).id == pat.id  # only that token


def test_revoking_twice_keeps_the_first_time(pat):
    token, _ = create_token(pat)
    revoke_token(token.id, now=WHEN)
    revoke_token(token.id, now=WHEN + timedelta(days=1))
    assert token.revoked_at == WHEN


def test_revoking_an_unknown_token_is_not_found(ctx):
    with pytest.raises(NotFound, match="No token 999"):
        revoke_token(999)


def test_the_token_of_an_inactive_account_opens_nothing(pat):
    _, plain = create_token(pat)
    pat.active = False
    db.session.commit()
    assert user_for_token(plain) is None
