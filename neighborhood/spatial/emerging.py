"""Emerging hotspots: space-time Gi* per step, Mann-Kendall trends, ESRI's pattern categories.

Pure: NumPy/SciPy only. The cube has one bin per (cell, step). A bin's neighbours are the
cell's k-ring (itself included) at the same step and at the previous `time_window` steps;
as in ArcGIS, the mean and standard deviation come from the whole cube. Bins are significant
after Benjamini-Hochberg FDR at 10 % over the whole cube. Each cell's z-score series gets a
Mann-Kendall trend test, and the categories follow ESRI's "How Emerging Hot Spot Analysis
works" (codes as in xarray-spatial; cold patterns are the negative codes).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from scipy import sparse
from scipy.stats import norm

from neighborhood.spatial.hotspots import (MIN_REPORTS, NotEnoughData, binary_weights,
                                           fdr_bins, gi_star, two_sided_p)

MIN_STEPS = 6  # Mann-Kendall has little power below 10-12 steps; below 6 it is meaningless
SIGNIFICANT_FDR = 0.10  # a bin is hot or cold at 90 % confidence after FDR
TREND_ALPHA = 0.05
MOSTLY = 0.9  # "at least 90 % of the steps"


class Pattern(IntEnum):
    """ESRI's emerging hotspot categories; a cold pattern is the negative of its hot code."""

    NO_PATTERN = 0
    NEW = 1
    CONSECUTIVE = 2
    INTENSIFYING = 3
    PERSISTENT = 4
    DIMINISHING = 5
    SPORADIC = 6
    OSCILLATING = 7
    HISTORICAL = 8


def pattern_name(code: int) -> str:
    """Return a readable name: 'new hotspot', 'persistent coldspot', 'no pattern'."""
    if code == 0:
        return "no pattern"
    kind = "hotspot" if code > 0 else "coldspot"
    return f"{Pattern(abs(code)).name.lower()} {kind}"


@dataclass(frozen=True)
class MannKendall:
    """The Mann-Kendall trend test of one series."""

    s: float
    var_s: float
    z: float
    p: float
    tau: float

    def direction(self, alpha: float = TREND_ALPHA) -> int:
        """Return 1 (significantly up), -1 (significantly down) or 0."""
        if self.p > alpha or self.s == 0:
            return 0
        return 1 if self.s > 0 else -1


def mann_kendall(series: Sequence[float]) -> MannKendall:
    """Return the Mann-Kendall S, its variance (with the ties correction), z, two-sided p, tau."""
    x = np.asarray(series, dtype=float)
    n = x.size
    if n < 3:
        raise ValueError("Mann-Kendall needs at least 3 values")
    diffs = x[None, :] - x[:, None]
    s = float(np.sign(diffs[np.triu_indices(n, k=1)]).sum())
    _, ties = np.unique(x, return_counts=True)
    var_s = (n * (n - 1) * (2 * n + 5) - np.sum(ties * (ties - 1) * (2 * ties + 5))) / 18
    if s > 0:
        z = (s - 1) / np.sqrt(var_s)
    elif s < 0:
        z = (s + 1) / np.sqrt(var_s)
    else:
        z = 0.0
    return MannKendall(s=s, var_s=float(var_s), z=float(z), p=float(2 * norm.sf(abs(z))),
                       tau=s / (n * (n - 1) / 2))


def spacetime_weights(cells: list[str], steps: int, k: int = 1,
                      time_window: int = 1) -> sparse.csr_matrix:
    """Return binary weights over bins (step-major): the k-ring now and time_window steps back."""
    spatial = binary_weights(cells, k).tocoo()
    n = len(cells)
    rows, cols = [], []
    for t in range(steps):
        for back in range(min(time_window, t) + 1):
            rows.append(spatial.row + t * n)
            cols.append(spatial.col + (t - back) * n)
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    return sparse.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n * steps, n * steps))


def classify(hot: Sequence[bool], cold: Sequence[bool], trend: int) -> int:
    """Return the pattern code of one cell from its hot/cold steps and its trend direction."""
    code = _hot_pattern(np.asarray(hot, bool), np.asarray(cold, bool), trend)
    if code:
        return code
    return -_hot_pattern(np.asarray(cold, bool), np.asarray(hot, bool), -trend)


def _hot_pattern(hot: np.ndarray, cold: np.ndarray, trend: int) -> int:
    """Return the hot pattern code (ESRI's table; Historical is checked before Persistent)."""
    steps, count, final = hot.size, int(hot.sum()), bool(hot[-1])
    share = count / steps
    if count == 0:
        return Pattern.NO_PATTERN
    if final and count == 1:
        return Pattern.NEW
    if final and share < MOSTLY:
        run = np.argmin(hot[::-1]) if not hot.all() else steps  # length of the final run
        if run >= 2 and count == run:
            return Pattern.CONSECUTIVE
    if share >= MOSTLY and final and trend > 0:
        return Pattern.INTENSIFYING
    if share >= MOSTLY and not final:
        return Pattern.HISTORICAL
    if share >= MOSTLY and trend == 0:
        return Pattern.PERSISTENT
    if share >= MOSTLY and final and trend < 0:
        return Pattern.DIMINISHING
    if final and share < MOSTLY and not cold.any():
        return Pattern.SPORADIC
    if final and share < MOSTLY and cold[:-1].any():
        return Pattern.OSCILLATING
    return Pattern.NO_PATTERN


@dataclass(frozen=True)
class EmergingResult:
    """Per cell: its pattern, its trend, and the cube's z-scores and bins (steps x cells)."""

    cells: tuple[str, ...]
    steps: int
    z: np.ndarray  # shape (steps, cells)
    bins: np.ndarray  # shape (steps, cells), -3..3 after FDR
    patterns: np.ndarray  # shape (cells,)
    trend_z: np.ndarray
    trend_p: np.ndarray


def emerging_hotspots(counts: Mapping[tuple[str, int], int], steps: int, *, k: int = 1,
                      time_window: int = 1, study_cells: Sequence[str] = (),
                      min_reports: int = MIN_REPORTS) -> EmergingResult:
    """Classify every cell's trend over `steps` time steps from counts keyed (cell, step)."""
    if steps < MIN_STEPS:
        raise NotEnoughData(f"Only {steps} time steps; trends need at least {MIN_STEPS} "
                            "(10 to 12 are better).")
    cells = sorted({cell for cell, _ in counts} | set(study_cells))
    index = {cell: i for i, cell in enumerate(cells)}
    cube = np.zeros((steps, len(cells)))
    for (cell, step), n in counts.items():
        if not 0 <= step < steps:
            raise ValueError(f"step {step} outside 0..{steps - 1}")
        cube[step, index[cell]] += n
    if cube.sum() < min_reports:
        raise NotEnoughData(f"Only {int(cube.sum())} reports in this selection; a "
                            f"significance test needs at least {min_reports}.")
    flat = cube.ravel()
    if np.all(flat == flat[0]):
        raise NotEnoughData("Every bin has the same count: there is no variation to test.")
    z = gi_star(flat, spacetime_weights(cells, steps, k, time_window))
    adjusted, bins = fdr_bins(z, two_sided_p(z))
    significant = (adjusted <= SIGNIFICANT_FDR).reshape(steps, len(cells))
    z, bins = z.reshape(steps, len(cells)), bins.reshape(steps, len(cells))
    hot, cold = significant & (z > 0), significant & (z < 0)
    patterns, trend_z, trend_p = [], [], []
    for i in range(len(cells)):
        trend = mann_kendall(z[:, i])
        trend_z.append(trend.z)
        trend_p.append(trend.p)
        patterns.append(classify(hot[:, i], cold[:, i], trend.direction()))
    return EmergingResult(tuple(cells), steps, z, bins, np.array(patterns, dtype=int),
                          np.array(trend_z), np.array(trend_p))
