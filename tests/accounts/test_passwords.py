"""Password hashing: argon2id at 64 MiB, 3 passes, 4 lanes; constant work for unknown accounts."""

import pytest
from argon2 import PasswordHasher, Type, extract_parameters

from neighborhood.accounts.passwords import hash_password, needs_rehash, verify_password

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def stored():
    return hash_password(PASSWORD)


def test_hash_is_argon2id_with_the_owasp_parameters(stored):
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    params = extract_parameters(stored)
    assert (params.type, params.memory_cost, params.time_cost, params.parallelism) == (
        Type.ID, 65536, 3, 4)


def test_hash_is_salted(stored):
    assert hash_password(PASSWORD) != stored
    assert PASSWORD not in stored


def test_right_password_verifies(stored):
    assert verify_password(stored, PASSWORD) is True


@pytest.mark.parametrize("attempt", [
    "correct horse battery stapl", "Correct horse battery staple", "", PASSWORD + " "],
    ids=["one-short", "other-case", "empty", "trailing-space"])
def test_wrong_password_does_not_verify(stored, attempt):
    assert verify_password(stored, attempt) is False


@pytest.mark.parametrize("attempt", [PASSWORD, "not a password of anyone"],
                         ids=["any-password", "the-dummy-hash-password"])
def test_no_stored_hash_never_verifies(attempt):
    # An unknown account (or one without a password) is verified against a dummy hash;
    # even the dummy's own password must not open it.
    assert verify_password(None, attempt) is False


@pytest.mark.parametrize("garbage", ["", "plain-text", "$argon2id$v=19$broken"],
                         ids=["empty", "not-a-hash", "truncated"])
def test_malformed_stored_hash_does_not_verify(garbage):
    assert verify_password(garbage, PASSWORD) is False


def test_todays_hash_needs_no_rehash(stored):
    assert needs_rehash(stored) is False


@pytest.mark.parametrize("hasher", [
    PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1),
    PasswordHasher(time_cost=2, memory_cost=65536, parallelism=4),
    PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4, type=Type.I),
], ids=["much-weaker", "fewer-passes", "argon2i"])
def test_weaker_hash_still_verifies_but_needs_rehash(hasher):
    weak = hasher.hash(PASSWORD)
    assert verify_password(weak, PASSWORD) is True
    assert needs_rehash(weak) is True
