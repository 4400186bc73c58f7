"""The pure plan rules: participants are organizations; a version's changes in words."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neighborhood.accountability.plan_rules import (PARTICIPANT_MAX, Snapshot, changes,
                                                    clean_name, participant_problem,
                                                    participant_problems)

ORGANIZATIONS = ["Public Works Department", "Fields Corner Civic Association",
                 "Codman Square Neighborhood Council", "Local 103 IBEW", "Boston Police D-4",
                 "Dorchester Bay EDC", "St. Mark's Parish", "Ward 15 Democratic Committee"]

# (desc, entry, reason fragment)
REFUSED = [
    ("an email address", "pat@example.org", "email"),
    ("a name with an email", "Pat Smith <pat@example.org>", "email"),
    ("a phone number", "617-555-0100", "phone"),
    ("a phone number in a name", "Civic Assoc. (call 617 555 0100)", "phone"),
    ("a personal title", "Mrs. Jones", "private persons"),
    ("a doctor", "Dr Alvarez", "private persons"),
    ("empty", "", "1 to"),
    ("too long", "x" * (PARTICIPANT_MAX + 1), "1 to"),
    ("a control character", "Civic\x00Association", "control"),
]


@pytest.mark.parametrize("name", ORGANIZATIONS)
def test_organizations_are_accepted(name):
    assert participant_problem(name) is None


@pytest.mark.parametrize("entry, reason", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_plain_personal_data_is_refused(entry, reason):
    assert reason in participant_problem(entry)


def test_a_participant_listed_twice_is_refused_by_its_index():
    names = ["Public Works Department", "Example Civic Association",
             "public works department", "Mr. Smith"]
    problems = participant_problems(names)
    assert set(problems) == {2, 3}
    assert problems[2] == "Listed twice."


@given(st.text())
def test_clean_names_have_single_spaces_and_no_ends(text):
    cleaned = clean_name(text)
    assert cleaned == cleaned.strip() and "  " not in cleaned


def snap(number, **fields):
    base = dict(metric="open_backlog", family="lighting", target=30.0, deadline="2015-12-31",
                owner="department: Public Works Department", description=None)
    return Snapshot(number, **(base | fields))


PLAN = {"title": "Streets", "meeting_date": "2015-03-15", "participants": ["A"],
        "population": None}


def test_changes_name_every_plan_field_and_commitment_that_changed():
    old = [snap(1), snap(2, metric="within_sla_share", family="signs", target=0.8)]
    new = [snap(1, target=25.0), snap(3, metric="reopen_rate", family=None),
           snap(2, metric="within_sla_share", family="lighting", target=0.8,
                baseline_recomputed=True)]
    assert [str(c) for c in changes(PLAN, PLAN | {"title": "Streets and signs"}, old, new)] == [
        "title: 'Streets' -> 'Streets and signs'",
        "commitment 1 target: 30.0 -> 25.0",
        "commitment 2 family: 'signs' -> 'lighting'",
        "commitment 2 baseline recomputed (its definition changed)",
        "commitment 3 added: reopen_rate",
    ]


def test_a_dropped_commitment_is_named():
    assert [str(c) for c in changes(PLAN, PLAN, [snap(1), snap(2)], [snap(1)])] == [
        "commitment 2 removed"]


def test_no_change_is_no_change():
    assert changes(PLAN, dict(PLAN), [snap(1)], [snap(1)]) == []
