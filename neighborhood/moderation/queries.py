"""The moderation queue: held reports not yet decided, and public reports with open flags."""

from collections import Counter

from sqlalchemy import or_, select

from neighborhood.accounts.permissions import Actor
from neighborhood.extensions import db
from neighborhood.moderation.models import ContentFlag
from neighborhood.moderation.services import removed_condition, require_moderator
from neighborhood.reports.models import Category, Report
from neighborhood.workflow.states import Status

QUEUE_LIMIT = 200


def moderation_queue(actor: Actor, limit: int = QUEUE_LIMIT) -> list[dict]:
    """Return what waits for a moderator, oldest first, with each report's open flags."""
    require_moderator(actor)
    open_flag = select(ContentFlag.id).where(ContentFlag.report_id == Report.id,
                                             ContentFlag.resolved_at.is_(None)).exists()
    held = (Report.status == Status.PENDING_REVIEW.value) & ~removed_condition(Report.id)
    rows = db.session.execute(
        select(Report, Category).join(Category, Category.id == Report.category_id)
        .where(or_(held, open_flag)).order_by(Report.created_at, Report.id).limit(limit)).all()
    flags: dict[int, list[ContentFlag]] = {}
    if rows:
        for flag in db.session.scalars(select(ContentFlag).where(
                ContentFlag.report_id.in_([r.id for r, _ in rows]),
                ContentFlag.resolved_at.is_(None)).order_by(ContentFlag.created_at)):
            flags.setdefault(flag.report_id, []).append(flag)
    return [{"id": report.id, "status": report.status, "category": category.code,
             "category_name": category.name, "family": category.family,
             "sensitive": category.sensitive, "description": report.description,
             "address": report.address, "created_at": report.created_at,
             "flag_count": len(flags.get(report.id, [])),
             "reasons": dict(Counter(f.reason for f in flags.get(report.id, []))),
             "notes": [f.note for f in flags.get(report.id, []) if f.note]}
            for report, category in rows]
