"""Areas: the city boundary and its neighborhoods."""

from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from neighborhood.core.db import UTCDateTime, utcnow

from neighborhood.extensions import db

AREA_KINDS = ("city", "neighborhood")


class Area(db.Model):
    """A named polygon: the one city boundary, or one neighborhood inside it."""

    __tablename__ = "area"
    __table_args__ = (
        UniqueConstraint("kind", "code", name="uq_area_kind_code"),
        CheckConstraint("kind IN ('city', 'neighborhood')", name="ck_area_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)
