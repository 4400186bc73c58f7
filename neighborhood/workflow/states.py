"""Report statuses and transitions: the single source of truth for the lifecycle.

Pure: no Flask, no database. Who may make a transition is named here by actor kind; the
permission rules in accounts/permissions.py decide whether a given actor is of that kind
for a given report (e.g. staff of the routed department).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
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


class ActorKind(StrEnum):
    """Who may make a transition; accounts.permissions decides who is which kind."""

    ROUTED_STAFF = "routed_staff"  # staff of the report's routed department
    OFFICER = "officer"
    MODERATOR = "moderator"
    ADMIN = "admin"
    ANYONE = "anyone"  # residents, neighbours, anonymous visitors


HIDDEN_STATUSES = frozenset({Status.PENDING_REVIEW})
PUBLIC_STATUSES = frozenset(Status) - HIDDEN_STATUSES
CLOSED_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})
OPEN_STATUSES = PUBLIC_STATUSES - CLOSED_STATUSES

REOPEN_WINDOW = timedelta(days=30)
"""How long after resolution the reporter or a neighbour may reopen or confirm a fix."""


@dataclass(frozen=True)
class Transition:
    """One allowed move, who may make it, and what it needs."""

    source: Status
    target: Status
    by: frozenset[ActorKind]
    note_required: bool = False
    reason_required: bool = False
    public_window: timedelta | None = None  # ANYONE may act only this long after closing

    @property
    def is_reopen(self) -> bool:
        """Return True when the move takes a closed report back to open."""
        return self.source in CLOSED_STATUSES and self.target == Status.OPEN


_K = ActorKind
_WORKERS = frozenset({_K.ROUTED_STAFF, _K.ADMIN})
_TRIAGE = frozenset({_K.ROUTED_STAFF, _K.OFFICER, _K.ADMIN})
_CLOSERS = frozenset({_K.ROUTED_STAFF, _K.MODERATOR, _K.ADMIN})
_MODERATORS = frozenset({_K.MODERATOR, _K.ADMIN})
_S = Status

TRANSITIONS: tuple[Transition, ...] = (
    # Moderation: publish a held report, or close it (spam, not ours, ...).
    Transition(_S.PENDING_REVIEW, _S.OPEN, _MODERATORS),
    Transition(_S.PENDING_REVIEW, _S.CLOSED, _MODERATORS, note_required=True,
               reason_required=True),
    # Work: triage, start, resolve.
    Transition(_S.OPEN, _S.ACKNOWLEDGED, _TRIAGE),
    Transition(_S.OPEN, _S.IN_PROGRESS, _WORKERS),
    Transition(_S.ACKNOWLEDGED, _S.IN_PROGRESS, _WORKERS),
    *(Transition(s, _S.RESOLVED, _WORKERS, note_required=True)
      for s in (_S.OPEN, _S.ACKNOWLEDGED, _S.IN_PROGRESS)),
    *(Transition(s, _S.CLOSED, _CLOSERS, note_required=True, reason_required=True)
      for s in (_S.OPEN, _S.ACKNOWLEDGED, _S.IN_PROGRESS)),
    # Hide a public report for review (flagged content).
    *(Transition(s, _S.PENDING_REVIEW, _MODERATORS, note_required=True)
      for s in (_S.OPEN, _S.ACKNOWLEDGED, _S.IN_PROGRESS)),
    # Closed is not fixed: anyone may reopen a resolved report for 30 days, with a reason.
    Transition(_S.RESOLVED, _S.OPEN, _CLOSERS | {_K.ANYONE}, note_required=True,
               public_window=REOPEN_WINDOW),
    Transition(_S.CLOSED, _S.OPEN, _CLOSERS, note_required=True),
)

_BY_EDGE = {(t.source, t.target): t for t in TRANSITIONS}


def find_transition(source: str, target: str) -> Transition | None:
    """Return the rule for moving from source to target, or None if the move is illegal."""
    return _BY_EDGE.get((Status(source), Status(target)))


def transitions_from(source: str) -> tuple[Transition, ...]:
    """Return every legal move out of a status."""
    return tuple(t for t in TRANSITIONS if t.source == source)


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


def is_overdue(status: str, due_at: datetime | None, now: datetime) -> bool:
    """Return True when a report still waiting for the city is past its due date."""
    return due_at is not None and status not in CLOSED_STATUSES and due_at < now


def within_public_window(closed_at: datetime | None, now: datetime,
                         window: timedelta = REOPEN_WINDOW) -> bool:
    """Return True while neighbours may still reopen or confirm a resolved report."""
    return closed_at is not None and now - closed_at <= window
