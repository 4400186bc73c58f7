"""The timeline: immutable steps of a report's life (status moves, reassignment, confirmations)."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from neighborhood.core.db import UTCDateTime, in_check, utcnow
from neighborhood.extensions import db
from neighborhood.reports.models import Photo

STEP_KINDS = ("status", "reassign", "confirm_fixed")
ACTOR_ROLES = ("system", "visitor", "resident", "officer", "staff", "moderator", "admin")


class StatusChange(db.Model):
    """One step of a report's timeline; written once, never updated or deleted."""

    __tablename__ = "status_change"
    __table_args__ = (
        CheckConstraint(in_check("kind", STEP_KINDS), name="ck_status_change_kind"),
        CheckConstraint(in_check("actor_role", ACTOR_ROLES), name="ck_status_change_actor_role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"),
                                           index=True)
    kind: Mapped[str] = mapped_column(String(16), default="status")
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    close_reason: Mapped[str | None] = mapped_column(String(40))
    from_department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL"))
    to_department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL"))
    # Indexed: deleting a report or photo checks these keys (a scan per row without them).
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("report.id", ondelete="SET NULL"), index=True)
    actor_role: Mapped[str] = mapped_column(String(16))
    # Who acted: private (staff names are not part of the public timeline).
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photo.id", ondelete="SET NULL"),
                                                 index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    photo: Mapped[Photo | None] = relationship(lazy="joined")


class ImmutableStep(Exception):
    """Raised when code tries to change or delete a timeline step."""


@event.listens_for(StatusChange, "before_update")
@event.listens_for(StatusChange, "before_delete")
def _refuse_change(mapper, connection, target):
    raise ImmutableStep(f"Timeline step {target.id} is immutable.")
