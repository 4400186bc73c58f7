"""Report statuses: initial status, public visibility and the Open311 open/closed view."""

import pytest

from neighborhood.workflow.states import (
    CLOSED_STATUSES, HIDDEN_STATUSES, OPEN_STATUSES, PUBLIC_STATUSES, Status, initial_status,
    is_public, public_category,
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
