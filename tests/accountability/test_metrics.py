"""The pure action-plan rules: the metric catalogue, the windows and the status rule.

No app, no database. Table-driven cases are worked by hand; hypothesis checks the properties
the status rule must keep for any numbers and dates (symmetry between directions,
monotonicity, no "missed" before the deadline, only met/missed/no data after it).
"""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neighborhood.accountability.metrics import (
    DEFAULT_BASELINE_DAYS, METRICS, Direction, Need, Progress, Value, Window, as_of,
    deadline_end, default_baseline, definition, elapsed, expected, meets, now_window,
    progress_status, sparkline_windows, status_counts,
)
from neighborhood.accountability.stats import MIN_SAMPLE

LOWER, HIGHER = Direction.LOWER, Direction.HIGHER
ADOPTED, DEADLINE = date(2015, 3, 15), date(2015, 12, 31)  # 292 days to the deadline's end
BASELINE = Window(date(2015, 1, 1), date(2015, 3, 15))


def status(direction=LOWER, *, baseline=10.0, current, target=5.0, today):
    return progress_status(direction, baseline=baseline, current=current, target=target,
                           adopted_on=ADOPTED, deadline=DEADLINE, today=today)


# --- the catalogue ----------------------------------------------------------------------------

def test_the_catalogue_holds_the_six_metrics_of_the_issue():
    assert list(METRICS) == ["median_days_to_resolve", "within_sla_share", "open_backlog",
                             "hotspot_cells", "reopen_rate", "reports_per_1000"]
    assert METRICS["within_sla_share"].direction == HIGHER
    assert {m.code for m in METRICS.values() if m.direction == LOWER} == set(METRICS) - {
        "within_sla_share"}
    assert {m.code for m in METRICS.values() if m.family == Need.REQUIRED} == {
        "median_days_to_resolve", "hotspot_cells"}
    assert {m.code for m in METRICS.values() if m.population == Need.REQUIRED} == {
        "reports_per_1000"}


@pytest.mark.parametrize("metric, target, valid", [
    ("within_sla_share", 0.0, True), ("within_sla_share", 1.0, True),
    ("within_sla_share", 1.01, False), ("reopen_rate", -0.1, False),
    ("median_days_to_resolve", 0.5, True), ("median_days_to_resolve", float("inf"), False),
    ("open_backlog", float("nan"), False), ("hotspot_cells", 1e6, True),
])
def test_targets_must_be_values_the_metric_can_take(metric, target, valid):
    assert METRICS[metric].valid_target(target) is valid


def test_population_is_part_of_the_definition_only_of_per_resident_rates():
    assert definition("open_backlog", "lighting", 1000) == definition("open_backlog",
                                                                      "lighting", 2000)
    assert definition("reports_per_1000", None, 1000) != definition("reports_per_1000", None,
                                                                    2000)
    assert definition("open_backlog", "lighting", None) != definition("open_backlog", "signs",
                                                                      None)


def test_small_samples_are_flagged_only_for_medians_shares_and_rates():
    few = Value(1.0, MIN_SAMPLE - 1)
    assert few.small_sample(METRICS["median_days_to_resolve"])
    assert not Value(1.0, MIN_SAMPLE).small_sample(METRICS["within_sla_share"])
    assert not few.small_sample(METRICS["open_backlog"])  # a count is not a sample


# --- windows ----------------------------------------------------------------------------------

def test_the_default_baseline_is_the_90_days_before_the_meeting():
    window = default_baseline(ADOPTED)
    assert window == Window(ADOPTED - timedelta(days=DEFAULT_BASELINE_DAYS), ADOPTED)
    assert window.days == DEFAULT_BASELINE_DAYS


def test_now_is_as_long_as_the_baseline_and_ends_today_or_at_the_deadline():
    assert BASELINE.days == 73
    assert now_window(BASELINE, date(2015, 7, 1), DEADLINE) == Window(date(2015, 4, 19),
                                                                       date(2015, 7, 1))
    # A year later the figures stop at the deadline's end: the deadline day is included.
    assert as_of(date(2026, 1, 1), DEADLINE) == deadline_end(DEADLINE) == date(2016, 1, 1)
    assert now_window(BASELINE, date(2026, 1, 1), DEADLINE) == Window(date(2015, 10, 20),
                                                                       date(2016, 1, 1))


def test_the_sparkline_runs_from_the_baseline_over_each_1st_to_now():
    windows = sparkline_windows(BASELINE, date(2026, 1, 1), DEADLINE)
    assert [w.end for w in windows] == [date(2015, 3, 15)] + [date(2015, m, 1)
                                                              for m in range(4, 13)] + [
        date(2016, 1, 1)]
    assert windows[0] == BASELINE
    assert windows[-1] == now_window(BASELINE, date(2026, 1, 1), DEADLINE)
    assert {w.days for w in windows} == {73}


def test_the_sparkline_of_a_plan_adopted_today_is_the_baseline_alone():
    assert sparkline_windows(BASELINE, date(2015, 3, 15), DEADLINE) == [BASELINE]


def test_the_sparkline_ends_mid_month_today():
    windows = sparkline_windows(BASELINE, date(2015, 5, 20), DEADLINE)
    assert [w.end for w in windows] == [date(2015, 3, 15), date(2015, 4, 1), date(2015, 5, 1),
                                        date(2015, 5, 20)]


# --- the status rule --------------------------------------------------------------------------

# (desc, kwargs of status(), expected): baseline 10 -> target 5 (lower is better), adopted
# 2015-03-15, deadline 2015-12-31 (292 days to its end); halfway is 2015-08-08 (146 days).
CASES = [
    ("meets the target before the deadline", dict(current=5.0, today=date(2015, 4, 1)),
     Progress.MET),
    ("meets the target after the deadline", dict(current=4.0, today=date(2016, 6, 1)),
     Progress.MET),
    ("deadline passed unmet", dict(current=5.01, today=date(2016, 1, 1)), Progress.MISSED),
    ("the deadline day itself is not past", dict(current=6.0, today=date(2015, 12, 31)),
     Progress.AT_RISK),
    ("halfway, on the line (7.5)", dict(current=7.5, today=date(2015, 8, 8)),
     Progress.ON_TRACK),
    ("halfway, above the line", dict(current=7.6, today=date(2015, 8, 8)), Progress.AT_RISK),
    ("on adoption day the baseline itself is on track", dict(current=10.0, today=ADOPTED),
     Progress.ON_TRACK),
    ("worse than the baseline on adoption day", dict(current=10.5, today=ADOPTED),
     Progress.AT_RISK),
    ("no current value", dict(current=None, today=date(2015, 8, 8)), Progress.NO_DATA),
    ("no current value after the deadline", dict(current=None, today=date(2016, 8, 9)),
     Progress.NO_DATA),
    ("no baseline: no line to be on", dict(baseline=None, current=6.0, today=ADOPTED),
     Progress.AT_RISK),
    ("no baseline, target met", dict(baseline=None, current=5.0, today=ADOPTED),
     Progress.MET),
]


@pytest.mark.parametrize("kwargs, expected_status", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_the_status_rule(kwargs, expected_status):
    assert status(**kwargs) == expected_status


def test_higher_is_better_mirrors_lower_is_better():
    kwargs = dict(baseline=0.70, target=0.90, today=date(2015, 8, 8))  # the line: 0.80
    assert status(HIGHER, current=0.80, **kwargs) == Progress.ON_TRACK
    assert status(HIGHER, current=0.79, **kwargs) == Progress.AT_RISK
    assert status(HIGHER, current=0.90, **kwargs) == Progress.MET


def test_the_line_runs_from_the_baseline_at_adoption_to_the_target_at_the_deadline():
    assert elapsed(ADOPTED, DEADLINE, ADOPTED) == 0.0
    assert elapsed(ADOPTED, DEADLINE, date(2015, 8, 8)) == pytest.approx(0.5)
    assert elapsed(ADOPTED, DEADLINE, date(2016, 1, 1)) == 1.0
    assert elapsed(ADOPTED, DEADLINE, date(2017, 1, 1)) == 1.0
    assert elapsed(ADOPTED, DEADLINE, date(2015, 1, 1)) == 0.0
    assert expected(10.0, 5.0, 0.0) == 10.0 and expected(10.0, 5.0, 1.0) == 5.0
    assert expected(10.0, 5.0, 0.5) == 7.5


def test_status_counts_name_every_status():
    assert status_counts(["met", "missed", "met"]) == {"met": 2, "on_track": 0, "at_risk": 0,
                                                       "missed": 1, "no_data": 0}


# --- properties -------------------------------------------------------------------------------

values = st.floats(0, 1e6, allow_nan=False, allow_infinity=False)
days = st.dates(date(2015, 1, 1), date(2017, 12, 31))
ORDER = {Progress.MISSED: 0, Progress.AT_RISK: 0, Progress.ON_TRACK: 1, Progress.MET: 2}


def _rule(direction, baseline, current, target, today):
    return progress_status(direction, baseline=baseline, current=current, target=target,
                           adopted_on=ADOPTED, deadline=DEADLINE, today=today)


@given(baseline=values, current=values, target=values, today=days)
def test_higher_is_better_is_lower_is_better_with_signs_flipped(baseline, current, target,
                                                                today):
    assert (_rule(LOWER, baseline, current, target, today)
            == _rule(HIGHER, -baseline, -current, -target, today))


@given(baseline=values, a=values, b=values, target=values, today=days)
def test_a_better_value_never_gets_a_worse_status(baseline, a, b, target, today):
    better, worse = min(a, b), max(a, b)  # lower is better
    assert (ORDER[_rule(LOWER, baseline, better, target, today)]
            >= ORDER[_rule(LOWER, baseline, worse, target, today)])


@given(baseline=st.none() | values, current=st.none() | values, target=values, today=days)
def test_missed_only_after_the_deadline_and_only_final_statuses_after_it(baseline, current,
                                                                         target, today):
    result = _rule(LOWER, baseline, current, target, today)
    if today <= DEADLINE:
        assert result != Progress.MISSED
    else:
        assert result in (Progress.MET, Progress.MISSED, Progress.NO_DATA)


@given(baseline=values, target=values)
def test_standing_still_on_adoption_day_is_on_track(baseline, target):
    assert _rule(LOWER, baseline, baseline, target, ADOPTED) in (Progress.ON_TRACK,
                                                                 Progress.MET)


@given(start=st.dates(date(2000, 1, 1), date(2030, 12, 31)),
       length=st.integers(7, 366), deadline=st.dates(date(2000, 1, 2), date(2035, 12, 31)),
       today=st.dates(date(2000, 1, 1), date(2040, 12, 31)))
def test_sparkline_windows_are_as_long_as_the_baseline_and_end_with_now(start, length,
                                                                        deadline, today):
    baseline = Window(start, start + timedelta(days=length))
    windows = sparkline_windows(baseline, today, deadline)
    assert {w.days for w in windows} == {length}
    assert windows[-1] == now_window(baseline, today, deadline)
    ends = [w.end for w in windows]
    assert ends == sorted(set(ends))
    assert ends[-1] == min(today, deadline + timedelta(days=1))
    assert all(end.day == 1 for end in ends[1:-1])
    if as_of(today, deadline) > baseline.end:
        assert windows[0] == baseline


@given(value=values, target=values)
def test_meets_is_inclusive_both_ways(value, target):
    assert meets(LOWER, value, target) == (value <= target)
    assert meets(HIGHER, value, target) == (value >= target)
    assert meets(LOWER, target, target) and meets(HIGHER, target, target)
