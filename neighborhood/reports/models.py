"""Reports, their categories and photos, and the idempotency keys of submissions."""

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import (JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String,
                        Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from neighborhood.core.db import UTCDateTime, in_check, utcnow
from neighborhood.extensions import db
from neighborhood.routing.models import Department
from neighborhood.workflow.states import CloseReason, Family, Status

SOURCES = ("web", "app", "officer", "open311", "import")
DESCRIPTION_MAX = 4000  # the Open311 limit
MAX_ID = 2**31 - 1  # ids are 32-bit INTEGER on PostgreSQL
PHOTO_KINDS = ("report", "resolution")


class Category(db.Model):
    """A kind of problem residents can report (e.g. street light outage)."""

    __tablename__ = "category"
    __table_args__ = (CheckConstraint(in_check("family", Family), name="ck_category_family"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    family: Mapped[str] = mapped_column(String(32))
    sla_days: Mapped[float | None] = mapped_column(db.Float)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    default_department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL"))
    # Extra questions (reports.questions): a list of Open311-style attribute definitions.
    questions: Mapped[list | None] = mapped_column(JSON)
    # When the category or its questions last changed: Open311 discovery's changeset.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Report(db.Model):
    """One problem at one place, followed from intake to resolution."""

    __tablename__ = "report"
    __table_args__ = (
        CheckConstraint(in_check("status", Status), name="ck_report_status"),
        CheckConstraint(in_check("source", SOURCES), name="ck_report_source"),
        CheckConstraint(f"close_reason IS NULL OR {in_check('close_reason', CloseReason)}",
                        name="ck_report_close_reason"),
        # A cell's reports newest first; PostgreSQL reads a small view's page from it alone
        # (reports.queries._merged_page_ids, migration 0009). It serves look-ups by cell too.
        Index("ix_report_h3_r9_id", "h3_r9", "id",
              postgresql_include=["status", "category_id", "created_at", "location"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    # PostgreSQL: its GiST index also INCLUDEs what the public list filters on (migration 0008).
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
    # Indexed: max(updated_at) is the data version hotspot caches are checked against.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow,
                                                 index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    h3_r8: Mapped[str] = mapped_column(String(16), index=True)
    h3_r9: Mapped[str] = mapped_column(String(16))  # indexed with id: ix_report_h3_r9_id
    neighborhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("area.id", ondelete="SET NULL"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL"), index=True)
    # The reporter's account, if signed in: private like the contact.
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("report.id", ondelete="SET NULL"), index=True)
    support_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reopen_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    fixed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Answers to the category's questions, by question code (public, like the description).
    answers: Mapped[dict | None] = mapped_column(JSON)
    # The Open311 api_key the report came through, if any (who integrated it; not public).
    api_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("open311_api_key.id", ondelete="SET NULL"), index=True)
    # The officer's walk it was made on (walks.Walk.uuid; not public). No foreign key: the
    # phone's offline queue may send the report before the walk itself.
    walk_uuid: Mapped[str | None] = mapped_column(String(36), index=True)

    category: Mapped[Category] = relationship(lazy="joined", innerjoin=True)
    department: Mapped["Department | None"] = relationship(lazy="joined")
    photos: Mapped[list["Photo"]] = relationship(back_populates="report", order_by="Photo.id",
                                                 cascade="all, delete-orphan")

    @property
    def reporter_photos(self) -> list["Photo"]:
        """Return the photos the reporter sent (not the staff's resolution photos)."""
        return [p for p in self.photos if p.kind == "report"]


class Photo(db.Model):
    """A re-encoded photo of a report; the file lives in the photo store under `key`."""

    __tablename__ = "photo"
    __table_args__ = (CheckConstraint(in_check("kind", PHOTO_KINDS), name="ck_photo_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"),
                                           index=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), default="report", server_default="report")
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


class _OncePerSupporter:
    """A report_id + supporter row, unique per pair: one voice per account or device."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"))
    supporter: Mapped[str] = mapped_column(String(80))  # "user:<id>" or "device:<sha256>"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Support(_OncePerSupporter, db.Model):
    """One person's or device's "me too" on a report; counted once each."""

    __tablename__ = "support"
    __table_args__ = (UniqueConstraint("report_id", "supporter", name="uq_support_supporter"),)


class FixConfirmation(_OncePerSupporter, db.Model):
    """One person's or device's confirmation that a resolved report is really fixed."""

    __tablename__ = "fix_confirmation"
    __table_args__ = (UniqueConstraint("report_id", "supporter", name="uq_fix_supporter"),)


class Follower(db.Model):
    """An email address that gets a report's updates once confirmed (double opt-in)."""

    __tablename__ = "follower"
    __table_args__ = (UniqueConstraint("report_id", "email", name="uq_follower_email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"),
                                           index=True)
    email: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    is_reporter: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
