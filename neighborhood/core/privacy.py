"""Public location of a report: exact, or generalized for sensitive categories."""

from dataclasses import dataclass


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
