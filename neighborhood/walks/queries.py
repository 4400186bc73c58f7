"""Read side of walks: an officer's patrol log, and one walk with its route and reports."""

import uuid

from flask_babel import gettext as _
from sqlalchemy import func, select

from neighborhood.accounts.models import User
from neighborhood.accounts.permissions import Actor, can_record_walk, can_view_walk
from neighborhood.core.errors import Forbidden, NotFound, Unauthorized
from neighborhood.extensions import db
from neighborhood.reports.models import Report
from neighborhood.reports.queries import public_place
from neighborhood.walks.models import Walk


def _require_walk_reader(actor: Actor) -> None:
    if actor.is_anonymous:
        raise Unauthorized(_("Sign in to see walks."))
    if not (can_record_walk(actor) or can_view_walk(actor, None)):
        raise Forbidden(_("Only officers, moderators and admins see walks."))


def _on_walk():
    """Return the filter of the reports made on a walk: tagged with it, by its officer."""
    return (Report.walk_uuid == Walk.uuid) & (Report.reporter_id == Walk.officer_id)


def _rows(query) -> list[dict]:
    report_count = (select(func.count(Report.id)).where(_on_walk()).correlate(Walk)
                    .scalar_subquery())
    query = query.add_columns(User.display_name, func.json_array_length(Walk.track),
                              report_count).join(User, User.id == Walk.officer_id)
    return [{"uuid": walk.uuid, "officer_id": walk.officer_id, "officer_name": name,
             "started_at": walk.started_at, "ended_at": walk.ended_at,
             "distance_m": walk.distance_m, "point_count": points, "report_count": reports,
             "created_at": walk.created_at, "updated_at": walk.updated_at}
            for walk, name, points, reports in db.session.execute(query)]


def walk_row(walk: Walk) -> dict:
    """Return a walk as listed (no track)."""
    return _rows(select(Walk).where(Walk.id == walk.id))[0]


def list_walks(actor: Actor, officer_id: int | None = None, *, limit: int = 50,
               offset: int = 0) -> list[dict]:
    """Return the walks the actor may see, newest first: their own, or any for supervisors."""
    _require_walk_reader(actor)
    if officer_id is None and not can_view_walk(actor, None):
        officer_id = actor.user_id
    if not can_view_walk(actor, officer_id):
        raise Forbidden(_("Officers see their own walks only."))
    query = select(Walk)
    if officer_id is not None:
        query = query.where(Walk.officer_id == officer_id)
    return _rows(query.order_by(Walk.started_at.desc(), Walk.id.desc())
                 .limit(limit).offset(offset))


def _report_feature(report: Report) -> dict:
    """Return the small public Feature of a report made on a walk."""
    place = public_place(report)
    return {"id": report.id, "geometry": {"coordinates": [place.lon, place.lat]},
            "properties": {"id": report.id, "category": report.category.code,
                           "status": report.status, "created_at": report.created_at,
                           "location_generalized": place.generalized}}


def walk_summary(actor: Actor, walk_uuid: str) -> dict:
    """Return a walk with its route as a LineString, its duration and the reports made on it."""
    _require_walk_reader(actor)
    try:
        key = str(uuid.UUID(str(walk_uuid)))
    except ValueError:
        raise NotFound(_("No walk %(uuid)s.", uuid=walk_uuid)) from None
    walk = db.session.scalar(select(Walk).where(Walk.uuid == key))
    if walk is None:
        raise NotFound(_("No walk %(uuid)s.", uuid=key))
    if not can_view_walk(actor, walk.officer_id):
        raise Forbidden(_("This walk is another officer's."))
    reports = db.session.scalars(select(Report).where(Report.walk_uuid == walk.uuid,
                                                      Report.reporter_id == walk.officer_id)
                                 .order_by(Report.created_at, Report.id))
    summary = walk_row(walk)
    summary["duration_s"] = ((walk.ended_at - walk.started_at).total_seconds()
                             if walk.ended_at else None)
    summary["track"] = ({"coordinates": [[lon, lat] for lon, lat, _ in walk.track]}
                        if len(walk.track) >= 2 else None)
    summary["reports"] = [_report_feature(r) for r in reports]
    return summary
