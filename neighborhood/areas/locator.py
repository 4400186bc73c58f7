"""Point-in-area look-ups with Shapely: inside the city? in which neighborhood? Pure."""

from dataclasses import dataclass

from shapely import STRtree, intersects_xy, prepare
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry


@dataclass
class AreaLocator:
    """The city boundary (None: no boundary configured) and the neighborhoods' polygons."""

    city: BaseGeometry | None
    neighborhood_ids: list[int]
    neighborhoods: list[BaseGeometry]

    def __post_init__(self):
        if self.city is not None:
            prepare(self.city)
        self._tree = STRtree(self.neighborhoods)

    def in_city(self, lon: float, lat: float) -> bool:
        """Return True if (lon, lat) lies in the city (always True without a boundary)."""
        # For a point, intersects is covers (inside or on the edge), without making a Point.
        return self.city is None or bool(intersects_xy(self.city, lon, lat))

    def neighborhood_at(self, lon: float, lat: float) -> int | None:
        """Return the id of the neighborhood covering (lon, lat), if any."""
        here = Point(lon, lat)
        hits = self._tree.query(here, predicate="covered_by")
        return self.neighborhood_ids[int(min(hits))] if len(hits) else None
