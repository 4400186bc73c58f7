"""Officer walks: a patrol route recorded on a phone, identified by the phone's UUID."""

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from neighborhood.core.db import UTCDateTime, utcnow
from neighborhood.extensions import db

MAX_POINTS_PER_REQUEST = 20_000
MAX_TRACK_POINTS = 100_000  # a fix a second for a day, with room to spare


class Walk(db.Model):
    """One officer's walk: when it started and ended, and the GPS track it followed."""

    __tablename__ = "walk"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The phone makes the id before it is online: every upload of the walk carries it.
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                            index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # [[lon, lat, unix ms], ...], oldest first, one point per timestamp (walks.tracks).
    track: Mapped[list] = mapped_column(JSON, default=list)
    # The track's length on the sphere, kept in step with the track by the service.
    distance_m: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
