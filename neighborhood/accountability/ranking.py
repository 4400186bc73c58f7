"""Order, rank and compare the dashboard's groups by one figure, never ranking small samples. Pure.

No Flask, no database: rows are the dicts of services.compute_stats (GET /api/v1/stats). A
median, share or rate over fewer than stats.MIN_SAMPLE reports carries its `*_small_sample`
flag; such a figure is shown but never ranked on the table nor coloured on the map.
docs/dashboard.md ("Small samples: shown, marked, never ranked") states the rules in words.
"""

from collections.abc import Callable
from dataclasses import dataclass

from neighborhood.accountability import stats


@dataclass(frozen=True)
class Sort:
    """A sortable column: the field, whether larger comes first, and its sample flag."""

    field: str | None
    descending: bool = True
    small_flag: str | None = None  # a sample figure: small samples are never ranked


SORTS = {
    "name": Sort(None, False),
    "opened": Sort("opened"), "closed": Sort("closed"), "backlog": Sort("backlog"),
    "overdue": Sort("overdue"), "support": Sort("support"),
    "acknowledge": Sort("acknowledge_median_hours", False, "acknowledge_small_sample"),
    "resolve": Sort("resolve_median_hours", False, "resolve_small_sample"),
    "sla": Sort("within_sla_share", True, "sla_small_sample"),
    "reopen": Sort("reopen_rate", False, "reopen_small_sample"),
}


@dataclass(frozen=True)
class Ranked:
    """A row of a group table, its rank by the sorted figure (None: not ranked), and why."""

    row: dict
    label: str
    rank: int | None
    small: bool  # a small sample for the sorted figure: greyed, marked, not ranked


def sort_rows(rows: list[dict], sort: str,
              label: Callable[[dict], str] = lambda row: row["name"]) -> list[Ranked]:
    """Return the rows in the order asked; by a sample figure, small samples come last.

    Counts sort largest first. Medians, shares and rates are ranked with the statistics'
    competition ranks among the rows that are not small samples (1 = best: fastest, most
    within the service level, fewest reopened); small samples and rows without the figure
    follow in name order, unranked. `label` names a row for people.
    """
    how = SORTS[sort]
    if how.field is None:
        return [Ranked(r, label(r), None, False) for r in rows]
    if how.small_flag is None:
        ordered = sorted(rows, key=lambda r: -r[how.field])  # stable: name order within ties
        return [Ranked(r, label(r), None, False) for r in ordered]
    rankable = {i: None if r[how.small_flag] else r[how.field] for i, r in enumerate(rows)}
    ranks = stats.competition_ranks(rankable, ascending=not how.descending)
    ranked = sorted((i for i in ranks if ranks[i] is not None), key=lambda i: (ranks[i], i))
    rest = [i for i in range(len(rows)) if ranks[i] is None]
    return [Ranked(rows[i], label(rows[i]), ranks[i], rows[i][how.small_flag])
            for i in ranked + rest]


@dataclass(frozen=True)
class Metric:
    """A figure the neighborhood map can show: where it is, its n, and its unit."""

    label: object  # the name for people (a lazy string, made by the page)
    field: str
    n_field: str | None = None  # a sample figure: its n, and the small-sample rule applies
    small_flag: str | None = None
    per: float = 1.0  # divide the field by this (hours -> days)
    figure: str = "opened"  # the list behind it

    def value(self, row: dict) -> float | None:
        """Return the row's figure in the metric's unit (None: no data)."""
        value = row[self.field]
        return value if value is None or self.per == 1 else value / self.per

    def is_small(self, row: dict) -> bool:
        """Return True when the row's figure rests on too few reports to compare."""
        return bool(self.small_flag and row[self.small_flag])

    def compared(self, rows: list[dict]) -> list[tuple[dict, float | None, bool]]:
        """Return each row, its value and whether it is a small sample left out of the scale."""
        out = []
        for row in rows:
            value = self.value(row)
            out.append((row, value, self.is_small(row) and value is not None))
        return out


def is_empty(row: dict) -> bool:
    """Return True when a scope had nothing to count: no report opened, closed, open or timed."""
    return not (row["opened"] or row["closed"] or row["backlog"] or row["acknowledge_n"]
                or row["reopen_n"])
