"""Action-plan metrics: the fixed catalogue, the windows they are measured over, the status rule.

Pure: no Flask, no database. docs/accountability.md ("Action plans") states every rule in
words. Windows are whole days in the city's time zone: a `Window` holds local dates, `start`
inclusive and `end` exclusive, so every figure can be asked of `GET /api/v1/stats` with
`from=start&to=end`.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from neighborhood.accountability.stats import is_small_sample

DEFAULT_BASELINE_DAYS = 90
MIN_WINDOW_DAYS = 7
MAX_WINDOW_DAYS = 366
MAX_PLAN_YEARS = 5  # a deadline at most this long after the meeting
HOT_BIN = 2  # Gi* bins +2 and +3: hotspots at 95 % confidence or more, after FDR


class Direction(StrEnum):
    """Which way a metric improves."""

    LOWER = "lower"  # lower is better (days, backlog, hotspots)
    HIGHER = "higher"  # higher is better (share within the service level)


class Need(StrEnum):
    """Whether a metric needs a parameter."""

    REQUIRED = "required"
    OPTIONAL = "optional"
    NONE = "none"


class Progress(StrEnum):
    """Where a commitment stands; see progress_status."""

    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    MISSED = "missed"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class Metric:
    """One measure a commitment can be made on, over the reports of one neighborhood."""

    code: str
    label: str
    unit: str
    direction: Direction
    family: Need  # restrict to one problem family
    population: Need = Need.NONE  # the neighborhood's population
    sampled: bool = True  # a statistic of a sample: null when n is 0, flagged when small
    maximum: float | None = None  # the largest meaningful value (shares: 1)

    def valid_target(self, target: float) -> bool:
        """Return True when target is a value this metric can take."""
        return (math.isfinite(target) and target >= 0
                and (self.maximum is None or target <= self.maximum))


METRICS = {m.code: m for m in (
    Metric("median_days_to_resolve", "Median days to resolve", "days", Direction.LOWER,
           family=Need.REQUIRED),
    Metric("within_sla_share", "Share closed within the service level", "share",
           Direction.HIGHER, family=Need.OPTIONAL, maximum=1.0),
    Metric("open_backlog", "Open backlog", "reports", Direction.LOWER, family=Need.OPTIONAL,
           sampled=False),
    Metric("hotspot_cells", "Hotspot cells at 95 % confidence or more", "cells",
           Direction.LOWER, family=Need.REQUIRED, sampled=False),
    Metric("reopen_rate", "Reopen rate", "share", Direction.LOWER, family=Need.OPTIONAL,
           maximum=1.0),
    Metric("reports_per_1000", "Reports per 1,000 residents per year",
           "reports per 1,000 residents per year", Direction.LOWER, family=Need.OPTIONAL,
           population=Need.REQUIRED, sampled=False),
)}


def definition(metric: str, family: str | None, population: int | None) -> tuple:
    """Return what a commitment's figure depends on; a baseline is kept while it is unchanged."""
    needs_population = METRICS[metric].population != Need.NONE
    return metric, family, population if needs_population else None


@dataclass(frozen=True)
class Value:
    """A metric's value over one window, with the number of reports it rests on."""

    value: float | None
    n: int
    note: str | None = None  # why there is no value, when there is none

    def small_sample(self, metric: Metric) -> bool:
        """Return True when a sampled figure rests on too few reports to publish unflagged."""
        return metric.sampled and is_small_sample(self.n)


# --- windows ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Window:
    """Whole days in the city's time zone: start inclusive, end exclusive."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """Return the window's length in days."""
        return (self.end - self.start).days

    def ending(self, end: date) -> "Window":
        """Return a window as long as this one that ends at end."""
        return Window(end - timedelta(days=self.days), end)


def default_baseline(meeting: date) -> Window:
    """Return the default baseline window: the DEFAULT_BASELINE_DAYS before the meeting day."""
    return Window(meeting - timedelta(days=DEFAULT_BASELINE_DAYS), meeting)


def deadline_end(deadline: date) -> date:
    """Return the day after the deadline: a commitment holds until the deadline day ends."""
    return deadline + timedelta(days=1)


def as_of(today: date, deadline: date) -> date:
    """Return the day the current figures end at: today (exclusive), or the deadline's end."""
    return min(today, deadline_end(deadline))


def now_window(baseline: Window, today: date, deadline: date) -> Window:
    """Return the window "now" is measured over: as long as the baseline, ending at as_of."""
    return baseline.ending(as_of(today, deadline))


def sparkline_windows(baseline: Window, today: date, deadline: date) -> list[Window]:
    """Return the sparkline's windows: the baseline, then one ending on each 1st, then now.

    Every window is as long as the baseline window; they end at the baseline's end, at each
    first of a month after it and before as_of, and at as_of (the last one is "now").
    """
    last = as_of(today, deadline)
    if last <= baseline.end:
        return [baseline.ending(last)]
    ends = [baseline.end]
    month = date(baseline.end.year, baseline.end.month, 1)
    while True:
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        if month >= last:
            break
        ends.append(month)
    ends.append(last)
    return [baseline.ending(end) for end in ends]


# --- the status rule --------------------------------------------------------------------------

def meets(direction: Direction, value: float, target: float) -> bool:
    """Return True when value is at least as good as target."""
    return value <= target if direction == Direction.LOWER else value >= target


def elapsed(start: date, deadline: date, day: date) -> float:
    """Return how much of the span from start to the deadline's end has passed, 0 to 1."""
    span = (deadline_end(deadline) - start).days
    if span <= 0:
        return 1.0
    return min(1.0, max(0.0, (day - start).days / span))


def expected(baseline: float, target: float, fraction: float) -> float:
    """Return the straight line from baseline (fraction 0) to target (fraction 1) at fraction."""
    if fraction >= 1:
        return target
    return baseline + (target - baseline) * fraction


def progress_status(direction: Direction, *, baseline: float | None, current: float | None,
                    target: float, adopted_on: date, deadline: date, today: date) -> Progress:
    """Return met, missed, on track, at risk, or no data for one commitment.

    Met: the current value meets the target. Missed: the deadline has passed unmet. On track:
    the current value is at least as good as the straight line from the baseline (on the
    adoption day) to the target (at the deadline's end) at as_of. At risk: otherwise, and
    always without a baseline. No data: there is no current value.
    """
    if current is None:
        return Progress.NO_DATA
    if meets(direction, current, target):
        return Progress.MET
    day = as_of(today, deadline)
    if day >= deadline_end(deadline):
        return Progress.MISSED
    if baseline is None:
        return Progress.AT_RISK
    line = expected(baseline, target, elapsed(adopted_on, deadline, day))
    return Progress.ON_TRACK if meets(direction, current, line) else Progress.AT_RISK


def status_counts(statuses) -> dict[str, int]:
    """Return how many commitments have each status (every status present, zeros included)."""
    counts = {p.value: 0 for p in Progress}
    for status in statuses:
        counts[Progress(status).value] += 1
    return counts
