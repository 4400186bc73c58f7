"""Gi* hotspots: equal to PySAL esda's G_Local(star=True, transform="B"), FDR bins, refusals."""

import warnings
from collections import Counter

import h3
import numpy as np
import pytest
from esda.getisord import G_Local
from libpysal.graph import Graph
from libpysal.weights import W
from scipy.stats import false_discovery_control

from neighborhood.demo.services import demo_csv_files
from neighborhood.importers.csv311 import Record, load_preset, open_rows, read_row
from neighborhood.spatial.hotspots import (NotEnoughData, Stack, binary_weights, fdr_bins,
                                           find_stacks, hotspots, two_sided_p)

CENTRE = h3.latlng_to_cell(42.35, -71.06, 9)


def esda_z(result, *, via_graph: bool = False) -> np.ndarray:
    """Return esda's Gi* z-scores for the result's cells and k, in the result's cell order.

    The weights are built independently of ours: a libpysal W from H3 rings (cells without
    neighbours kept as islands), or libpysal's own Graph.build_h3 (which drops islands, so
    only for sets without them).
    """
    cells = list(result.cells)
    members = set(cells)
    with warnings.catch_warnings():  # real cities have disconnected parts (islands, harbour)
        warnings.filterwarnings("ignore", "The weights matrix is not fully connected")
        if via_graph:
            weights = Graph.build_h3(cells, order=result.k, weight="binary").to_W()
        else:
            neighbours = {c: sorted(n for n in h3.grid_disk(c, result.k)
                                    if n in members and n != c) for c in cells}
            weights = W(neighbours, id_order=cells, silence_warnings=True)
        order = {cell: i for i, cell in enumerate(cells)}
        y = np.array([result.counts[order[c]] for c in weights.id_order], dtype=float)
        ref = G_Local(y, weights, transform="B", star=True, permutations=0)
    by_cell = dict(zip(weights.id_order, ref.Zs))
    return np.array([by_cell[c] for c in cells])


def planted_city(seed: int = 7) -> dict[str, int]:
    """A synthetic city of 217 cells with Poisson background and two planted hotspots."""
    rng = np.random.default_rng(seed)
    counts = {c: int(rng.poisson(2)) for c in h3.grid_disk(CENTRE, 8)}
    for hot in (CENTRE, next(iter(h3.grid_ring(CENTRE, 6)))):
        for cell in h3.grid_disk(hot, 1):  # spread over several cells, as real hotspots are
            if cell in counts:
                counts[cell] += 12
    return counts


def uniform_city(seed: int) -> dict[str, int]:
    """1,000 reports dropped uniformly at random over the cells of a synthetic city."""
    rng = np.random.default_rng(seed)
    cells = sorted(h3.grid_disk(CENTRE, 8))
    picks = rng.integers(0, len(cells), size=1000)
    return dict(Counter(cells[i] for i in picks))


def boston_street_lights(resolution: int) -> dict[str, int]:
    """Street-light outages of the Boston 2015 demo, counted per H3 cell."""
    preset = load_preset("boston")
    counts: Counter = Counter()
    for path in demo_csv_files():
        for row in open_rows(path):
            record = read_row(row, preset)
            if isinstance(record, Record) and record.category_code == "street_light_outage":
                counts[h3.latlng_to_cell(record.lat, record.lon, resolution)] += 1
    return dict(counts)


@pytest.mark.parametrize("k", [1, 2])
def test_planted_hotspots_match_esda_and_are_found(k):
    counts = planted_city()

    result = hotspots(counts, k=k)

    np.testing.assert_allclose(result.z, esda_z(result), rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.z, esda_z(result, via_graph=True), rtol=0, atol=1e-9)
    hot = {cell for cell, b in zip(result.cells, result.bins) if b == 3}
    assert CENTRE in hot
    assert not any(b < 0 and cell == CENTRE for cell, b in zip(result.cells, result.bins))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_uniform_random_city_matches_esda_and_has_almost_no_significant_cells(seed):
    result = hotspots(uniform_city(seed), k=1)

    np.testing.assert_allclose(result.z, esda_z(result), rtol=0, atol=1e-9)
    significant = np.count_nonzero(result.bins)
    assert significant <= 0.02 * len(result.cells)  # FDR keeps false discoveries rare


@pytest.mark.parametrize("resolution", [8, 9])
def test_boston_street_light_outages_match_esda(resolution):
    counts = boston_street_lights(resolution)
    assert sum(counts.values()) == 6906  # the 2015 file without City Hall default geocodes

    result = hotspots(counts, k=1)

    np.testing.assert_allclose(result.z, esda_z(result), rtol=0, atol=1e-9)
    assert np.count_nonzero(result.bins == 3) > 0  # Boston's dark blocks are real hotspots


def test_study_cells_take_part_as_explicit_zeros():
    counts = planted_city()
    observed = {c: n for c, n in counts.items() if n > 0}
    everything = set(h3.grid_disk(CENTRE, 9))

    result = hotspots(observed, k=1, study_cells=everything)

    assert set(result.cells) == everything
    assert result.counts[result.cells.index(next(iter(everything - set(observed))))] == 0
    np.testing.assert_allclose(result.z, esda_z(result), rtol=0, atol=1e-9)


def test_weights_are_binary_include_the_cell_and_stay_inside_the_set():
    cells = sorted(h3.grid_disk(CENTRE, 1))
    weights = binary_weights(cells, k=1).toarray()

    centre = cells.index(CENTRE)
    assert weights[centre].sum() == 7  # itself and its six neighbours
    assert set(np.unique(weights)) == {0.0, 1.0}
    assert all(weights[i, i] == 1 for i in range(len(cells)))
    assert all(weights[i].sum() == 4 for i in range(len(cells)) if i != centre)  # border


def test_p_values_are_two_sided():
    np.testing.assert_allclose(two_sided_p(np.array([1.959963984540054, -1.959963984540054])),
                               [0.05, 0.05], atol=1e-12)


def test_bins_follow_benjamini_hochberg_at_each_level():
    rng = np.random.default_rng(3)
    z = rng.normal(0, 2.2, size=400)
    p = two_sided_p(z)

    adjusted, bins = fdr_bins(z, p)

    np.testing.assert_allclose(adjusted, false_discovery_control(p, method="bh"))
    for level, magnitude in ((0.01, 3), (0.05, 2), (0.10, 1)):
        significant = false_discovery_control(p, method="bh") <= level
        assert np.all(np.abs(bins[significant]) >= magnitude)
        assert np.all(np.sign(bins[significant]) == np.sign(z[significant]))
    assert np.all(bins[adjusted > 0.10] == 0)


def test_bh_is_a_step_up_rule_not_bonferroni():
    # 20 tests all at p = 0.04: BH calls every one significant at 5 % (Bonferroni would not).
    z = np.full(20, 2.053748910631823)
    adjusted, bins = fdr_bins(z, two_sided_p(z))
    assert np.all(bins == 2)


@pytest.mark.parametrize(("counts", "message"), [
    pytest.param({c: 1 for c in list(h3.grid_disk(CENTRE, 3))[:29]}, "at least 30",
                 id="too few reports"),
    pytest.param({CENTRE: 100, h3.grid_ring(CENTRE, 1)[0]: 5}, "only 2 cells",
                 id="too few cells"),
    pytest.param({c: 2 for c in h3.grid_disk(CENTRE, 4)}, "no variation", id="zero variance"),
])
def test_refuses_data_that_cannot_support_a_test(counts, message):
    with pytest.raises(NotEnoughData, match=message):
        hotspots(counts, k=1)


def test_refuses_cells_without_any_neighbour():
    # 40 cells about 5 km apart: no cell has another within one ring.
    spread = {h3.latlng_to_cell(42.0 + i * 0.05, -71.0, 9): 2 + i % 2 for i in range(40)}
    with pytest.raises(NotEnoughData, match="neighbour"):
        hotspots(spread, k=1)


def test_stacks_are_exact_points_with_an_implausible_share():
    points = {(-71.0587, 42.3594): 1039, (-71.06, 42.35): 3, (-71.07, 42.36): 25}

    stacks = find_stacks(points, total=7956)

    assert stacks == [Stack(-71.0587, 42.3594, 1039)]  # 25 is under 1 % of 7,956
    assert find_stacks(points, total=1000) == [Stack(-71.0587, 42.3594, 1039),
                                               Stack(-71.07, 42.36, 25)]
