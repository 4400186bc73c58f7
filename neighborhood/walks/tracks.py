"""GPS tracks as plain lists: merge uploads by timestamp, measure length. No Flask, no database.

A track is a list of [lon, lat, at] points, `at` in Unix milliseconds, oldest first, with one
point per timestamp.
"""

import math
from collections.abc import Iterable, Sequence
from itertools import pairwise

# The mean Earth radius (IUGG): haversine on it is within 0.5 % of the ellipsoid.
EARTH_RADIUS_M = 6_371_008.8


def merge_tracks(stored: Iterable[Sequence], sent: Iterable[Sequence]) -> list[list]:
    """Return the union of two tracks by timestamp, oldest first; the stored point wins a tie.

    Merging is idempotent (a retry adds nothing) and any order of partial uploads of the same
    points gives the same track.
    """
    by_time: dict[int, list] = {}
    for lon, lat, at in (*stored, *sent):
        by_time.setdefault(int(at), [float(lon), float(lat), int(at)])
    return [by_time[at] for at in sorted(by_time)]


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Return the great-circle distance in metres between two WGS84 points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((phi2 - phi1) / 2) ** 2
         + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def track_length_m(track: Sequence[Sequence]) -> float:
    """Return the length in metres of a track (the sum of its legs, in time order)."""
    return math.fsum(haversine_m(a[0], a[1], b[0], b[1]) for a, b in pairwise(track))
