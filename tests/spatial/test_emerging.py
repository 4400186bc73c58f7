"""Emerging hotspots: Mann-Kendall equals pymannkendall; ESRI categories on hand-built series."""

import h3
import numpy as np
import pymannkendall
import pytest

from neighborhood.spatial.emerging import (MIN_STEPS, Pattern, classify, emerging_hotspots,
                                           mann_kendall, pattern_name, spacetime_weights)
from neighborhood.spatial.hotspots import NotEnoughData

CENTRE = h3.latlng_to_cell(42.35, -71.06, 9)
H, C, _ = True, "cold", False  # hand-built series: hot, cold, neither


@pytest.mark.parametrize("seed", range(8))
def test_mann_kendall_equals_pymannkendall(seed):
    rng = np.random.default_rng(seed)
    series = rng.normal(size=12).round(1) + np.linspace(0, seed / 4, 12)  # rounding makes ties

    ours = mann_kendall(series)
    ref = pymannkendall.original_test(series)

    assert ours.s == ref.s
    assert ours.var_s == pytest.approx(ref.var_s, abs=1e-9)
    assert ours.z == pytest.approx(ref.z, abs=1e-12)
    assert ours.p == pytest.approx(ref.p, abs=1e-12)
    assert ours.tau == pytest.approx(ref.Tau, abs=1e-12)
    assert ours.direction() == {"increasing": 1, "decreasing": -1, "no trend": 0}[ref.trend]


def test_mann_kendall_of_a_constant_series_is_no_trend():
    result = mann_kendall([3.0] * 10)
    assert (result.s, result.z, result.p, result.direction()) == (0, 0.0, 1.0, 0)


def series(marks):
    """Return (hot, cold) flag lists from a compact notation: H hot, 'cold' cold, _ neither."""
    return [m is H for m in marks], [m == C for m in marks]


@pytest.mark.parametrize(("marks", "trend", "expected"), [
    pytest.param([_] * 11 + [H], 0, Pattern.NEW, id="new: hot at the final step only"),
    pytest.param([_] * 9 + [H, H, H], 0, Pattern.CONSECUTIVE, id="consecutive run at the end"),
    pytest.param([H] + [_] * 8 + [H, H, H], 0, Pattern.SPORADIC,
                 id="a run with an earlier hot step is sporadic, not consecutive"),
    pytest.param([H] * 12, 1, Pattern.INTENSIFYING, id="intensifying"),
    pytest.param([H] * 12, 0, Pattern.PERSISTENT, id="persistent"),
    pytest.param([H] * 12, -1, Pattern.DIMINISHING, id="diminishing"),
    pytest.param([_] + [H] * 11, 0, Pattern.PERSISTENT, id="11 of 12 is at least 90 %"),
    pytest.param([H] * 11 + [_], 0, Pattern.HISTORICAL, id="historical: not hot at the end"),
    pytest.param([H] * 11 + [_], 1, Pattern.HISTORICAL, id="historical wins over any trend"),
    pytest.param([H, _, H, _, _, H, _, _, H, _, _, H], 0, Pattern.SPORADIC, id="sporadic"),
    pytest.param([H, C, H, _, _, H, _, _, H, _, _, H], 0, Pattern.OSCILLATING,
                 id="oscillating: cold earlier"),
    pytest.param([_] * 12, 0, Pattern.NO_PATTERN, id="never significant"),
    pytest.param([H, H, _, _, _, _, _, _, _, _, _, _], 0, Pattern.NO_PATTERN,
                 id="hot long ago only"),
])
def test_hot_categories_follow_esri_rules(marks, trend, expected):
    hot, cold = series(marks)
    assert classify(hot, cold, trend) == expected


@pytest.mark.parametrize(("marks", "trend", "expected"), [
    pytest.param([_] * 11 + [C], 0, -Pattern.NEW, id="new coldspot"),
    pytest.param([C] * 12, -1, -Pattern.INTENSIFYING, id="intensifying coldspot: going down"),
    pytest.param([C] * 12, 1, -Pattern.DIMINISHING, id="diminishing coldspot: going up"),
    pytest.param([C, H, C, _, C, _, _, C, _, _, _, C], 0, -Pattern.OSCILLATING,
                 id="oscillating coldspot"),
])
def test_cold_categories_mirror_the_hot_ones(marks, trend, expected):
    hot, cold = series(marks)
    assert classify(hot, cold, trend) == expected


def test_pattern_names_read_like_the_domain():
    assert pattern_name(1) == "new hotspot"
    assert pattern_name(-4) == "persistent coldspot"
    assert pattern_name(0) == "no pattern"


def test_spacetime_neighbours_reach_back_one_step():
    cells = sorted(h3.grid_disk(CENTRE, 1))
    weights = spacetime_weights(cells, steps=3, k=1, time_window=1).toarray()
    n, centre = len(cells), cells.index(CENTRE)
    assert weights[centre].sum() == 7  # step 0: no earlier step
    assert weights[n + centre].sum() == 14  # step 1: itself and ring now, and one step back
    assert weights[n + centre, centre] == 1 and weights[n + centre, 2 * n + centre] == 0


def planted_cube(growing: bool, start: int = 10):
    """Cells of a synthetic city over 12 months; one block grows (from `start`) or stays hot."""
    rng = np.random.default_rng(11)
    cells = sorted(h3.grid_disk(CENTRE, 6))
    block = set(h3.grid_disk(CENTRE, 1))
    counts = {}
    for step in range(12):
        for cell in cells:
            n = int(rng.poisson(2))
            if cell in block:
                n += (start + 3 * step) if growing else 15
            if n:
                counts[(cell, step)] = n
    return counts


def test_a_hot_block_that_keeps_growing_is_an_intensifying_hotspot():
    result = emerging_hotspots(planted_cube(growing=True), 12)
    centre = result.cells.index(CENTRE)
    assert result.patterns[centre] == Pattern.INTENSIFYING
    assert result.trend_z[centre] > 2


def test_a_block_that_turns_hot_and_stays_hot_is_a_consecutive_hotspot():
    result = emerging_hotspots(planted_cube(growing=True, start=0), 12)
    centre = result.cells.index(CENTRE)
    assert list(result.bins[:2, centre]) == [0, 0] and all(result.bins[2:, centre] > 0)
    assert result.patterns[centre] == Pattern.CONSECUTIVE


def test_a_block_that_stays_hot_is_persistent_and_quiet_cells_have_no_pattern():
    result = emerging_hotspots(planted_cube(growing=False), 12)
    assert result.patterns[result.cells.index(CENTRE)] == Pattern.PERSISTENT
    far = [i for i, c in enumerate(result.cells) if h3.grid_distance(c, CENTRE) >= 5]
    assert np.mean(result.patterns[far] == Pattern.NO_PATTERN) > 0.9


def test_refuses_too_few_steps_and_steps_outside_the_range():
    with pytest.raises(NotEnoughData, match=f"at least {MIN_STEPS}"):
        emerging_hotspots({(CENTRE, 0): 50}, MIN_STEPS - 1)
    with pytest.raises(ValueError, match="outside"):
        emerging_hotspots({(CENTRE, 12): 50}, 12)


def test_boston_2015_street_lights_give_twelve_monthly_steps_and_real_patterns():
    from collections import Counter
    from zoneinfo import ZoneInfo

    from neighborhood.demo.services import demo_csv_files
    from neighborhood.importers.csv311 import Record, load_preset, open_rows, read_row

    preset, zone = load_preset("boston"), ZoneInfo("America/New_York")
    counts: Counter = Counter()
    for path in demo_csv_files():
        for row in open_rows(path):
            record = read_row(row, preset)
            if isinstance(record, Record) and record.category_code == "street_light_outage":
                month = record.created_at.astimezone(zone).month - 1
                counts[(h3.latlng_to_cell(record.lat, record.lon, 9), month)] += 1
    assert {step for _, step in counts} == set(range(12))  # January is step 0

    result = emerging_hotspots(counts, 12)

    found = set(result.patterns.tolist())
    assert result.steps == 12
    assert found - {0}  # some cells show a pattern ...
    assert np.mean(result.patterns == 0) > 0.5  # ... most of the city shows none
