"""Fixtures for the walks tests: upload bodies along a Boston route, and stored walks."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from neighborhood.extensions import db

# A patrol along Tremont Street, Boston (lon, lat), one fix a minute.
ROUTE = [(-71.0656, 42.3550), (-71.0643, 42.3560), (-71.0630, 42.3570), (-71.0617, 42.3580),
         (-71.0604, 42.3590)]
MINUTE_MS = 60_000


def ms(moment: datetime) -> int:
    """Return a datetime in Unix milliseconds."""
    return int(moment.timestamp() * 1000)


def points(started_at: datetime, route=ROUTE, *, first: int = 0) -> list[dict]:
    """Return track points along a route, one a minute from started_at (+ first minutes)."""
    start = ms(started_at)
    return [{"lon": lon, "lat": lat, "at": start + (first + i) * MINUTE_MS}
            for i, (lon, lat) in enumerate(route)]


def walk_body(started_at: datetime, track=None, ended_at: datetime | None = None) -> dict:
    """Return a PUT /api/v1/walks/<uuid> body."""
    body = {"started_at": started_at.isoformat(), "track": track or []}
    if ended_at is not None:
        body["ended_at"] = ended_at.isoformat()
    return body


@pytest.fixture
def walk_started_at():
    """When the test's walk started: two hours ago, to the millisecond (as a phone sends it)."""
    now = datetime.now(UTC).replace(microsecond=0)
    return now - timedelta(hours=2)


@pytest.fixture
def create_walk(app, walk_started_at):
    """Return a factory: create_walk(officer, walk_uuid=None, track=None, ...) -> the uuid."""
    from neighborhood.accounts.permissions import Actor, Role
    from neighborhood.walks.services import save_walk

    def create(officer, walk_uuid=None, *, track=None, started_at=None, ended_at=None):
        walk_uuid = walk_uuid or str(uuid.uuid4())
        started_at = started_at or walk_started_at
        data = {"started_at": started_at, "ended_at": ended_at,
                "track": points(started_at) if track is None else track}
        with app.app_context():
            save_walk(Actor(user_id=officer.id, role=Role(officer.role)), walk_uuid, data)
            db.session.commit()
        return walk_uuid

    return create


@pytest.fixture
def dummy_officer(create_account):
    """An officer account."""
    return create_account("officer")


@pytest.fixture
def dummy_walk(create_walk, dummy_officer):
    """A walk of dummy_officer along ROUTE (five fixes, one a minute), not ended yet."""
    return create_walk(dummy_officer)
