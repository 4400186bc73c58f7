"""Action plans: a neighborhood's plan, its versions, and each version's commitments.

A version is written once and never updated or deleted: an edit is a new version, so the
history of what was promised stays as it was recorded.
"""

from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, Float, ForeignKey, Integer,
                        String, Text, UniqueConstraint, event)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from neighborhood.accountability.metrics import METRICS
from neighborhood.core.db import UTCDateTime, in_check, utcnow
from neighborhood.extensions import db
from neighborhood.workflow.states import Family

OWNER_KINDS = ("department", "group")
AUTHOR_ROLES = ("system", "admin")


class Plan(db.Model):
    """A neighborhood's action plan; what it says is in its versions."""

    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No ON DELETE: a neighborhood with a plan cannot be removed by a boundary reload.
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list["PlanVersion"]] = relationship(
        back_populates="plan", order_by="PlanVersion.number")


class PlanVersion(db.Model):
    """One version of a plan: as adopted (1) or as amended (2, 3, ...)."""

    __tablename__ = "plan_version"
    __table_args__ = (
        UniqueConstraint("plan_id", "number", name="uq_plan_version_number"),
        CheckConstraint(in_check("author_role", AUTHOR_ROLES), name="ck_plan_version_author"),
        CheckConstraint("baseline_from < baseline_to", name="ck_plan_version_baseline"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    meeting_date: Mapped[date] = mapped_column(Date)
    participants: Mapped[list] = mapped_column(JSON)  # organizations' names
    population: Mapped[int | None] = mapped_column(Integer)
    # Fixed at adoption, carried by every version: whole days, city time, `to` exclusive.
    baseline_from: Mapped[date] = mapped_column(Date)
    baseline_to: Mapped[date] = mapped_column(Date)
    author_role: Mapped[str] = mapped_column(String(16))
    # Who recorded it: private (only the role is published).
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    change_note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="versions")
    commitments: Mapped[list["PlanCommitment"]] = relationship(
        order_by="PlanCommitment.number", lazy="selectin")


class PlanCommitment(db.Model):
    """One commitment of a version: a metric, a target, a deadline, an owner, a baseline."""

    __tablename__ = "plan_commitment"
    __table_args__ = (
        UniqueConstraint("version_id", "number", name="uq_plan_commitment_number"),
        CheckConstraint(in_check("metric", METRICS), name="ck_plan_commitment_metric"),
        CheckConstraint(f"family IS NULL OR {in_check('family', Family)}",
                        name="ck_plan_commitment_family"),
        CheckConstraint(in_check("owner_kind", OWNER_KINDS), name="ck_plan_commitment_owner"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"),
                                            index=True)
    number: Mapped[int] = mapped_column(Integer)  # the same commitment keeps it across versions
    metric: Mapped[str] = mapped_column(String(40))
    family: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    target: Mapped[float] = mapped_column(Float)
    deadline: Mapped[date] = mapped_column(Date)
    owner_kind: Mapped[str] = mapped_column(String(16))
    owner_name: Mapped[str] = mapped_column(String(200))  # the group's, or the department's then
    owner_department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL"), index=True)
    adopted_on: Mapped[date] = mapped_column(Date)  # the meeting that adopted this definition
    # Frozen when the definition was adopted, over the plan's baseline window.
    baseline: Mapped[float | None] = mapped_column(Float)
    baseline_n: Mapped[int] = mapped_column(Integer)
    baseline_note: Mapped[str | None] = mapped_column(Text)
    baseline_computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    baseline_recomputed: Mapped[bool] = mapped_column(Boolean, default=False)


class ImmutableVersion(Exception):
    """Raised when code tries to change or delete a recorded plan version or commitment."""


@event.listens_for(PlanVersion, "before_update")
@event.listens_for(PlanVersion, "before_delete")
@event.listens_for(PlanCommitment, "before_update")
@event.listens_for(PlanCommitment, "before_delete")
def _refuse_change(mapper, connection, target):
    raise ImmutableVersion(f"{type(target).__name__} {target.id} is immutable.")
