"""The pure permission rules (accounts/permissions.py) over every role, and the transitions table.

No app, no database: an Actor and a report's department are all the rules see.
"""

from collections import deque

import pytest

from neighborhood.accounts.permissions import (
    ACCOUNT_ROLES, ANONYMOUS, Actor, Role, can_confirm_fix, can_manage_accounts, can_moderate,
    can_reassign,
    can_transition, can_view_contact, can_view_hidden, can_view_queue, is_routed_staff,
    submission_source,
)
from neighborhood.workflow.states import (
    CLOSED_STATUSES, REOPEN_WINDOW, TRANSITIONS, ActorKind, Status, find_transition,
    initial_status,
)

PWD, BTD = 1, 2  # the report under test is routed to PWD

ACTORS = {
    "anonymous": ANONYMOUS,
    "resident": Actor(user_id=10, role=Role.RESIDENT),
    "officer": Actor(user_id=11, role=Role.OFFICER),
    "routed_staff": Actor(user_id=12, role=Role.STAFF, department_id=PWD),
    "other_staff": Actor(user_id=13, role=Role.STAFF, department_id=BTD),
    "moderator": Actor(user_id=14, role=Role.MODERATOR),
    "admin": Actor(user_id=15, role=Role.ADMIN),
}
EVERYONE = frozenset(ACTORS)
WORKERS = frozenset({"routed_staff", "admin"})
TRIAGE = frozenset({"routed_staff", "officer", "admin"})
CLOSERS = frozenset({"routed_staff", "moderator", "admin"})
MODERATORS = frozenset({"moderator", "admin"})

S = Status
# (source, target) -> (who may, inside the public window; who may, after it)
TRANSITION_RULES = {
    (S.PENDING_REVIEW, S.OPEN): (MODERATORS, MODERATORS),
    (S.PENDING_REVIEW, S.CLOSED): (MODERATORS, MODERATORS),
    (S.OPEN, S.ACKNOWLEDGED): (TRIAGE, TRIAGE),
    (S.OPEN, S.IN_PROGRESS): (WORKERS, WORKERS),
    (S.ACKNOWLEDGED, S.IN_PROGRESS): (WORKERS, WORKERS),
    (S.OPEN, S.RESOLVED): (WORKERS, WORKERS),
    (S.ACKNOWLEDGED, S.RESOLVED): (WORKERS, WORKERS),
    (S.IN_PROGRESS, S.RESOLVED): (WORKERS, WORKERS),
    (S.OPEN, S.CLOSED): (CLOSERS, CLOSERS),
    (S.ACKNOWLEDGED, S.CLOSED): (CLOSERS, CLOSERS),
    (S.IN_PROGRESS, S.CLOSED): (CLOSERS, CLOSERS),
    (S.OPEN, S.PENDING_REVIEW): (MODERATORS, MODERATORS),
    (S.ACKNOWLEDGED, S.PENDING_REVIEW): (MODERATORS, MODERATORS),
    (S.IN_PROGRESS, S.PENDING_REVIEW): (MODERATORS, MODERATORS),
    # Neighbours may reopen a resolved report only inside the 30-day window.
    (S.RESOLVED, S.OPEN): (EVERYONE, CLOSERS),
    (S.CLOSED, S.OPEN): (CLOSERS, CLOSERS),
}


def _transition_cases():
    for (source, target), (inside, after) in TRANSITION_RULES.items():
        for name in ACTORS:
            for within_window, allowed in ((True, inside), (False, after)):
                window = "in-window" if within_window else "after-window"
                yield pytest.param(source, target, name, within_window, name in allowed,
                                   id=f"{source}->{target}-{name}-{window}")


# rule -> the actors it allows on a report routed to PWD
ROUTED_RULES = {
    "can_view_contact": (can_view_contact, CLOSERS),
    "can_view_hidden": (can_view_hidden, CLOSERS),
    "can_reassign": (can_reassign, CLOSERS),
}
ACTOR_RULES = {
    "can_moderate": (can_moderate, MODERATORS),
    "can_manage_accounts": (can_manage_accounts, frozenset({"admin"})),
}
# department asked for -> the actors who may work its queue
QUEUE_RULES = {
    "PWD": (PWD, frozenset({"routed_staff", "moderator", "admin"})),
    "BTD": (BTD, frozenset({"other_staff", "moderator", "admin"})),
    "every-department": (None, MODERATORS),
}


def _cases(rules):
    for rule, (_, allowed) in rules.items():
        for name in ACTORS:
            yield pytest.param(rule, name, name in allowed, id=f"{rule}-{name}")


# --- the transitions table ---------------------------------------------------------------


def test_expected_rules_cover_exactly_the_transitions_table():
    assert set(TRANSITION_RULES) == {(t.source, t.target) for t in TRANSITIONS}
    assert len(TRANSITIONS) == len(TRANSITION_RULES), "a move is listed twice"


def test_every_status_is_reachable_from_the_initial_statuses():
    start = {initial_status(True), initial_status(False)}
    seen, todo = set(start), deque(start)
    while todo:
        status = todo.popleft()
        for t in TRANSITIONS:
            if t.source == status and t.target not in seen:
                seen.add(t.target)
                todo.append(t.target)
    assert seen == set(Status)


def test_every_status_has_a_way_out():
    assert {t.source for t in TRANSITIONS} == set(Status)


@pytest.mark.parametrize("transition", [t for t in TRANSITIONS if t.target == S.RESOLVED],
                         ids=lambda t: f"{t.source}->{t.target}")
def test_resolving_needs_a_note_and_no_reason(transition):
    assert transition.note_required
    assert not transition.reason_required


@pytest.mark.parametrize("transition", [t for t in TRANSITIONS if t.target == S.CLOSED],
                         ids=lambda t: f"{t.source}->{t.target}")
def test_closing_needs_a_note_and_a_reason(transition):
    assert transition.note_required
    assert transition.reason_required


def test_only_closing_takes_a_reason():
    assert {t.target for t in TRANSITIONS if t.reason_required} == {S.CLOSED}


@pytest.mark.parametrize("transition", [t for t in TRANSITIONS if t.is_reopen],
                         ids=lambda t: f"{t.source}->{t.target}")
def test_reopening_needs_a_note(transition):
    assert transition.source in CLOSED_STATUSES
    assert transition.note_required


def test_only_reopening_a_resolved_report_has_a_public_window():
    windowed = [t for t in TRANSITIONS if t.public_window is not None]
    assert [(t.source, t.target) for t in windowed] == [(S.RESOLVED, S.OPEN)]
    assert windowed[0].public_window == REOPEN_WINDOW
    assert ActorKind.ANYONE in windowed[0].by


def test_anyone_may_make_no_move_but_reopening_a_resolved_report():
    assert [(t.source, t.target) for t in TRANSITIONS
            if ActorKind.ANYONE in t.by] == [(S.RESOLVED, S.OPEN)]


def test_find_transition_knows_legal_moves_and_refuses_others():
    assert find_transition("open", "acknowledged").by == frozenset(
        {ActorKind.ROUTED_STAFF, ActorKind.OFFICER, ActorKind.ADMIN})
    assert find_transition("closed", "resolved") is None
    assert find_transition("pending_review", "resolved") is None


# --- can_transition ----------------------------------------------------------------------


@pytest.mark.parametrize("source, target, name, within_window, allowed", list(_transition_cases()))
def test_can_transition(source, target, name, within_window, allowed):
    transition = find_transition(source, target)
    assert can_transition(ACTORS[name], transition, PWD, within_window=within_window) is allowed


def test_staff_of_another_department_cannot_resolve():
    resolve = find_transition("in_progress", "resolved")
    assert not can_transition(ACTORS["other_staff"], resolve, PWD)
    assert can_transition(ACTORS["other_staff"], resolve, BTD)


def test_staff_of_no_department_are_not_routed_staff_of_an_unrouted_report():
    # An unrouted report (department None) must not match a staff actor without a department.
    orphan = Actor(user_id=20, role=Role.STAFF, department_id=None)
    start = find_transition("open", "in_progress")
    assert not is_routed_staff(orphan, None)
    assert not can_transition(orphan, start, None)
    assert can_transition(ACTORS["admin"], start, None)


def test_the_window_defaults_to_open():
    reopen = find_transition("resolved", "open")
    assert can_transition(ACTORS["resident"], reopen, PWD)
    assert can_transition(ANONYMOUS, reopen, PWD)


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.OFFICER, Role.MODERATOR, Role.ADMIN],
                         ids=str)
def test_only_staff_can_be_routed_staff(role):
    # A department id on a non-staff actor gives no department rights.
    actor = Actor(user_id=30, role=role, department_id=PWD)
    assert not is_routed_staff(actor, PWD)
    start = find_transition("open", "in_progress")
    assert can_transition(actor, start, PWD) is (role == Role.ADMIN)


# --- the other rules ---------------------------------------------------------------------


@pytest.mark.parametrize("rule, name, allowed", list(_cases(ROUTED_RULES)))
def test_rules_about_a_routed_report(rule, name, allowed):
    check = ROUTED_RULES[rule][0]
    assert check(ACTORS[name], PWD) is allowed


@pytest.mark.parametrize("rule, name, allowed", list(_cases(ACTOR_RULES)))
def test_rules_about_the_actor_alone(rule, name, allowed):
    check = ACTOR_RULES[rule][0]
    assert check(ACTORS[name]) is allowed


@pytest.mark.parametrize("department, name, allowed", [
    pytest.param(label, name, name in allowed, id=f"queue-{label}-{name}")
    for label, (_, allowed) in QUEUE_RULES.items() for name in ACTORS])
def test_can_view_queue(department, name, allowed):
    assert can_view_queue(ACTORS[name], QUEUE_RULES[department][0]) is allowed


@pytest.mark.parametrize("name, source", [
    pytest.param(name, "officer" if name == "officer" else "app", id=name) for name in ACTORS])
def test_submission_source(name, source):
    assert submission_source(ACTORS[name]) == source


def test_anonymous_is_the_only_actor_without_an_account():
    assert ANONYMOUS.is_anonymous
    assert ANONYMOUS.role is Role.VISITOR
    assert [n for n, a in ACTORS.items() if a.is_anonymous] == ["anonymous"]


def test_visitor_is_not_an_account_role():
    assert Role.VISITOR not in ACCOUNT_ROLES
    assert set(ACCOUNT_ROLES) == set(Role) - {Role.VISITOR}


@pytest.mark.parametrize(("actor", "allowed"), [
    pytest.param(Actor(), True, id="anonymous neighbour"),
    pytest.param(Actor(1, Role.RESIDENT), True, id="resident"),
    pytest.param(Actor(2, Role.STAFF, 7), False, id="staff of the department that fixed it"),
    pytest.param(Actor(3, Role.STAFF, 8), True, id="staff of another department"),
    pytest.param(Actor(4, Role.ADMIN), True, id="admin"),
])
def test_only_outsiders_confirm_a_fix(actor, allowed):
    assert can_confirm_fix(actor, 7) is allowed
