"""Reports, their categories and photos, and the idempotency keys of submissions."""

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import (Boolean, CheckConstraint, ForeignKey, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from neighborhood.core.db import UTCDateTime, utcnow
from neighborhood.extensions import db
from neighborhood.workflow.states import CloseReason, Family, Status

SOURCES = ("web", "app", "officer", "open311", "import")
DESCRIPTION_MAX = 4000  # the Open311 limit
MAX_ID = 2**31 - 1  # ids are 32-bit INTEGER on PostgreSQL


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class Category(db.Model):
    """A kind of problem residents can report (e.g. street light outage)."""

    __tablename__ = "category"
    __table_args__ = (CheckConstraint(_in("family", Family), name="ck_category_family"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    family: Mapped[str] = mapped_column(String(32))
    sla_days: Mapped[float | None] = mapped_column(db.Float)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)


class Report(db.Model):
    """One problem at one place, followed from intake to resolution."""

    __tablename__ = "report"
    __table_args__ = (
        CheckConstraint(_in("status", Status), name="ck_report_status"),
        CheckConstraint(_in("source", SOURCES), name="ck_report_source"),
        CheckConstraint(f"close_reason IS NULL OR {_in('close_reason', CloseReason)}",
                        name="ck_report_close_reason"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=False)
    address: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), index=True)
    close_reason: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(20))
    # The reporter's contact: private, never in any public output.
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    h3_r8: Mapped[str] = mapped_column(String(16), index=True)
    h3_r9: Mapped[str] = mapped_column(String(16), index=True)
    neighborhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("area.id", ondelete="SET NULL"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)

    category: Mapped[Category] = relationship(lazy="joined", innerjoin=True)
    photos: Mapped[list["Photo"]] = relationship(back_populates="report", order_by="Photo.id",
                                                 cascade="all, delete-orphan")


class Photo(db.Model):
    """A re-encoded photo of a report; the file lives in the photo store under `key`."""

    __tablename__ = "photo"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"),
                                           index=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[Report] = relationship(back_populates="photos")


class IdempotencyKey(db.Model):
    """A client's Idempotency-Key for a submission, with the fingerprint of its body."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
