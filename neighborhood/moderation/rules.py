"""Moderation rules: flag reasons, when flags hide a report, and matching the ban list.

Pure: no Flask, no database.
"""

from enum import StrEnum


class FlagReason(StrEnum):
    """Why someone flags a report."""

    OFFENSIVE = "offensive"
    PERSONAL_INFORMATION = "personal_information"
    SPAM = "spam"
    OTHER = "other"


class Decision(StrEnum):
    """What a moderator decides about a report in the queue."""

    PUBLISH = "publish"  # a held report goes public (open)
    KEEP = "keep"  # a flagged public report stays as it is; its flags are dismissed
    HIDE = "hide"  # a public report is held for review (pending_review)
    REMOVE = "remove"  # held for good: never public, and out of the queue


def should_hide(open_flags: int, threshold: int) -> bool:
    """Return True when a public report has had enough flags to be held until reviewed."""
    return threshold > 0 and open_flags >= threshold


def ban_pattern(raw: str) -> str:
    """Return the canonical pattern of a ban entry: `a@b.org`, or `@b.org` for a domain."""
    value = raw.strip().lower()
    if "@" not in value:
        value = "@" + value
    local, _, domain = value.rpartition("@")
    domain = domain.strip(".")
    if not domain or "." not in domain or " " in value or local.count("@"):
        raise ValueError("Give an email address (name@example.org) or a domain (example.org).")
    return f"{local}@{domain}"


def ban_patterns_of(email: str | None) -> set[str]:
    """Return the patterns that would ban an address: itself, its domain and parent domains."""
    if not email or "@" not in email:
        return set()
    address = email.strip().lower()
    parts = address.rpartition("@")[2].split(".")
    return {address} | {"@" + ".".join(parts[i:]) for i in range(len(parts) - 1)}
