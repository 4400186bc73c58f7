"""Password hashing with argon2id at the RFC 9106 / OWASP parameters (argon2-cffi defaults)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2id, time_cost=3, memory_cost=64 MiB, parallelism=4: above OWASP's minimum.
_hasher = PasswordHasher()
# Verified against when the account is unknown, so a miss costs as much as a hit.
_DUMMY_HASH = _hasher.hash("not a password of anyone")

MIN_LENGTH = 10


def hash_password(password: str) -> str:
    """Return the argon2id hash of a password."""
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Return True when the password matches; constant work even without a stored hash."""
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Return True when a hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored)
