"""The lifecycle services on both engines: transitions, timeline steps, duplicates, reopening,
fix confirmations, reassignment, immutability and the status_changed signal.

Everything goes through neighborhood.workflow.services inside one app context, with explicit
`now=` values so the 30-day window is tested to the second.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from neighborhood.accounts.permissions import ANONYMOUS, Actor, Role
from neighborhood.core import signals
from neighborhood.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from neighborhood.extensions import db
from neighborhood.reports.engagement import follow_report, support_report
from neighborhood.reports.models import Category, FixConfirmation, Follower, Report, Support
from neighborhood.reports.services import Submission, Upload, submit_report
from neighborhood.workflow.models import ImmutableStep, StatusChange
from neighborhood.workflow.services import (TransitionRequest, confirm_fixed, reassign_report,
                                            transition_report)

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
BOSTON_COMMON = (42.3550, -71.0656)


@dataclass(frozen=True)
class People:
    """Actors with real accounts (their ids are foreign keys of timeline steps)."""

    pwd: Actor
    btd: Actor
    officer: Actor
    moderator: Actor
    admin: Actor
    resident: Actor
    anonymous: Actor = ANONYMOUS


@pytest.fixture
def people(lifecycle_city, create_account) -> People:
    def actor(role, department=None):
        account = create_account(role, department=department)
        return Actor(account.id, Role(role), lifecycle_city[department] if department else None)

    return People(pwd=actor("staff", "PWD"), btd=actor("staff", "BTD"), officer=actor("officer"),
                  moderator=actor("moderator"), admin=actor("admin"),
                  resident=actor("resident"))


@pytest.fixture
def city(ctx, people, lifecycle_city):
    """The lifecycle city and its people, inside an app context."""
    return lifecycle_city


def submit(*, at=T0, where=BOSTON_COMMON, email="resident@example.org",
           category="street_light_outage") -> int:
    data = {"category": category, "description": "The lamp at the corner is dark.",
            "lat": where[0], "lon": where[1], "contact": {"email": email} if email else None}
    report_id = submit_report(Submission(data=data), now=at).report.id
    db.session.commit()
    return report_id


def move(report_id, actor, to, *, at, **fields) -> StatusChange:
    step = transition_report(report_id, actor, TransitionRequest(to=to, **fields), now=at)
    db.session.commit()
    return step


def refused(error, report_id, actor, to, *, at, **fields):
    """Assert the move raises `error`; roll back like the request boundary does."""
    with pytest.raises(error) as info:
        transition_report(report_id, actor, TransitionRequest(to=to, **fields), now=at)
    db.session.rollback()
    return info.value


def report(report_id) -> Report:
    return db.session.get(Report, report_id)


def timeline(report_id) -> list[StatusChange]:
    return list(db.session.scalars(select(StatusChange).where(StatusChange.report_id == report_id)
                                   .order_by(StatusChange.at, StatusChange.id)))


def step_count(report_id) -> int:
    return db.session.scalar(select(func.count(StatusChange.id))
                             .where(StatusChange.report_id == report_id))


def duplicates_of(report_id) -> list[int]:
    return list(db.session.scalars(select(Report.id).where(Report.duplicate_of_id == report_id)
                                   .order_by(Report.id)))


def resolved_report(people, *, at=T0 + DAY) -> int:
    report_id = submit()
    move(report_id, people.pwd, "resolved", at=at, note="Replaced the lamp.")
    return report_id


# --- steps ---------------------------------------------------------------------------------

def test_a_transition_writes_a_step_with_from_to_role_note_and_time(city, people):
    report_id = submit()
    move(report_id, people.pwd, "acknowledged", at=T0 + HOUR, note="  On our list.  ")
    steps = timeline(report_id)
    assert len(steps) == 2
    intake, ack = steps
    assert (intake.from_status, intake.to_status, intake.actor_role) == (None, "open", "visitor")
    assert ack.kind == "status"
    assert (ack.from_status, ack.to_status) == ("open", "acknowledged")
    assert ack.actor_role == "staff" and ack.actor_id == people.pwd.user_id
    assert ack.note == "On our list."
    assert ack.at == T0 + HOUR
    assert ack.to_department_id == city["PWD"]
    assert ack.close_reason is None and ack.photo_id is None
    assert report(report_id).status == "acknowledged"
    assert report(report_id).updated_at == T0 + HOUR


def test_each_move_appends_one_step_and_the_timeline_is_in_order(city, people):
    report_id = submit()
    move(report_id, people.officer, "acknowledged", at=T0 + HOUR)
    move(report_id, people.pwd, "in_progress", at=T0 + 2 * HOUR)
    move(report_id, people.admin, "resolved", at=T0 + 3 * HOUR, note="Fixed.")
    steps = timeline(report_id)
    assert [(s.from_status, s.to_status, s.actor_role) for s in steps] == [
        (None, "open", "visitor"), ("open", "acknowledged", "officer"),
        ("acknowledged", "in_progress", "staff"), ("in_progress", "resolved", "admin")]
    assert [s.at for s in steps] == [T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR]
    assert step_count(report_id) == 4


def test_resolving_sets_closed_at_and_reopening_clears_it(city, people):
    report_id = resolved_report(people, at=T0 + DAY)
    assert report(report_id).closed_at == T0 + DAY
    assert report(report_id).close_reason is None
    move(report_id, people.pwd, "open", at=T0 + 2 * DAY, note="Out again.")
    assert report(report_id).closed_at is None


# --- illegal moves and permissions ---------------------------------------------------------

@pytest.mark.parametrize("who, allowed", [
    ("pwd", ["acknowledged", "in_progress", "resolved", "closed"]),
    ("admin", ["acknowledged", "in_progress", "resolved", "closed", "pending_review"]),
    ("moderator", ["closed", "pending_review"]),
    ("officer", ["acknowledged"]),
    ("btd", []),
    ("resident", []),
    ("anonymous", []),
])
def test_an_illegal_move_is_a_conflict_listing_what_the_actor_may_reach(city, people, who,
                                                                        allowed):
    report_id = submit()
    error = refused(Conflict, report_id, getattr(people, who), "open", at=T0 + HOUR)
    assert error.status_code == 409
    assert error.extra["status"] == "open"
    assert error.extra["allowed"] == allowed
    assert step_count(report_id) == 1


def test_allowed_of_a_resolved_report_depends_on_the_30_day_window(city, people):
    report_id = resolved_report(people, at=T0)
    inside = refused(Conflict, report_id, people.resident, "acknowledged", at=T0 + 30 * DAY)
    outside = refused(Conflict, report_id, people.resident, "acknowledged",
                      at=T0 + 30 * DAY + timedelta(seconds=1))
    staff = refused(Conflict, report_id, people.pwd, "acknowledged", at=T0 + 90 * DAY)
    assert inside.extra["allowed"] == ["open"]
    assert outside.extra["allowed"] == []
    assert staff.extra["allowed"] == ["open"]


@pytest.mark.parametrize("who, to, error", [
    ("anonymous", "acknowledged", Unauthorized),
    ("resident", "acknowledged", Forbidden),
    ("btd", "resolved", Forbidden),
    ("officer", "resolved", Forbidden),
    ("moderator", "in_progress", Forbidden),
    ("pwd", "pending_review", Forbidden),
])
def test_a_legal_move_by_the_wrong_role_is_refused(city, people, who, to, error):
    report_id = submit()
    refused(error, report_id, getattr(people, who), to, at=T0 + HOUR, note="A note.")
    assert report(report_id).status == "open"
    assert step_count(report_id) == 1


def test_a_hidden_report_is_not_found_for_the_public_but_moderators_publish_it(city, people,
                                                                               create_category):
    create_category(code="graffiti_hate", name="Hateful graffiti", family="other",
                    sensitive=True)
    report_id = submit(category="graffiti_hate")
    assert report(report_id).status == "pending_review"
    refused(NotFound, report_id, people.resident, "open", at=T0 + HOUR)
    refused(NotFound, report_id, people.anonymous, "open", at=T0 + HOUR)
    move(report_id, people.moderator, "open", at=T0 + HOUR)
    assert report(report_id).status == "open"
    assert timeline(report_id)[-1].actor_role == "moderator"


def test_an_unknown_report_is_not_found(city, people):
    refused(NotFound, 999_999, people.admin, "acknowledged", at=T0)
    refused(NotFound, 2**40, people.admin, "acknowledged", at=T0)


# --- notes and reasons ---------------------------------------------------------------------

@pytest.mark.parametrize("note", [None, "", "   \n "], ids=["missing", "empty", "blank"])
def test_resolving_without_a_note_is_invalid_on_note(city, people, note):
    report_id = submit()
    error = refused(InvalidInput, report_id, people.pwd, "resolved", at=T0 + HOUR, note=note)
    assert error.status_code == 422
    assert list(error.errors["json"]) == ["note"]
    assert report(report_id).status == "open"


def test_the_error_names_the_location_the_request_came_from(city, people):
    report_id = submit()
    error = refused(InvalidInput, report_id, people.pwd, "resolved", at=T0 + HOUR,
                    location="form")
    assert error.errors == {"form": {"note": [error.errors["form"]["note"][0]]}}


def test_closing_without_a_reason_is_invalid_on_reason(city, people):
    report_id = submit()
    error = refused(InvalidInput, report_id, people.pwd, "closed", at=T0 + HOUR,
                    note="Not ours.")
    assert list(error.errors["json"]) == ["reason"]
    assert "not_city_responsibility" in error.errors["json"]["reason"][0]


@pytest.mark.parametrize("to, note", [("resolved", "Fixed."), ("acknowledged", None),
                                      ("in_progress", None)])
def test_a_reason_on_a_move_other_than_closing_is_422(city, people, to, note):
    report_id = submit()
    error = refused(InvalidInput, report_id, people.pwd, to, at=T0 + HOUR, note=note,
                    reason="spam")
    assert error.status_code == 422
    assert list(error.errors["json"]) == ["reason"]
    assert step_count(report_id) == 1


def test_closing_with_a_reason_records_it_on_the_report_and_the_step(city, people):
    report_id = submit()
    step = move(report_id, people.moderator, "closed", at=T0 + HOUR, note="A private lamp.",
                reason="not_city_responsibility")
    closed = report(report_id)
    assert (closed.status, closed.close_reason, closed.closed_at) == (
        "closed", "not_city_responsibility", T0 + HOUR)
    assert (step.close_reason, step.note, step.actor_role) == (
        "not_city_responsibility", "A private lamp.", "moderator")


def test_a_photo_on_a_move_other_than_resolving_is_refused(city, people):
    report_id = submit()
    error = refused(InvalidInput, report_id, people.pwd, "acknowledged", at=T0 + HOUR,
                    photo=Upload("lamp.jpg", b"not even a photo"))
    assert error.errors == {"files": {"photo": ["Only a resolution takes a photo."]}}


# --- duplicates ----------------------------------------------------------------------------

def close_as_duplicate(report_id, actor, original, *, at=T0 + 2 * HOUR):
    return move(report_id, actor, "closed", at=at, note="Same lamp as the older report.",
                reason="duplicate", duplicate_of=original)


def test_closing_as_duplicate_needs_the_original(city, people):
    report_id = submit()
    error = refused(InvalidInput, report_id, people.pwd, "closed", at=T0 + HOUR, note="Dup.",
                    reason="duplicate")
    assert list(error.errors["json"]) == ["duplicate_of"]


@pytest.mark.parametrize("target", ["itself", "unknown", "hidden", "a-duplicate", "too-big"])
def test_the_original_must_be_another_public_report_that_is_not_a_duplicate(
        city, people, create_category, target):
    create_category(code="graffiti_hate", name="Hateful graffiti", family="other",
                    sensitive=True)
    original = submit()
    report_id = submit(at=T0 + HOUR)
    hidden = submit(category="graffiti_hate")
    copy = submit(at=T0 + HOUR)
    close_as_duplicate(copy, people.pwd, original)
    wanted = {"itself": report_id, "unknown": 999_999, "hidden": hidden,
              "a-duplicate": copy, "too-big": 2**40}[target]
    error = refused(InvalidInput, report_id, people.pwd, "closed", at=T0 + 3 * HOUR,
                    note="Dup.", reason="duplicate", duplicate_of=wanted)
    assert list(error.errors["json"]) == ["duplicate_of"]
    if target == "a-duplicate":
        assert f"duplicate of {original}" in error.errors["json"]["duplicate_of"][0]
    assert report(report_id).status == "open"


def test_an_original_is_only_for_duplicates(city, people):
    original = submit()
    report_id = submit(at=T0 + HOUR)
    error = refused(InvalidInput, report_id, people.pwd, "closed", at=T0 + 2 * HOUR,
                    note="Spam.", reason="spam", duplicate_of=original)
    assert list(error.errors["json"]) == ["duplicate_of"]


def supporters(report_id) -> list[str]:
    return sorted(db.session.scalars(select(Support.supporter)
                                     .where(Support.report_id == report_id)))


def followers(report_id) -> dict[str, Follower]:
    rows = list(db.session.scalars(select(Follower).where(Follower.report_id == report_id)))
    assert len(rows) == len({f.email for f in rows})  # one row per address
    return {f.email: f for f in rows}


def test_a_duplicate_moves_supporters_and_followers_to_the_original_once_each(
        city, people, create_account):
    neighbour = create_account("resident", email="neighbour@example.org")
    neighbour_actor = Actor(neighbour.id, Role.RESIDENT)
    original = submit(email="first@example.org")
    dup = submit(at=T0 + HOUR, email="resident@example.org")
    # Support: two devices and the resident on the duplicate; the resident on the original too.
    for device in ("device-one-1234", "device-two-1234"):
        support_report(dup, ANONYMOUS, device=device, now=T0 + HOUR)
    for report_id in (dup, original):
        support_report(report_id, people.resident, now=T0 + HOUR)
        follow_report(report_id, neighbour_actor, email=None,
                      account_email="neighbour@example.org", now=T0 + HOUR)
    follow_report(dup, ANONYMOUS, email="pending@example.org", now=T0 + HOUR)
    db.session.commit()
    assert report(original).support_count == 1 and report(dup).support_count == 3

    step = close_as_duplicate(dup, people.pwd, original)

    assert report(original).support_count == 3
    assert len(supporters(original)) == 3
    assert set(supporters(original)) == set(supporters(dup))
    moved = followers(original)
    # An unconfirmed follower moves only when they confirm (see the test below).
    assert set(moved) == {"first@example.org", "resident@example.org",
                          "neighbour@example.org"}
    assert moved["first@example.org"].is_reporter is True
    assert moved["resident@example.org"].is_reporter is False
    assert moved["resident@example.org"].confirmed_at is not None
    assert report(original).updated_at == T0 + 2 * HOUR
    # Linked both ways: the duplicate names the original, the original lists the duplicate.
    closed = report(dup)
    assert (closed.status, closed.close_reason, closed.duplicate_of_id) == (
        "closed", "duplicate", original)
    assert step.duplicate_of_id == original
    assert duplicates_of(original) == [dup]
    assert duplicates_of(dup) == []


def test_reopening_a_duplicate_unlinks_it_from_the_original(city, people):
    original = submit()
    dup = submit(at=T0 + HOUR)
    close_as_duplicate(dup, people.pwd, original)
    move(dup, people.pwd, "open", at=T0 + 3 * HOUR, note="Not the same lamp after all.")
    reopened = report(dup)
    assert reopened.status == "open" and reopened.close_reason is None
    # An open report is not "closed as a duplicate": the link must go with the close reason.
    assert reopened.duplicate_of_id is None
    assert duplicates_of(original) == []


# --- reopening -----------------------------------------------------------------------------

def test_an_anonymous_neighbour_reopens_within_30_days(city, people):
    report_id = resolved_report(people, at=T0)
    step = move(report_id, people.anonymous, "open", at=T0 + 30 * DAY,
                note="Still dark at night.")
    reopened = report(report_id)
    assert reopened.status == "open"
    assert reopened.reopen_count == 1
    assert reopened.closed_at is None
    assert (step.from_status, step.to_status, step.actor_role, step.actor_id, step.note) == (
        "resolved", "open", "visitor", None, "Still dark at night.")


def test_each_reopening_counts(city, people):
    report_id = resolved_report(people, at=T0)
    move(report_id, people.resident, "open", at=T0 + DAY, note="Still dark.")
    move(report_id, people.pwd, "resolved", at=T0 + 2 * DAY, note="New bulb.")
    move(report_id, people.anonymous, "open", at=T0 + 3 * DAY, note="Dark again.")
    assert report(report_id).reopen_count == 2


def test_after_30_days_a_signed_in_resident_gets_a_conflict(city, people):
    report_id = resolved_report(people, at=T0)
    error = refused(Conflict, report_id, people.resident, "open",
                    at=T0 + 30 * DAY + timedelta(seconds=1), note="Still dark.")
    assert "30 days" in error.message
    assert error.extra["allowed"] == []
    assert report(report_id).status == "resolved" and report(report_id).reopen_count == 0


def test_after_30_days_an_anonymous_neighbour_gets_a_conflict_too(city, people):
    # docs/lifecycle.md: "409, for signed-in and anonymous callers alike" (the brief said 401).
    report_id = resolved_report(people, at=T0)
    error = refused(Conflict, report_id, people.anonymous, "open",
                    at=T0 + 30 * DAY + timedelta(seconds=1), note="Still dark.")
    assert error.extra["allowed"] == []
    assert report(report_id).status == "resolved"


def test_after_30_days_the_department_may_still_reopen(city, people):
    report_id = resolved_report(people, at=T0)
    move(report_id, people.pwd, "open", at=T0 + 90 * DAY, note="Inspection found it dark.")
    assert report(report_id).reopen_count == 1


def test_reopening_needs_a_reason(city, people):
    report_id = resolved_report(people, at=T0)
    error = refused(InvalidInput, report_id, people.anonymous, "open", at=T0 + DAY)
    assert list(error.errors["json"]) == ["note"]


def test_neighbours_cannot_reopen_a_closed_report(city, people):
    report_id = submit()
    move(report_id, people.pwd, "closed", at=T0 + HOUR, note="Private lamp.",
         reason="not_city_responsibility")
    refused(Unauthorized, report_id, people.anonymous, "open", at=T0 + 2 * HOUR,
            note="It is public.")
    refused(Forbidden, report_id, people.resident, "open", at=T0 + 2 * HOUR,
            note="It is public.")


# --- fix confirmations ---------------------------------------------------------------------

def confirm(report_id, actor, device=None, *, at=T0 + 2 * DAY) -> tuple[bool, int]:
    """Confirm a fix; return whether it was new and the report's fixed_count after it."""
    confirmed, created = confirm_fixed(report_id, actor, device=device, now=at)
    db.session.commit()
    return created, confirmed.fixed_count


def test_a_fix_is_confirmed_once_per_device_and_per_account(city, people):
    report_id = resolved_report(people)
    results = [confirm(report_id, people.anonymous, "device-one-1234"),
               confirm(report_id, people.anonymous, "device-one-1234"),
               confirm(report_id, people.anonymous, "device-two-1234"),
               confirm(report_id, people.resident),
               confirm(report_id, people.resident, "device-one-1234")]  # the account counts
    assert results == [(True, 1), (False, 1), (True, 2), (True, 3), (False, 3)]
    assert db.session.scalar(select(func.count(FixConfirmation.id))) == 3
    steps = [s for s in timeline(report_id) if s.kind == "confirm_fixed"]
    assert [(s.actor_role, s.from_status, s.to_status) for s in steps] == [
        ("visitor", "resolved", "resolved")] * 2 + [("resident", "resolved", "resolved")]
    assert report(report_id).status == "resolved"


def test_the_department_cannot_confirm_its_own_fix_but_other_staff_can(city, people):
    report_id = resolved_report(people)
    with pytest.raises(Forbidden):
        confirm_fixed(report_id, people.pwd, now=T0 + 2 * DAY)
    db.session.rollback()
    assert report(report_id).fixed_count == 0
    assert confirm(report_id, people.btd) == (True, 1)
    assert confirm(report_id, people.moderator) == (True, 2)


def test_a_device_id_is_stored_only_as_a_digest(city, people):
    report_id = resolved_report(people)
    confirm(report_id, people.anonymous, "device-one-1234")
    stored = db.session.scalar(select(FixConfirmation.supporter))
    assert stored.startswith("device:") and "device-one-1234" not in stored


def test_an_anonymous_confirmation_needs_a_device_id(city, people):
    report_id = resolved_report(people)
    with pytest.raises(InvalidInput) as info:
        confirm_fixed(report_id, people.anonymous, now=T0 + 2 * DAY)
    assert list(info.value.errors["json"]) == ["device_id"]


@pytest.mark.parametrize("status", ["open", "acknowledged", "closed"])
def test_only_a_resolved_report_can_be_confirmed_fixed(city, people, status):
    report_id = submit()
    if status == "acknowledged":
        move(report_id, people.pwd, "acknowledged", at=T0 + HOUR)
    if status == "closed":
        move(report_id, people.pwd, "closed", at=T0 + HOUR, note="Spam.", reason="spam")
    with pytest.raises(Conflict) as info:
        confirm_fixed(report_id, people.resident, now=T0 + 2 * HOUR)
    assert info.value.status_code == 409
    assert info.value.extra["status"] == status
    assert report(report_id).fixed_count == 0


def test_a_fix_cannot_be_confirmed_after_30_days(city, people):
    report_id = resolved_report(people, at=T0)
    assert confirm(report_id, people.resident, at=T0 + 30 * DAY) == (True, 1)
    with pytest.raises(Conflict):
        confirm_fixed(report_id, people.anonymous, device="device-one-1234",
                      now=T0 + 30 * DAY + timedelta(seconds=1))


# --- reassignment --------------------------------------------------------------------------

def reassign(report_id, actor, department, *, at=T0 + HOUR, note=None):
    step = reassign_report(report_id, actor, department, note=note, now=at)
    db.session.commit()
    return step


def test_reassigning_writes_a_step_and_moves_the_report(city, people):
    report_id = submit()
    step = reassign(report_id, people.pwd, "btd", note=" The signal is theirs. ")
    assert step.kind == "reassign"
    assert (step.from_department_id, step.to_department_id) == (city["PWD"], city["BTD"])
    assert (step.from_status, step.to_status) == ("open", "open")
    assert (step.actor_role, step.note, step.at) == ("staff", "The signal is theirs.",
                                                     T0 + HOUR)
    moved = report(report_id)
    assert moved.department_id == city["BTD"]
    assert moved.status == "open" and moved.updated_at == T0 + HOUR
    assert [s.kind for s in timeline(report_id)] == ["status", "reassign"]


def test_after_reassignment_the_new_department_works_the_report(city, people):
    report_id = submit()
    reassign(report_id, people.moderator, "Transportation")
    refused(Forbidden, report_id, people.pwd, "acknowledged", at=T0 + 2 * HOUR)
    move(report_id, people.btd, "acknowledged", at=T0 + 2 * HOUR)
    assert report(report_id).status == "acknowledged"


@pytest.mark.parametrize("who, error", [("btd", Forbidden), ("resident", Forbidden),
                                        ("officer", Forbidden), ("anonymous", Unauthorized)])
def test_only_routed_staff_moderators_and_admins_reassign(city, people, who, error):
    report_id = submit()
    with pytest.raises(error):
        reassign_report(report_id, getattr(people, who), "BTD", now=T0 + HOUR)
    db.session.rollback()
    assert report(report_id).department_id == city["PWD"]


def test_reassigning_to_the_same_department_is_invalid(city, people):
    report_id = submit()
    with pytest.raises(InvalidInput) as info:
        reassign_report(report_id, people.pwd, "public works", now=T0 + HOUR)
    assert list(info.value.errors["json"]) == ["department"]


def test_reassigning_to_an_unknown_department_is_not_found(city, people):
    report_id = submit()
    with pytest.raises(NotFound):
        reassign_report(report_id, people.admin, "Department of Magic", now=T0 + HOUR)


def test_a_resolved_report_cannot_be_reassigned(city, people):
    report_id = resolved_report(people)
    with pytest.raises(Conflict) as info:
        reassign_report(report_id, people.pwd, "BTD", now=T0 + 2 * DAY)
    assert info.value.extra["allowed"] == ["open"]


# --- immutability --------------------------------------------------------------------------

def first_step(report_id) -> StatusChange:
    return db.session.scalar(select(StatusChange).where(StatusChange.report_id == report_id))


def test_a_step_cannot_be_updated_through_the_orm(city, people):
    report_id = submit()
    step = first_step(report_id)
    step.note = "Rewritten history."
    with pytest.raises(ImmutableStep):
        db.session.flush()
    db.session.rollback()
    assert first_step(report_id).note is None


def test_a_step_cannot_be_deleted_through_the_orm(city, people):
    report_id = submit()
    db.session.delete(first_step(report_id))
    with pytest.raises(ImmutableStep):
        db.session.flush()
    db.session.rollback()
    assert step_count(report_id) == 1


# --- the status_changed signal -------------------------------------------------------------

def test_status_changed_is_sent_once_for_every_step(app, city, people):
    seen = []

    def receiver(sender, report, step, **_):
        assert sender is app
        assert step.id is not None  # flushed before the signal
        seen.append((report.id, step.kind, step.from_status, step.to_status))

    report_id = submit()
    with signals.status_changed.connected_to(receiver):
        move(report_id, people.pwd, "acknowledged", at=T0 + HOUR)
        reassign(report_id, people.pwd, "BTD", at=T0 + 2 * HOUR)
        refused(Forbidden, report_id, people.pwd, "resolved", at=T0 + 3 * HOUR, note="x")
        move(report_id, people.btd, "resolved", at=T0 + 3 * HOUR, note="Fixed.")
        confirm(report_id, people.resident, at=T0 + 4 * HOUR)
        confirm(report_id, people.resident, at=T0 + 4 * HOUR)  # no new step, no signal
        move(report_id, people.anonymous, "open", at=T0 + 5 * HOUR, note="Dark again.")
    assert seen == [
        (report_id, "status", "open", "acknowledged"),
        (report_id, "reassign", "acknowledged", "acknowledged"),
        (report_id, "status", "acknowledged", "resolved"),
        (report_id, "confirm_fixed", "resolved", "resolved"),
        (report_id, "status", "resolved", "open"),
    ]
    assert step_count(report_id) == 1 + len(seen)


def test_category_default_routes_intake_to_public_works(city):
    report_id = submit()
    category = db.session.scalar(select(Category).where(Category.code == city["category"]))
    assert report(report_id).department_id == category.default_department_id == city["PWD"]
    assert timeline(report_id)[0].to_department_id == city["PWD"]
