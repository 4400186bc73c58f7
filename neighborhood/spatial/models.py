"""Computed hotspot results, shared by every worker and warmed by `flask hotspots rebuild`."""

from datetime import datetime

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from neighborhood.core.db import UTCDateTime, utcnow
from neighborhood.extensions import db


class HotspotCache(db.Model):
    """One computed result, valid while the reports' data version is `data_version`."""

    __tablename__ = "hotspot_cache"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    data_version: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
