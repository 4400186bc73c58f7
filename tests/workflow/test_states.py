"""Report statuses: initial status, visibility, the Open311 view, and the transitions table."""

from datetime import UTC, datetime, timedelta

import pytest

from neighborhood.workflow.states import (
    CLOSED_STATUSES, HIDDEN_STATUSES, OPEN_STATUSES, PUBLIC_STATUSES, REOPEN_WINDOW, TRANSITIONS,
    ActorKind, Status, find_transition, initial_status, is_overdue, is_public, public_category,
    transitions_from, within_public_window,
)

# status -> (is_public, public_category)
EXPECTED = {
    Status.PENDING_REVIEW: (False, "hidden"),
    Status.OPEN: (True, "open"),
    Status.ACKNOWLEDGED: (True, "open"),
    Status.IN_PROGRESS: (True, "open"),
    Status.RESOLVED: (True, "closed"),
    Status.CLOSED: (True, "closed"),
}


def test_table_covers_every_status():
    assert set(EXPECTED) == set(Status)


@pytest.mark.parametrize("sensitive, expected", [
    (True, Status.PENDING_REVIEW), (False, Status.OPEN),
], ids=["sensitive-waits-for-moderator", "ordinary-is-open"])
def test_initial_status(sensitive, expected):
    assert initial_status(sensitive) is expected


@pytest.mark.parametrize("status", list(Status), ids=[s.value for s in Status])
def test_visibility_and_public_category(status):
    public, category = EXPECTED[status]
    assert is_public(status) is public
    assert public_category(status) == category


@pytest.mark.parametrize("status", list(Status), ids=[s.value for s in Status])
def test_plain_strings_behave_like_enum_members(status):
    # Rows from the database hand back plain str values.
    assert is_public(str(status.value)) is EXPECTED[status][0]
    assert public_category(str(status.value)) == EXPECTED[status][1]


@pytest.mark.parametrize("value", ["", "deleted", "OPEN", "Open "],
                         ids=["empty", "unknown", "upper-case", "trailing-space"])
def test_unknown_status_strings_are_not_public(value):
    assert is_public(value) is False


def test_sets_partition_statuses():
    assert PUBLIC_STATUSES | HIDDEN_STATUSES == set(Status)
    assert not PUBLIC_STATUSES & HIDDEN_STATUSES
    assert OPEN_STATUSES | CLOSED_STATUSES == PUBLIC_STATUSES
    assert not OPEN_STATUSES & CLOSED_STATUSES
    assert HIDDEN_STATUSES == {Status.PENDING_REVIEW}
    assert CLOSED_STATUSES == {Status.RESOLVED, Status.CLOSED}
    assert OPEN_STATUSES == {Status.OPEN, Status.ACKNOWLEDGED, Status.IN_PROGRESS}


def test_sets_are_immutable():
    for statuses in (PUBLIC_STATUSES, HIDDEN_STATUSES, OPEN_STATUSES, CLOSED_STATUSES):
        assert isinstance(statuses, frozenset)


# ---------------------------------------------------------------------------
# The transitions table
# ---------------------------------------------------------------------------

S, K = Status, ActorKind
WORKERS = {K.ROUTED_STAFF, K.ADMIN}
TRIAGE = {K.ROUTED_STAFF, K.OFFICER, K.ADMIN}
CLOSERS = {K.ROUTED_STAFF, K.MODERATOR, K.ADMIN}
MODERATORS = {K.MODERATOR, K.ADMIN}
WORKING = (S.OPEN, S.ACKNOWLEDGED, S.IN_PROGRESS)

# (source, target) -> (who, note required, reason required, public window)
EDGES = {
    (S.PENDING_REVIEW, S.OPEN): (MODERATORS, False, False, None),
    (S.PENDING_REVIEW, S.CLOSED): (MODERATORS, True, True, None),
    (S.OPEN, S.ACKNOWLEDGED): (TRIAGE, False, False, None),
    (S.OPEN, S.IN_PROGRESS): (WORKERS, False, False, None),
    (S.ACKNOWLEDGED, S.IN_PROGRESS): (WORKERS, False, False, None),
    **{(s, S.RESOLVED): (WORKERS, True, False, None) for s in WORKING},
    **{(s, S.CLOSED): (CLOSERS, True, True, None) for s in WORKING},
    **{(s, S.PENDING_REVIEW): (MODERATORS, True, False, None) for s in WORKING},
    (S.RESOLVED, S.OPEN): (CLOSERS | {K.ANYONE}, True, False, timedelta(days=30)),
    (S.CLOSED, S.OPEN): (CLOSERS, True, False, None),
}
ALL_PAIRS = [(a, b) for a in Status for b in Status]


def test_the_table_has_exactly_the_expected_edges():
    assert {(t.source, t.target) for t in TRANSITIONS} == set(EDGES)
    assert len(TRANSITIONS) == len(EDGES)  # no edge listed twice


@pytest.mark.parametrize("source, target", list(EDGES), ids=[f"{a}->{b}" for a, b in EDGES])
def test_find_transition_returns_the_rule_of_a_legal_move(source, target):
    by, note, reason, window = EDGES[(source, target)]
    rule = find_transition(source, target)
    assert rule is not None
    assert (rule.source, rule.target) == (source, target)
    assert rule.by == by
    assert (rule.note_required, rule.reason_required, rule.public_window) == (note, reason,
                                                                              window)


@pytest.mark.parametrize("source, target", [p for p in ALL_PAIRS if p not in EDGES],
                         ids=[f"{a}->{b}" for a, b in ALL_PAIRS if (a, b) not in EDGES])
def test_find_transition_returns_none_for_an_illegal_move(source, target):
    assert find_transition(source, target) is None


def test_find_transition_accepts_plain_strings_from_the_database():
    rule = find_transition("resolved", "open")
    assert rule is not None and rule.target is S.OPEN


@pytest.mark.parametrize("status", list(Status), ids=[s.value for s in Status])
def test_transitions_from_lists_every_move_out_of_a_status_and_no_other(status):
    moves = transitions_from(status)
    assert all(t.source == status for t in moves)
    assert {t.target for t in moves} == {b for a, b in EDGES if a == status}


def test_transitions_from_a_plain_string_matches_the_enum():
    assert transitions_from("open") == transitions_from(S.OPEN)
    assert [t.target for t in transitions_from("closed")] == [S.OPEN]


def test_no_status_moves_to_itself():
    assert all(t.source != t.target for t in TRANSITIONS)


def test_only_reopening_a_resolved_report_is_open_to_anyone_and_only_for_30_days():
    public = [t for t in TRANSITIONS if K.ANYONE in t.by]
    assert [(t.source, t.target) for t in public] == [(S.RESOLVED, S.OPEN)]
    assert public[0].public_window == REOPEN_WINDOW == timedelta(days=30)
    assert all(t.public_window is None for t in TRANSITIONS if K.ANYONE not in t.by)


@pytest.mark.parametrize("source, target, expected", [
    (S.RESOLVED, S.OPEN, True), (S.CLOSED, S.OPEN, True),
    (S.PENDING_REVIEW, S.OPEN, False), (S.OPEN, S.RESOLVED, False),
    (S.IN_PROGRESS, S.CLOSED, False),
], ids=["resolved-open", "closed-open", "publish", "resolve", "close"])
def test_is_reopen_only_for_moves_from_a_closed_status_back_to_open(source, target, expected):
    assert find_transition(source, target).is_reopen is expected


def test_every_move_into_closed_needs_a_note_and_a_reason():
    closing = [t for t in TRANSITIONS if t.target == S.CLOSED]
    assert closing and all(t.note_required and t.reason_required for t in closing)
    assert not any(t.reason_required for t in TRANSITIONS if t.target != S.CLOSED)


NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
LATER = timedelta(microseconds=1)


@pytest.mark.parametrize("status, due_at, expected", [
    (S.OPEN, None, False),
    (S.OPEN, NOW - LATER, True),
    (S.OPEN, NOW, False),  # due now is not yet late
    (S.OPEN, NOW + timedelta(days=1), False),
    (S.ACKNOWLEDGED, NOW - timedelta(days=3), True),
    (S.IN_PROGRESS, NOW - timedelta(days=3), True),
    (S.RESOLVED, NOW - timedelta(days=3), False),
    (S.CLOSED, NOW - timedelta(days=3), False),
], ids=["no-due-date", "just-past", "due-exactly-now", "due-tomorrow", "acknowledged-late",
        "in-progress-late", "resolved-is-never-late", "closed-is-never-late"])
def test_is_overdue(status, due_at, expected):
    assert is_overdue(status, due_at, NOW) is expected
    assert is_overdue(status.value, due_at, NOW) is expected


@pytest.mark.parametrize("closed_at, expected", [
    (None, False),
    (NOW, True),
    (NOW - timedelta(days=29, hours=23), True),
    (NOW - timedelta(days=30), True),  # exactly 30 days: still inside
    (NOW - timedelta(days=30) - LATER, False),  # just after: outside
    (NOW - timedelta(days=30, seconds=1), False),
    (NOW - timedelta(days=365), False),
], ids=["never-closed", "just-closed", "day-29", "exactly-30-days", "30-days-plus-1us",
        "30-days-plus-1s", "a-year-ago"])
def test_within_public_window(closed_at, expected):
    assert within_public_window(closed_at, NOW) is expected


def test_within_public_window_takes_another_window():
    assert within_public_window(NOW - timedelta(days=2), NOW, timedelta(days=2)) is True
    assert within_public_window(NOW - timedelta(days=2, seconds=1), NOW,
                                timedelta(days=2)) is False
