"""Choose the department for a report: the most specific rule wins. Pure: no Flask, no db.

Specificity, most specific first:
1. a service area claimed for this category that contains the point (smallest area first);
2. a service area claimed for every category that contains the point (smallest first);
3. the category's default department;
4. the city's fallback department (None: the report stays unrouted).
Ties in area go to the older claim (lower id), so routing never depends on row order.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from shapely import Point
from shapely.geometry.base import BaseGeometry
from shapely.prepared import PreparedGeometry, prep


@dataclass(frozen=True)
class Claim:
    """A department's claim on an area, for one category or (category_id None) for all."""

    id: int
    department_id: int
    category_id: int | None
    area: BaseGeometry

    @property
    def size(self) -> float:
        """Return the claim's area in square degrees; comparable within one city."""
        return self.area.area


@dataclass(frozen=True)
class Decision:
    """Which department gets the report, and the rule that decided it."""

    department_id: int | None
    rule: str  # "category_area", "area", "category_default", "fallback", "unrouted"
    claim_id: int | None = None


class Router:
    """The claims of a city, prepared for fast point-in-polygon tests."""

    def __init__(self, claims: Iterable[Claim]):
        self._claims: list[tuple[Claim, PreparedGeometry]] = [
            (c, prep(c.area)) for c in sorted(claims, key=lambda c: (c.size, c.id))]

    def choose_department(self, category_id: int, lon: float, lat: float,
                          default_department_id: int | None,
                          fallback_department_id: int | None = None) -> Decision:
        """Return the department for a report of this category at (lon, lat)."""
        return choose_department(self._claims, category_id, lon, lat, default_department_id,
                                 fallback_department_id)


def choose_department(claims, category_id: int, lon: float, lat: float,
                      default_department_id: int | None,
                      fallback_department_id: int | None = None) -> Decision:
    """Return the department for a report; claims are (Claim, prepared) pairs, smallest first."""
    point = Point(lon, lat)
    for wanted, rule in ((category_id, "category_area"), (None, "area")):
        for claim, prepared in claims:
            if claim.category_id == wanted and prepared.covers(point):
                return Decision(claim.department_id, rule, claim.id)
    if default_department_id is not None:
        return Decision(default_department_id, "category_default")
    if fallback_department_id is not None:
        return Decision(fallback_department_id, "fallback")
    return Decision(None, "unrouted")
