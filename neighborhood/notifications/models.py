"""The outbox: messages written in the same transaction as the change they announce."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from neighborhood.core.db import UTCDateTime, in_check, utcnow
from neighborhood.extensions import db

OUTBOX_STATES = ("pending", "sending", "sent", "failed")


class OutboxMessage(db.Model):
    """One email to send after commit; `dedupe_key` makes writing it twice a no-op."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint(in_check("state", OUTBOX_STATES), name="ck_outbox_state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
