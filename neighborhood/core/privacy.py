"""Public location of a report: exact, or generalized for sensitive categories."""

import math
from dataclasses import dataclass

from neighborhood.core.spatial import BBox


@dataclass(frozen=True)
class PublicLocation:
    """Where a report may be shown publicly: coordinates and the address, if any."""

    lon: float
    lat: float
    address: str | None
    generalized: bool


def generalize_point(lon: float, lat: float, decimals: int) -> tuple[float, float]:
    """Return (lon, lat) rounded to `decimals` places: the one rounding rule of public outputs.

    Every output that shows where sensitive reports are (a report, an export row, an incident
    group's centre) goes through here, so none can be finer than another.
    """
    return round(lon, decimals), round(lat, decimals)


def public_location(lon: float, lat: float, address: str | None, *, sensitive: bool,
                    decimals: int | None) -> PublicLocation:
    """Return the location a public output may carry.

    Sensitive categories (problem businesses) are rounded to `decimals` places (3: about
    100 m) and lose their address, which would name the business; None keeps them exact.
    """
    if not sensitive or decimals is None:
        return PublicLocation(lon, lat, address, generalized=False)
    lon, lat = generalize_point(lon, lat, decimals)
    return PublicLocation(lon, lat, None, generalized=True)


def generalized_bbox(box: BBox, decimals: int) -> BBox | None:
    """Return the box of exact points whose generalized point lies in `box`; None if none can.

    A bbox filter on sensitive reports matches it: the rounded point is what is matched, so
    shrinking boxes cannot place a report more finely than its public point.
    """
    lons = generalized_range(box.min_lon, box.max_lon, decimals)
    lats = generalized_range(box.min_lat, box.max_lat, decimals)
    if lons is None or lats is None:
        return None
    return BBox(lons[0], lats[0], lons[1], lats[1])


def generalized_range(low: float, high: float, decimals: int) -> tuple[float, float] | None:
    """Return the exact values whose generalized value lies in [low, high], or None if none.

    generalize_point's rounding is monotonic, so they make one range [first, last] of floats:
    a filter on it selects by the generalized point while reading the exact one (and its
    spatial index), with the same rounding as every public output, ties included.
    """
    scale = 10 ** decimals
    # The first and last rounded values inside [low, high] (int / int is correctly rounded).
    first_k = math.floor(low * scale) - 1
    while first_k / scale < low:
        first_k += 1
    last_k = math.ceil(high * scale) + 1
    while last_k / scale > high:
        last_k -= 1
    if first_k > last_k:
        return None
    first = _first_rounding_to_at_least(first_k / scale, (first_k - 0.5) / scale, decimals)
    last = -_first_rounding_to_at_least(-(last_k / scale), -(last_k + 0.5) / scale, decimals)
    return first, last


def _first_rounding_to_at_least(target: float, guess: float, decimals: int) -> float:
    """Return the smallest float x with round(x, decimals) >= target, searching from guess."""
    x = guess
    while round(x, decimals) >= target:
        x = math.nextafter(x, -math.inf)
    while round(x, decimals) < target:
        x = math.nextafter(x, math.inf)
    return x
