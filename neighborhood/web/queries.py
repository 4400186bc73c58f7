"""Read-side queries for the site pages."""

from sqlalchemy import case, func, select

from neighborhood.extensions import db
from neighborhood.reports.models import Category, Report
from neighborhood.workflow.states import OPEN_STATUSES, PUBLIC_STATUSES


def family_counts() -> list[dict]:
    """Return per family the number of public reports and of those still open."""
    is_open = case((Report.status.in_(sorted(OPEN_STATUSES)), 1), else_=0)
    rows = db.session.execute(
        select(Category.family, func.count(Report.id), func.coalesce(func.sum(is_open), 0))
        .join(Report.category).where(Report.status.in_(sorted(PUBLIC_STATUSES)))
        .group_by(Category.family).order_by(func.count(Report.id).desc())
    )
    return [{"family": family, "total": total, "open": int(still_open)}
            for family, total, still_open in rows]


def latest_reports(limit: int) -> list[Report]:
    """Return the newest public reports."""
    return list(db.session.scalars(
        select(Report).where(Report.status.in_(sorted(PUBLIC_STATUSES)))
        .order_by(Report.created_at.desc(), Report.id.desc()).limit(limit)))
