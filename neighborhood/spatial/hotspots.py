"""Getis-Ord Gi* hotspots on H3 cells, with Benjamini-Hochberg FDR. Pure: NumPy/SciPy only.

A hotspot is a cell whose neighbourhood (the cell and its k-ring) holds significantly more
reports than the study area as a whole. The z-scores equal PySAL esda's
G_Local(star=True, transform="B") on the same cells and weights (tests check to 1e-9).
See docs/hotspots.md for the method in plain words.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import h3
import numpy as np
from scipy import sparse
from scipy.stats import false_discovery_control, norm

MIN_REPORTS = 30  # ArcGIS Optimized Hot Spot Analysis' minimum number of incidents
MIN_CELLS = 30  # ... and of aggregated cells
LEVELS = ((0.01, 3), (0.05, 2), (0.10, 1))  # FDR level -> bin magnitude (99/95/90 %)


class NotEnoughData(ValueError):
    """The data cannot support a significance test; the message says why, for a person."""


@dataclass(frozen=True)
class HotspotResult:
    """Per cell (in `cells` order): count, Gi* z, two-sided p, BH-adjusted p and bin."""

    cells: tuple[str, ...]
    counts: np.ndarray
    z: np.ndarray
    p: np.ndarray
    fdr_p: np.ndarray
    bins: np.ndarray
    k: int

    @property
    def reports(self) -> int:
        """Return the number of reports the statistics were computed over."""
        return int(self.counts.sum())


def binary_weights(cells: list[str], k: int = 1) -> sparse.csr_matrix:
    """Return w_ij = 1 when cell j lies within k rings of cell i (i itself included)."""
    index = {cell: i for i, cell in enumerate(cells)}
    rows, cols = [], []
    for i, cell in enumerate(cells):
        for other in h3.grid_disk(cell, k):
            j = index.get(other)
            if j is not None:
                rows.append(i)
                cols.append(j)
    data = np.ones(len(rows), dtype=float)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(cells), len(cells)))


def gi_star(counts: np.ndarray, weights: sparse.csr_matrix) -> np.ndarray:
    """Return the Gi* z-score of every cell, for binary weights with the cell itself included."""
    x = np.asarray(counts, dtype=float)
    n = x.size
    mean = x.sum() / n
    sd = np.sqrt((x ** 2).sum() / n - mean ** 2)
    w_sum = np.asarray(weights.sum(axis=1)).ravel()
    local = weights @ x
    return (local - mean * w_sum) / (sd * np.sqrt((n * w_sum - w_sum ** 2) / (n - 1)))


def two_sided_p(z: np.ndarray) -> np.ndarray:
    """Return the two-sided normal p-value of each z-score."""
    return 2 * norm.sf(np.abs(z))


def fdr_bins(z: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return BH-adjusted p-values and bins -3..3 (sign of z times 3/2/1 at 1/5/10 % FDR)."""
    adjusted = false_discovery_control(p, method="bh")
    magnitude = np.zeros(len(p), dtype=int)
    for level, value in reversed(LEVELS):  # weakest first, so stronger levels overwrite
        magnitude[adjusted <= level] = value
    return adjusted, np.sign(z).astype(int) * magnitude


def hotspots(counts: Mapping[str, int], *, k: int = 1, study_cells: Iterable[str] = (),
             min_reports: int = MIN_REPORTS, min_cells: int = MIN_CELLS) -> HotspotResult:
    """Compute Gi* hotspots over cells with reports, plus study_cells as explicit zeros.

    Refuses (NotEnoughData) below min_reports reports or min_cells cells, with zero variance,
    or when no cell has a neighbour in the set.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    cells = sorted(set(counts) | set(study_cells))
    x = np.array([counts.get(c, 0) for c in cells], dtype=float)
    total = int(x.sum())
    if total < min_reports:
        raise NotEnoughData(f"Only {total} reports in this selection; a significance test "
                            f"needs at least {min_reports}.")
    if len(cells) < min_cells:
        raise NotEnoughData(f"The reports fall in only {len(cells)} cells; a significance "
                            f"test needs at least {min_cells}. Try a finer resolution or "
                            "all cells inside the city.")
    if np.all(x == x[0]):
        raise NotEnoughData("Every cell has the same count: there is no variation to test.")
    weights = binary_weights(cells, k)
    if weights.nnz == len(cells):
        raise NotEnoughData("No cell has a neighbour in the set; widen k or include every "
                            "cell inside the city.")
    z = gi_star(x, weights)
    p = two_sided_p(z)
    fdr_p, bins = fdr_bins(z, p)
    return HotspotResult(tuple(cells), x.astype(int), z, p, fdr_p, bins, k)


@dataclass(frozen=True)
class Stack:
    """Many reports at one exact point (e.g. a default geocode), left out of the statistics."""

    lon: float
    lat: float
    reports: int


STACK_MIN_REPORTS = 20
STACK_MIN_SHARE = 0.01


def find_stacks(point_counts: Mapping[tuple[float, float], int], total: int, *,
                min_reports: int = STACK_MIN_REPORTS,
                min_share: float = STACK_MIN_SHARE) -> list[Stack]:
    """Return exact points holding an implausible number of reports, largest first.

    A stack has at least min_reports reports and at least min_share of all reports.
    """
    threshold = max(min_reports, min_share * total)
    stacks = [Stack(lon, lat, n) for (lon, lat), n in point_counts.items() if n >= threshold]
    return sorted(stacks, key=lambda s: (-s.reports, s.lon, s.lat))
