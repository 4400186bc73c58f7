"""Report statuses: the single source of truth for names, visibility and open/closed mapping.

Pure: no Flask, no database. Transitions and who may make them come with the lifecycle issue.
"""

from enum import StrEnum


class Status(StrEnum):
    """Where a report stands in its lifecycle."""

    PENDING_REVIEW = "pending_review"
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


class CloseReason(StrEnum):
    """Why a report was closed without being fixed."""

    DUPLICATE = "duplicate"
    NOT_CITY_RESPONSIBILITY = "not_city_responsibility"
    CANNOT_REPRODUCE = "cannot_reproduce"
    SPAM = "spam"


class Family(StrEnum):
    """The problem families a category belongs to."""

    LIGHTING = "lighting"
    PARKS = "parks"
    SIGNS = "signs"
    PROBLEM_BUSINESS = "problem_business"
    OTHER = "other"


HIDDEN_STATUSES = frozenset({Status.PENDING_REVIEW})
PUBLIC_STATUSES = frozenset(Status) - HIDDEN_STATUSES
CLOSED_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})
OPEN_STATUSES = PUBLIC_STATUSES - CLOSED_STATUSES


def initial_status(sensitive: bool) -> Status:
    """Return the status a new report starts in: sensitive categories wait for a moderator."""
    return Status.PENDING_REVIEW if sensitive else Status.OPEN


def is_public(status: str) -> bool:
    """Return True when a report in this status may appear in any public output."""
    return status in PUBLIC_STATUSES


def public_category(status: str) -> str:
    """Return the Open311 view of a status: 'open' or 'closed' ('hidden' if never public)."""
    if status in HIDDEN_STATUSES:
        return "hidden"
    return "closed" if status in CLOSED_STATUSES else "open"
