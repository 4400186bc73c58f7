"""Moderation records: flags people raise on reports, and the ban list of contact addresses."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from neighborhood.core.db import UTCDateTime, utcnow
from neighborhood.extensions import db


class ContentFlag(db.Model):
    """Someone says a report should not be public (offensive, personal data, spam, ...).

    One flag per person or device and report. A moderator's decision resolves every open
    flag of the report; "removed" is also recorded on its own, so a removed report stays out
    of the queue even if nobody flagged it (e.g. a held problem-business report).
    """

    __tablename__ = "content_flag"
    __table_args__ = (UniqueConstraint("report_id", "flagger"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"),
                                           index=True)
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    # "user:<id>" or "device:<sha256>" (reports.engagement.supporter_key); never an address.
    flagger: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(String(16))  # kept, hidden, removed
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))


class BannedContact(db.Model):
    """An email address or a whole domain whose reports and follows are refused."""

    __tablename__ = "banned_contact"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pattern: Mapped[str] = mapped_column(String(254), unique=True)  # a@b.org or @b.org
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
