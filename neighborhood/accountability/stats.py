"""Accountability statistics: percentiles, shares, ranks, small samples and weekly series. Pure.

No Flask, no database: the queries hand over plain numbers and datetimes, this module turns
them into the figures the dashboard publishes. docs/accountability.md states every rule in
words; the tests compare the percentiles with NumPy and the standard library.

Percentiles use linear interpolation between closest ranks (Hyndman and Fan's type 7): NumPy's
default `method="linear"`, `statistics.quantiles(method="inclusive")`, and spreadsheets'
PERCENTILE.INC, so an analyst can reproduce every figure with the tool at hand.
"""

import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

MIN_SAMPLE = 10
"""Figures over fewer reports than this are flagged `small_sample` and never ranked."""

SECONDS_PER_HOUR = 3600.0


def percentile(values: Iterable[float], q: float) -> float | None:
    """Return the q-th percentile (0-100) by linear interpolation; None for no values."""
    return _from_sorted(_sorted(values), q)


def _sorted(values: Iterable[float]) -> np.ndarray:
    return np.sort(np.fromiter(values, dtype=float))


def _from_sorted(xs: np.ndarray, q: float) -> float | None:
    if not 0 <= q <= 100 or math.isnan(q):
        raise ValueError(f"q must be within 0 and 100, not {q}")
    if xs.size == 0:
        return None
    position = (xs.size - 1) * q / 100.0  # 0-based rank of the percentile
    below = math.floor(position)
    above = min(below + 1, xs.size - 1)
    fraction = position - below
    return float(xs[below] + fraction * (xs[above] - xs[below]))


def median(values: Iterable[float]) -> float | None:
    """Return the median (the 50th percentile: the mean of the middle two for even n)."""
    return percentile(values, 50)


def share(part: int, whole: int) -> float | None:
    """Return part / whole as a fraction from 0 to 1; None when whole is 0."""
    if part < 0 or whole < 0 or part > whole:
        raise ValueError(f"not a share: {part} of {whole}")
    return part / whole if whole else None


def within_sla(closed_at: datetime, due_at: datetime | None) -> bool | None:
    """Return True if closed on or before the due date; None without a due date."""
    return None if due_at is None else closed_at <= due_at


def is_small_sample(n: int) -> bool:
    """Return True when a figure rests on fewer than MIN_SAMPLE reports."""
    return n < MIN_SAMPLE


@dataclass(frozen=True)
class Summary:
    """Median and 90th percentile of a sample of durations (hours), with its size."""

    n: int
    median: float | None
    p90: float | None

    @property
    def small_sample(self) -> bool:
        """Return True when the sample is too small to publish without a warning."""
        return is_small_sample(self.n)


def summarize(hours: Sequence[float]) -> Summary:
    """Return the size, median and 90th percentile of a sample of durations."""
    xs = _sorted(hours)
    return Summary(int(xs.size), _from_sorted(xs, 50), _from_sorted(xs, 90))


def hours_between(start: datetime, end: datetime) -> float:
    """Return the hours from start to end (negative if end comes first)."""
    return (end - start).total_seconds() / SECONDS_PER_HOUR


def competition_ranks(values: Mapping, *, ascending: bool) -> dict:
    """Return each key's competition rank: 1 is best; ties share a rank (1, 2, 2, 4).

    Keys whose value is None get no rank (None); pass only the keys that may be ranked.
    """
    ranked = sorted((v for v in values.values() if v is not None), reverse=not ascending)
    first = {}
    for position, value in enumerate(ranked, start=1):
        first.setdefault(value, position)
    return {key: (None if value is None else first[value]) for key, value in values.items()}


def in_zone(moment: datetime, tz: str) -> datetime:
    """Return an aware datetime: a naive one is read as wall-clock time in the zone tz."""
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(tz))


@dataclass(frozen=True)
class Week:
    """One ISO week (Monday 00:00 to Monday 00:00, city time), clipped to the range."""

    label: str  # ISO 8601 week, e.g. 2015-W01
    monday: date  # the week's first day, city time
    start: datetime  # UTC; the range's start if the range begins inside the week
    end: datetime  # UTC, exclusive; the range's end if the range ends inside the week
    partial: bool  # True when the range cuts the week


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def weeks(start: datetime, end: datetime, tz: str) -> list[Week]:
    """Return the ISO weeks (Monday start, in the zone tz) that cover [start, end).

    Week bounds are local midnights converted to UTC one by one, so a week that holds a
    daylight-saving change is 167 or 169 hours long, as the city lives it.
    """
    if not start < end:
        return []
    zone = ZoneInfo(tz)
    first = start.astimezone(zone).date()
    monday = first - timedelta(days=first.weekday())
    out = []
    while True:
        week_start = _local_midnight(monday, zone)
        if week_start >= end:
            break
        week_end = _local_midnight(monday + timedelta(days=7), zone)
        year, number, _ = monday.isocalendar()
        out.append(Week(label=f"{year}-W{number:02d}", monday=monday,
                        start=max(week_start, start), end=min(week_end, end),
                        partial=week_start < start or week_end > end))
        monday += timedelta(days=7)
    return out


def bounds_of(series: Sequence[Week]) -> list[datetime]:
    """Return the UTC bounds of consecutive weeks: each week's start, then the last end."""
    return [w.start for w in series] + [series[-1].end] if series else []


def bucket_of(moment: datetime, bounds: Sequence[datetime]) -> int | None:
    """Return the index of the bucket [bounds[i], bounds[i+1]) holding moment, or None."""
    if not bounds or not bounds[0] <= moment < bounds[-1]:
        return None
    return bisect_right(bounds, moment) - 1
