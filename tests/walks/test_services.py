"""Walk uploads (walks/services.py) and reads (walks/queries.py) on both engines.

The phone's offline queue sends a walk in parts, in any order, and retries: one walk, one
point per timestamp, times that never change silently, and only its officer may write it.
"""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from neighborhood.accounts.permissions import Actor, Role
from neighborhood.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from neighborhood.extensions import db
from neighborhood.reports.services import Submission, submit_report
from neighborhood.walks import services
from neighborhood.walks.models import Walk
from neighborhood.walks.queries import list_walks, walk_summary
from neighborhood.walks.services import save_walk
from neighborhood.walks.tracks import track_length_m
from tests.walks.conftest import MINUTE_MS, ROUTE, ms, points

WALK = "6f1c2a4e-9b1d-4c3e-8a57-0d2b7e9f1a10"


def actor_of(account) -> Actor:
    return Actor(user_id=account.id, role=Role(account.role))


def upload(started_at, track=(), ended_at=None) -> dict:
    """Return what WalkPutSchema loads from a PUT body."""
    return {"started_at": started_at, "ended_at": ended_at, "track": list(track)}


def stored(walk_uuid=WALK) -> Walk:
    return db.session.scalar(select(Walk).where(Walk.uuid == walk_uuid))


def walk_count() -> int:
    return db.session.scalar(select(func.count(Walk.id)))


def test_the_first_upload_creates_the_walk_for_the_calling_officer(ctx, dummy_officer,
                                                                   walk_started_at):
    result = save_walk(actor_of(dummy_officer), WALK.upper(),
                       upload(walk_started_at, points(walk_started_at)))
    assert result.created
    walk = stored()
    assert walk.uuid == WALK  # canonical: lower case
    assert walk.officer_id == dummy_officer.id
    assert walk.started_at == walk_started_at and walk.ended_at is None
    assert walk.track == [[lon, lat, ms(walk_started_at) + i * MINUTE_MS]
                          for i, (lon, lat) in enumerate(ROUTE)]
    assert walk.distance_m == pytest.approx(track_length_m(walk.track))


def test_a_retried_upload_creates_no_second_walk_and_changes_nothing(ctx, dummy_officer,
                                                                     walk_started_at):
    data = upload(walk_started_at, points(walk_started_at),
                  ended_at=walk_started_at + timedelta(minutes=5))
    assert save_walk(actor_of(dummy_officer), WALK, data).created
    db.session.commit()
    before = (stored().track, stored().distance_m, stored().updated_at)
    for _ in range(3):
        assert not save_walk(actor_of(dummy_officer), WALK, data).created
        db.session.commit()
    assert walk_count() == 1
    assert (stored().track, stored().distance_m, stored().updated_at) == before


def test_partial_tracks_sent_out_of_order_merge_into_one_sorted_track(ctx, dummy_officer,
                                                                      walk_started_at):
    whole = points(walk_started_at)
    officer = actor_of(dummy_officer)
    # The end first (with ended_at), then the middle, then the start twice.
    ended = walk_started_at + timedelta(minutes=5)
    save_walk(officer, WALK, upload(walk_started_at, whole[3:], ended_at=ended))
    save_walk(officer, WALK, upload(walk_started_at, [whole[2], whole[3]]))
    save_walk(officer, WALK, upload(walk_started_at, whole[:2]))
    save_walk(officer, WALK, upload(walk_started_at, whole[:2]))
    walk = stored()
    assert [p[2] for p in walk.track] == [p["at"] for p in whole]
    assert walk.ended_at == ended  # an older queued upload without ended_at keeps it
    assert walk.distance_m == pytest.approx(track_length_m(walk.track))
    assert walk_count() == 1


def test_a_first_upload_that_loses_the_race_merges_into_the_winner(ctx, dummy_officer,
                                                                    walk_started_at,
                                                                    monkeypatch):
    whole = points(walk_started_at)
    officer = actor_of(dummy_officer)
    save_walk(officer, WALK, upload(walk_started_at, whole[:2]))
    db.session.commit()
    # The second request looked before the first one committed: it saw no walk yet.
    real, calls = services._locked, []

    def first_sees_nothing(key):
        calls.append(key)
        return None if len(calls) == 1 else real(key)

    monkeypatch.setattr(services, "_locked", first_sees_nothing)
    assert not save_walk(officer, WALK, upload(walk_started_at, whole[2:])).created
    db.session.commit()
    assert len(calls) == 2  # it looked again after the unique uuid refused its insert
    assert walk_count() == 1 and len(stored().track) == len(ROUTE)


def test_a_resent_timestamp_keeps_the_point_first_stored(ctx, dummy_officer, walk_started_at):
    first = points(walk_started_at)[:1]
    save_walk(actor_of(dummy_officer), WALK, upload(walk_started_at, first))
    moved = [{**first[0], "lat": 42.36}]
    save_walk(actor_of(dummy_officer), WALK, upload(walk_started_at, moved))
    assert stored().track == [[first[0]["lon"], first[0]["lat"], first[0]["at"]]]


def test_another_officer_cannot_overwrite_a_walk(ctx, create_account, dummy_officer,
                                                 walk_started_at):
    intruders = [actor_of(create_account(role)) for role in ("officer", "admin")]
    save_walk(actor_of(dummy_officer), WALK, upload(walk_started_at, points(walk_started_at)))
    db.session.commit()
    for intruder in intruders:
        with pytest.raises(Forbidden, match="another officer's"):
            save_walk(intruder, WALK, upload(walk_started_at, points(walk_started_at, first=9)))
    db.session.rollback()
    assert stored().officer_id == dummy_officer.id and len(stored().track) == len(ROUTE)


@pytest.mark.parametrize("role, error", [
    (None, Unauthorized), ("resident", Forbidden), ("staff", Forbidden),
    ("moderator", Forbidden),
])
def test_only_officers_and_admins_record_walks(ctx, create_account, create_department,
                                               walk_started_at, role, error):
    if role is None:
        actor = Actor()
    else:
        department = "PWD" if role == "staff" else None
        if department:
            create_department()
        actor = actor_of(create_account(role, department=department))
    with pytest.raises(error):
        save_walk(actor, WALK, upload(walk_started_at))
    assert walk_count() == 0


def test_admins_record_walks_too(ctx, create_account, walk_started_at):
    assert save_walk(actor_of(create_account("admin")), WALK, upload(walk_started_at)).created


def test_ended_at_may_be_repeated_or_left_out_but_not_changed(ctx, dummy_officer,
                                                               walk_started_at):
    officer, ended = actor_of(dummy_officer), walk_started_at + timedelta(minutes=30)
    save_walk(officer, WALK, upload(walk_started_at, ended_at=ended))
    save_walk(officer, WALK, upload(walk_started_at, ended_at=ended))
    save_walk(officer, WALK, upload(walk_started_at))
    with pytest.raises(Conflict) as exc:
        save_walk(officer, WALK, upload(walk_started_at, points(walk_started_at),
                                        ended_at=ended + timedelta(seconds=1)))
    assert list(exc.value.errors["json"]) == ["ended_at"]
    assert stored().ended_at == ended


def test_started_at_cannot_change(ctx, dummy_officer, walk_started_at):
    save_walk(actor_of(dummy_officer), WALK, upload(walk_started_at))
    with pytest.raises(Conflict) as exc:
        save_walk(actor_of(dummy_officer), WALK, upload(walk_started_at - timedelta(minutes=1)))
    assert list(exc.value.errors["json"]) == ["started_at"]


def test_a_walk_ended_later_keeps_the_same_started_at_from_another_offset(ctx, dummy_officer,
                                                                          walk_started_at):
    from zoneinfo import ZoneInfo

    save_walk(actor_of(dummy_officer), WALK, upload(walk_started_at))
    boston = walk_started_at.astimezone(ZoneInfo("America/New_York"))
    assert not save_walk(actor_of(dummy_officer), WALK, upload(boston)).created


@pytest.mark.parametrize("case, field", [
    ("started in the future", "started_at"),
    ("ended in the future", "ended_at"),
    ("longer than a day", "ended_at"),
])
def test_implausible_walk_times_are_refused_naming_the_field(ctx, dummy_officer,
                                                             walk_started_at, case, field):
    from neighborhood.core.db import utcnow

    now = utcnow()
    data = {
        "started in the future": upload(now + timedelta(hours=2)),
        "ended in the future": upload(walk_started_at, ended_at=now + timedelta(hours=2)),
        "longer than a day": upload(now - timedelta(hours=30), ended_at=now - timedelta(hours=5)),
    }[case]
    with pytest.raises(InvalidInput) as exc:
        save_walk(actor_of(dummy_officer), WALK, data, now=now)
    assert list(exc.value.errors["json"]) == [field]
    assert walk_count() == 0


@pytest.mark.parametrize("minutes, now_hours", [
    (-11, 2),  # before the start, more than a cached fix could be
    (24 * 60 + 1, 30),  # over a day after it
    (3 * 60 + 1, 2),  # over an hour ahead of the server's clock
])
def test_points_outside_the_walk_are_refused_naming_the_point(ctx, dummy_officer,
                                                              walk_started_at, minutes,
                                                              now_hours):
    track = points(walk_started_at)
    track[2]["at"] = ms(walk_started_at) + minutes * MINUTE_MS
    with pytest.raises(InvalidInput) as exc:
        save_walk(actor_of(dummy_officer), WALK, upload(walk_started_at, track),
                  now=walk_started_at + timedelta(hours=now_hours))
    assert list(exc.value.errors["json"]["track"]) == ["2"]
    assert list(exc.value.errors["json"]["track"]["2"]) == ["at"]


def test_a_cached_fix_just_before_the_start_is_kept(ctx, dummy_officer, walk_started_at):
    track = [{"lon": -71.0656, "lat": 42.3550, "at": ms(walk_started_at) - 5 * MINUTE_MS}]
    save_walk(actor_of(dummy_officer), WALK, upload(walk_started_at, track))
    assert len(stored().track) == 1


def test_a_walk_holds_a_bounded_number_of_points(ctx, dummy_officer, walk_started_at,
                                                 monkeypatch):
    monkeypatch.setattr(services, "MAX_TRACK_POINTS", 6)
    officer = actor_of(dummy_officer)
    save_walk(officer, WALK, upload(walk_started_at, points(walk_started_at)))
    with pytest.raises(InvalidInput) as exc:
        save_walk(officer, WALK, upload(walk_started_at, points(walk_started_at, first=5)))
    assert list(exc.value.errors["json"]) == ["track"]


def test_a_path_id_that_is_not_a_uuid_is_refused(ctx, dummy_officer, walk_started_at):
    with pytest.raises(InvalidInput) as exc:
        save_walk(actor_of(dummy_officer), "not-a-uuid", upload(walk_started_at))
    assert exc.value.errors == {"path": {"walk_uuid": ["Not a UUID."]}}


def test_the_distance_agrees_with_the_engines_ellipsoid(ctx, app, dummy_officer,
                                                       walk_started_at):
    save_walk(actor_of(dummy_officer), WALK, upload(walk_started_at, points(walk_started_at)))
    line = "LINESTRING(" + ", ".join(f"{lon} {lat}" for lon, lat in ROUTE) + ")"
    if app.config["ENGINE"] == "postgis":
        sql = "SELECT ST_Length(ST_GeogFromText(:wkt))"
    else:
        sql = "SELECT ST_Length(GeomFromText(:wkt, 4326), 1)"
    ellipsoid = db.session.execute(text(sql), {"wkt": line}).scalar()
    assert ellipsoid == pytest.approx(600, rel=0.05)  # five fixes a block apart
    assert stored().distance_m == pytest.approx(ellipsoid, rel=5e-3)


# --- reads ------------------------------------------------------------------------------------

def test_officers_list_their_own_walks_newest_first(ctx, create_account, create_walk,
                                                    dummy_officer, walk_started_at):
    other = create_account("officer")
    older = create_walk(dummy_officer, started_at=walk_started_at - timedelta(days=1))
    newer = create_walk(dummy_officer)
    create_walk(other)
    walks = list_walks(actor_of(dummy_officer))
    assert [w["uuid"] for w in walks] == [newer, older]
    assert walks[0]["point_count"] == len(ROUTE) and walks[0]["report_count"] == 0
    assert walks[0]["officer_name"] and walks[0]["distance_m"] > 0
    assert [w["uuid"] for w in list_walks(actor_of(dummy_officer), dummy_officer.id)] \
        == [newer, older]
    with pytest.raises(Forbidden):
        list_walks(actor_of(dummy_officer), other.id)


def test_supervisors_list_every_walk_or_one_officers(ctx, create_account, create_walk,
                                                     dummy_officer):
    other = create_account("officer")
    supervisors = [actor_of(create_account(role)) for role in ("moderator", "admin")]
    mine, theirs = create_walk(dummy_officer), create_walk(other)
    for supervisor in supervisors:
        assert {w["uuid"] for w in list_walks(supervisor)} == {mine, theirs}
        assert [w["uuid"] for w in list_walks(supervisor, other.id)] == [theirs]
    assert list_walks(actor_of(dummy_officer), limit=1, offset=1) == []


@pytest.mark.parametrize("role, error", [(None, Unauthorized), ("resident", Forbidden)])
def test_walks_are_not_listed_for_everyone(ctx, create_account, dummy_walk, role, error):
    actor = Actor() if role is None else actor_of(create_account(role))
    with pytest.raises(error):
        list_walks(actor)


def _report_on(account, walk_uuid, **body):
    data = {"category": "street_light_outage", "description": "Lamp out.", "lat": 42.3560,
            "lon": -71.0643, "walk_id": uuid.UUID(walk_uuid)} | body
    return submit_report(Submission(data=data), actor=actor_of(account)).report.id


def test_the_summary_has_the_route_distance_duration_and_the_officers_reports_on_it(
        ctx, create_account, create_walk, dummy_category, dummy_officer, walk_started_at):
    other = create_account("officer")
    # The report comes first: the phone's queue sent it before the walk.
    report_id = _report_on(dummy_officer, WALK)
    _report_on(other, WALK)  # someone else's report naming this walk is not on it
    _report_on(dummy_officer, str(uuid.uuid4()))  # another walk of the same officer
    db.session.commit()
    create_walk(dummy_officer, WALK, ended_at=walk_started_at + timedelta(minutes=40))
    summary = walk_summary(actor_of(dummy_officer), WALK)
    assert summary["track"] == {"coordinates": [[lon, lat] for lon, lat in ROUTE]}
    assert summary["duration_s"] == 40 * 60
    assert summary["distance_m"] == pytest.approx(stored().distance_m)
    assert summary["report_count"] == 1
    [feature] = summary["reports"]
    assert feature["id"] == report_id
    assert feature["geometry"] == {"coordinates": [-71.0643, 42.3560]}
    assert set(feature["properties"]) == {"id", "category", "status", "created_at",
                                          "location_generalized"}
    assert feature["properties"]["category"] == "street_light_outage"


def test_a_sensitive_report_on_a_walk_keeps_its_generalized_point(ctx, create_category,
                                                                   create_walk, dummy_officer):
    create_category("unsanitary_food", "Unsanitary food", "problem_business", 2,
                    sensitive=True)
    _report_on(dummy_officer, WALK, category="unsanitary_food", lat=42.355123, lon=-71.065678)
    db.session.commit()
    create_walk(dummy_officer, WALK)
    [feature] = walk_summary(actor_of(dummy_officer), WALK)["reports"]
    assert feature["geometry"] == {"coordinates": [-71.066, 42.355]}
    assert feature["properties"]["location_generalized"] is True


def test_a_walk_below_two_fixes_has_no_line_and_an_open_walk_no_duration(ctx, create_walk,
                                                                         dummy_officer,
                                                                         walk_started_at):
    create_walk(dummy_officer, WALK, track=points(walk_started_at)[:1])
    summary = walk_summary(actor_of(dummy_officer), WALK)
    assert summary["track"] is None and summary["duration_s"] is None
    assert summary["distance_m"] == 0 and summary["reports"] == []


def test_only_its_officer_and_supervisors_see_a_walk(ctx, create_account, dummy_walk):
    accounts = {role: actor_of(create_account(role))
                for role in ("moderator", "admin", "officer", "resident")}
    for role in ("moderator", "admin"):
        assert walk_summary(accounts[role], dummy_walk)["uuid"] == dummy_walk
    for role in ("officer", "resident"):
        with pytest.raises(Forbidden):
            walk_summary(accounts[role], dummy_walk)
    with pytest.raises(Unauthorized):
        walk_summary(Actor(), dummy_walk)


def test_an_unknown_walk_is_not_found(ctx, dummy_officer):
    with pytest.raises(NotFound):
        walk_summary(actor_of(dummy_officer), WALK)
    with pytest.raises(NotFound):
        walk_summary(actor_of(dummy_officer), "not-a-uuid")
