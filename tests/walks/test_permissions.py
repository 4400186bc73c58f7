"""Who may record and see walks (accounts/permissions.py), over every role.

No app, no database.
"""

import pytest

from neighborhood.accounts.permissions import (ANONYMOUS, Actor, Role, can_record_walk,
                                               can_view_walk)

ACTORS = {
    "anonymous": ANONYMOUS,
    "resident": Actor(user_id=10, role=Role.RESIDENT),
    "officer": Actor(user_id=11, role=Role.OFFICER),
    "staff": Actor(user_id=12, role=Role.STAFF, department_id=1),
    "moderator": Actor(user_id=14, role=Role.MODERATOR),
    "admin": Actor(user_id=15, role=Role.ADMIN),
}
OTHER_OFFICER = 99


@pytest.mark.parametrize("name, may", [
    ("anonymous", False), ("resident", False), ("officer", True), ("staff", False),
    ("moderator", False), ("admin", True),
])
def test_officers_and_admins_record_walks(name, may):
    assert can_record_walk(ACTORS[name]) is may


@pytest.mark.parametrize("name, own, others, everyone", [
    ("anonymous", False, False, False),
    ("resident", False, False, False),
    ("officer", True, False, False),
    ("staff", False, False, False),
    ("moderator", True, True, True),
    ("admin", True, True, True),
])
def test_officers_see_their_own_walks_and_supervisors_every_walk(name, own, others, everyone):
    actor = ACTORS[name]
    assert can_view_walk(actor, actor.user_id) is own
    assert can_view_walk(actor, OTHER_OFFICER) is others
    assert can_view_walk(actor, None) is everyone


def test_an_account_no_longer_an_officer_no_longer_sees_its_walks():
    assert not can_view_walk(Actor(user_id=11, role=Role.RESIDENT), 11)
