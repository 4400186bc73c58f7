"""Public location of a report: exact, or generalized for sensitive categories."""

from dataclasses import dataclass


@dataclass(frozen=True)
class PublicLocation:
    """Where a report may be shown publicly: coordinates and the address, if any."""

    lon: float
    lat: float
    address: str | None
    generalized: bool


def public_location(lon: float, lat: float, address: str | None, *, sensitive: bool,
                    decimals: int | None) -> PublicLocation:
    """Return the location a public output may carry.

    Sensitive categories (problem businesses) are rounded to `decimals` places (3: about
    100 m) and lose their address, which would name the business; None keeps them exact.
    """
    if not sensitive or decimals is None:
        return PublicLocation(lon, lat, address, generalized=False)
    return PublicLocation(round(lon, decimals), round(lat, decimals), None, generalized=True)
