"""The pure statistics: percentiles, medians, shares, ranks, small samples and ISO weeks.

No app, no database. Percentiles are checked against hand-worked values, NumPy's default
method and the standard library's inclusive quantiles (the same method, type 7).
"""

import random
import statistics
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from neighborhood.accountability.stats import (
    MIN_SAMPLE, Summary, bounds_of, bucket_of, competition_ranks, hours_between, in_zone,
    is_small_sample, median, percentile, share, summarize, weeks, within_sla,
)

NY = "America/New_York"
NEW_YORK = ZoneInfo(NY)


def local(*args) -> datetime:
    """Return a New York wall-clock time as an aware UTC datetime."""
    return datetime(*args, tzinfo=NEW_YORK).astimezone(UTC)


# (desc, values, q, expected): worked by hand with position = (n - 1) * q / 100.
PERCENTILES = [
    ("one value is every percentile", [7.0], 90, 7.0),
    ("two values, median halfway", [1, 3], 50, 2.0),
    ("even n, median is the mean of the middle two", [4, 1, 3, 2], 50, 2.5),
    ("odd n, median is the middle", [9, 1, 5], 50, 5.0),
    ("p90 of 1..4: 3 + 0.7 * (4 - 3)", [1, 2, 3, 4], 90, 3.7),
    ("p40 of five values: 20 + 0.6 * (35 - 20)", [15, 20, 35, 40, 50], 40, 29.0),
    ("p0 is the minimum", [5, 3, 8], 0, 3.0),
    ("p100 is the maximum", [5, 3, 8], 100, 8.0),
    ("ties", [2, 2, 2, 10], 50, 2.0),
    ("negative durations are kept as recorded", [-2, 4], 50, 1.0),
    ("ten values, p90: 9 + 0.1 * (10 - 9)", list(range(1, 11)), 90, 9.1),
]


@pytest.mark.parametrize("values, q, expected", [c[1:] for c in PERCENTILES],
                         ids=[c[0] for c in PERCENTILES])
def test_percentile_interpolates_linearly_between_closest_ranks(values, q, expected):
    assert percentile(values, q) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 9, 10, 11, 57, 1000])
def test_percentile_matches_numpy_and_statistics_inclusive(n):
    rng = random.Random(n)
    values = [rng.lognormvariate(3, 1.5) for _ in range(n)]
    for q in (0, 5, 10, 25, 50, 75, 90, 95, 99, 100):
        assert percentile(values, q) == pytest.approx(np.percentile(values, q), rel=1e-12)
    if n >= 2:  # statistics.quantiles needs two points; its 10-quantiles are p10 ... p90
        deciles = statistics.quantiles(values, n=10, method="inclusive")
        assert percentile(values, 90) == pytest.approx(deciles[8], rel=1e-12)
        assert percentile(values, 10) == pytest.approx(deciles[0], rel=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 11, 500])
def test_median_matches_statistics_median(n):
    rng = random.Random(100 + n)
    values = [rng.uniform(0, 1000) for _ in range(n)]
    assert median(values) == pytest.approx(statistics.median(values), rel=1e-12)


def test_percentile_of_nothing_is_none():
    assert percentile([], 90) is None
    assert median([]) is None
    assert percentile(iter(()), 50) is None


@pytest.mark.parametrize("q", [-1, 100.5, float("nan")], ids=["below", "above", "nan"])
def test_percentile_refuses_q_outside_0_100(q):
    with pytest.raises(ValueError):
        percentile([1, 2], q)


def test_percentile_does_not_reorder_its_input():
    values = [3, 1, 2]
    percentile(values, 50)
    assert values == [3, 1, 2]


SHARES = [
    ("none of none is unknown, not zero", 0, 0, None),
    ("all", 4, 4, 1.0),
    ("none", 0, 4, 0.0),
    ("two thirds", 2, 3, 2 / 3),
]


@pytest.mark.parametrize("part, whole, expected", [c[1:] for c in SHARES],
                         ids=[c[0] for c in SHARES])
def test_share(part, whole, expected):
    assert share(part, whole) == expected


@pytest.mark.parametrize("part, whole", [(5, 4), (-1, 4), (0, -1)],
                         ids=["more-than-whole", "negative-part", "negative-whole"])
def test_share_refuses_impossible_counts(part, whole):
    with pytest.raises(ValueError):
        share(part, whole)


_DUE = datetime(2015, 1, 16, 13, 30, tzinfo=UTC)
SLA = [
    ("closed before the due date", _DUE - timedelta(days=3), _DUE, True),
    ("closed at the due date's exact moment keeps the promise", _DUE, _DUE, True),
    ("a microsecond late misses it", _DUE + timedelta(microseconds=1), _DUE, False),
    ("without a due date there is no promise to keep", _DUE, None, None),
]


@pytest.mark.parametrize("closed_at, due_at, expected", [c[1:] for c in SLA],
                         ids=[c[0] for c in SLA])
def test_within_sla_is_closed_on_or_before_the_due_date(closed_at, due_at, expected):
    assert within_sla(closed_at, due_at) is expected


@pytest.mark.parametrize("n, small", [(0, True), (1, True), (MIN_SAMPLE - 1, True),
                                      (MIN_SAMPLE, False), (1000, False)])
def test_fewer_than_ten_reports_is_a_small_sample(n, small):
    assert MIN_SAMPLE == 10
    assert is_small_sample(n) is small


def test_summarize_gives_n_median_p90_and_the_flag():
    assert summarize([1, 24, 24, 192, 384, 480]) == Summary(6, 108.0, 432.0)
    assert summarize([1, 24, 24, 192, 384, 480]).small_sample is True
    assert summarize(list(range(1, 11))).small_sample is False
    assert summarize([]) == Summary(0, None, None)


def test_hours_between_is_signed():
    start = datetime(2025, 2, 3, 15, tzinfo=UTC)
    assert hours_between(start, start + timedelta(days=2, minutes=30)) == 48.5
    assert hours_between(start + timedelta(hours=3), start) == -3.0


RANKS = [
    ("ascending: smallest first", {"a": 3.0, "b": 1.0, "c": 2.0}, True,
     {"a": 3, "b": 1, "c": 2}),
    ("descending: largest first", {"a": 0.5, "b": 0.9, "c": 0.7}, False,
     {"a": 3, "b": 1, "c": 2}),
    ("ties share a rank and the next skips", {"a": 1.0, "b": 2.0, "c": 2.0, "d": 5.0}, True,
     {"a": 1, "b": 2, "c": 2, "d": 4}),
    ("None is not ranked and takes no place", {"a": None, "b": 2.0, "c": 1.0}, True,
     {"a": None, "b": 2, "c": 1}),
    ("nothing to rank", {"a": None}, True, {"a": None}),
]


@pytest.mark.parametrize("values, ascending, expected", [c[1:] for c in RANKS],
                         ids=[c[0] for c in RANKS])
def test_competition_ranks(values, ascending, expected):
    assert competition_ranks(values, ascending=ascending) == expected


def test_in_zone_reads_naive_times_in_the_city_and_keeps_aware_ones():
    naive = datetime(2015, 1, 1)
    assert in_zone(naive, NY) == datetime(2015, 1, 1, 5, tzinfo=UTC)
    aware = datetime(2015, 1, 1, tzinfo=UTC)
    assert in_zone(aware, NY) is aware


def test_weeks_start_on_monday_in_city_time_and_clip_to_the_range():
    series = weeks(local(2015, 1, 1), local(2015, 2, 1), NY)
    assert [w.label for w in series] == ["2015-W01", "2015-W02", "2015-W03", "2015-W04",
                                         "2015-W05"]
    assert [w.monday for w in series] == [date(2014, 12, 29), date(2015, 1, 5),
                                          date(2015, 1, 12), date(2015, 1, 19),
                                          date(2015, 1, 26)]
    # 2015-01-01 is a Thursday: the first week starts at the range, the last ends with it.
    assert series[0].start == local(2015, 1, 1) and series[0].partial
    assert series[0].end == local(2015, 1, 5) == datetime(2015, 1, 5, 5, tzinfo=UTC)
    assert series[-1].end == local(2015, 2, 1) and series[-1].partial
    assert not any(w.partial for w in series[1:-1])


def test_whole_weeks_are_not_partial():
    series = weeks(local(2025, 2, 3), local(2025, 3, 3), NY)
    assert [w.label for w in series] == ["2025-W06", "2025-W07", "2025-W08", "2025-W09"]
    assert not any(w.partial for w in series)
    assert bounds_of(series) == [local(2025, 2, 3), local(2025, 2, 10), local(2025, 2, 17),
                                 local(2025, 2, 24), local(2025, 3, 3)]


def test_a_week_with_the_spring_daylight_change_is_an_hour_short():
    series = weeks(local(2015, 3, 2), local(2015, 3, 16), NY)
    assert series[0].end - series[0].start == timedelta(hours=167)  # clocks jump on Mar 8
    assert series[1].end - series[1].start == timedelta(hours=168)
    assert series[1].start == datetime(2015, 3, 9, 4, tzinfo=UTC)  # midnight EDT


def test_a_week_with_the_autumn_daylight_change_is_an_hour_long():
    series = weeks(local(2015, 10, 26), local(2015, 11, 2), NY)
    assert series[0].end - series[0].start == timedelta(hours=169)


def test_iso_week_labels_cross_the_year_like_iso_8601():
    series = weeks(local(2015, 12, 21), local(2016, 1, 18), NY)
    assert [w.label for w in series] == ["2015-W52", "2015-W53", "2016-W01", "2016-W02"]


def test_weeks_follow_the_city_zone_not_utc():
    # Sunday 2015-01-11 22:00 in Boston is Monday 03:00 UTC: still the week of Jan 5 there.
    sunday_night = local(2015, 1, 11, 22)
    ny = weeks(local(2015, 1, 5), local(2015, 1, 19), NY)
    utc = weeks(datetime(2015, 1, 5, tzinfo=UTC), datetime(2015, 1, 19, tzinfo=UTC), "UTC")
    assert ny[bucket_of(sunday_night, bounds_of(ny))].label == "2015-W02"
    assert utc[bucket_of(sunday_night, bounds_of(utc))].label == "2015-W03"


def test_an_empty_range_has_no_weeks():
    moment = local(2015, 1, 1)
    assert weeks(moment, moment, NY) == []
    assert weeks(moment + timedelta(hours=1), moment, NY) == []
    assert bounds_of([]) == []


# (desc, moment, expected bucket) over the bounds 0h, 24h, 48h.
_B0 = datetime(2015, 1, 5, 5, tzinfo=UTC)
BUCKETS = [
    ("the first bound belongs to the first bucket", _B0, 0),
    ("just before the second bound", _B0 + timedelta(hours=24, microseconds=-1), 0),
    ("the second bound starts the second bucket", _B0 + timedelta(hours=24), 1),
    ("the last bound is outside (exclusive end)", _B0 + timedelta(hours=48), None),
    ("before the first bound is outside", _B0 - timedelta(microseconds=1), None),
]


@pytest.mark.parametrize("moment, expected", [c[1:] for c in BUCKETS],
                         ids=[c[0] for c in BUCKETS])
def test_bucket_of(moment, expected):
    bounds = [_B0, _B0 + timedelta(hours=24), _B0 + timedelta(hours=48)]
    assert bucket_of(moment, bounds) == expected


def test_bucket_of_without_bounds_is_none():
    assert bucket_of(_B0, []) is None
