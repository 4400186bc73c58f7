"""Walks: store what a phone's offline queue sends, in any order and as often as it likes.

An upload (PUT by the walk's UUID) creates the walk for the calling officer or merges into it:
the track is the union of every upload's points by timestamp, so retries and partial uploads
never lose or double a point; started_at never changes and ended_at, once set, only repeats.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from neighborhood.accounts.permissions import Actor, can_record_walk
from neighborhood.core.db import utcnow
from neighborhood.core.errors import Conflict, Forbidden, InvalidInput, Unauthorized
from neighborhood.extensions import db
from neighborhood.walks.models import MAX_TRACK_POINTS, Walk
from neighborhood.walks.tracks import merge_tracks, track_length_m

CLOCK_SKEW = timedelta(hours=1)  # how far ahead of ours a phone's clock may run
GPS_WARMUP = timedelta(minutes=10)  # a cached fix may predate the start
MAX_DURATION = timedelta(hours=24)


@dataclass(frozen=True)
class SaveResult:
    """The walk after an upload, and whether the upload created it."""

    walk: Walk
    created: bool


def walk_uuid_of(value: str) -> str:
    """Return a walk UUID in canonical form (lower case, hyphens); 422 if it is not one."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise InvalidInput.field("path", "walk_uuid", _("Not a UUID.")) from None


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _check_times(data: dict, now: datetime) -> None:
    """Refuse times no phone on a walk could send; 422 naming the field (and the point)."""
    started, ended = data["started_at"], data.get("ended_at")
    latest = now + CLOCK_SKEW
    if started > latest:
        raise InvalidInput.field("json", "started_at", _("Must not be in the future."))
    if ended is not None and ended > latest:
        raise InvalidInput.field("json", "ended_at", _("Must not be in the future."))
    if ended is not None and ended - started > MAX_DURATION:
        raise InvalidInput.field("json", "ended_at", _("A walk lasts at most 24 hours."))
    first, last = _ms(started - GPS_WARMUP), _ms(min(started + MAX_DURATION, latest))
    for index, point in enumerate(data["track"]):
        if not first <= point["at"] <= last:
            message = _("Must be within the walk: from 10 minutes before started_at to 24 "
                        "hours after it, and not in the future.")
            raise InvalidInput(f"Invalid track[{index}].at: {message}",
                               {"json": {"track": {str(index): {"at": [message]}}}})


def _locked(walk_uuid: str) -> Walk | None:
    return db.session.scalar(select(Walk).where(Walk.uuid == walk_uuid).with_for_update())


def _check_same_walk(walk: Walk, actor: Actor, data: dict) -> None:
    """Refuse an upload that is not the walk's own officer's, or that rewrites its times."""
    if walk.officer_id != actor.user_id:
        raise Forbidden(_("This walk is another officer's."))
    if data["started_at"] != walk.started_at:
        message = _("The walk started at %(at)s; it cannot change.",
                    at=walk.started_at.isoformat())
        raise Conflict(message, {"json": {"started_at": [message]}})
    ended = data.get("ended_at")
    if ended is not None and walk.ended_at is not None and ended != walk.ended_at:
        message = _("The walk ended at %(at)s; it cannot change.",
                    at=walk.ended_at.isoformat())
        raise Conflict(message, {"json": {"ended_at": [message]}})


def save_walk(actor: Actor, walk_uuid: str, data: dict, *,
              now: datetime | None = None) -> SaveResult:
    """Create the caller's walk, or merge an upload into it; a retry changes nothing.

    `data` is WalkPutSchema's: started_at, ended_at (optional) and track ({lat, lon, at}).
    """
    if actor.is_anonymous:
        raise Unauthorized(_("Sign in to record a walk."))
    if not can_record_walk(actor):
        raise Forbidden(_("Only officers and admins record walks."))
    now = now or utcnow()
    walk_uuid = walk_uuid_of(walk_uuid)
    _check_times(data, now)
    walk, created = _locked(walk_uuid), False
    if walk is None:
        walk = Walk(uuid=walk_uuid, officer_id=actor.user_id, started_at=data["started_at"],
                    ended_at=data.get("ended_at"), track=[], distance_m=0.0, created_at=now,
                    updated_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(walk)
                db.session.flush()
            created = True
        except IntegrityError:
            # A concurrent first upload of the same walk committed first: merge into it.
            walk = _locked(walk_uuid)
            if walk is None:
                raise
    if not created:
        _check_same_walk(walk, actor, data)
    track = merge_tracks(walk.track, ([p["lon"], p["lat"], p["at"]] for p in data["track"]))
    if len(track) > MAX_TRACK_POINTS:
        raise InvalidInput.field("json", "track",
                                 _("A walk holds at most %(count)s points.",
                                   count=MAX_TRACK_POINTS))
    if track != walk.track:
        walk.track = track
        walk.distance_m = track_length_m(track)
        walk.updated_at = now
    if walk.ended_at is None and data.get("ended_at") is not None:
        walk.ended_at = data["ended_at"]
        walk.updated_at = now
    db.session.flush()
    return SaveResult(walk, created)
