"""The dashboard's pure ordering rules: counts largest first, ranks that skip small samples.

No app, no database: rows are plain dicts shaped like GET /api/v1/stats rows.
"""

import pytest

from neighborhood.accountability.ranking import SORTS, Metric, is_empty, sort_rows


def row(name, **figures) -> dict:
    """Return a stats row with every figure the sorts read (zeros and no data by default)."""
    base = {"name": name, "opened": 0, "closed": 0, "backlog": 0, "overdue": 0, "support": 0,
            "acknowledge_n": 0, "reopen_n": 0,
            "acknowledge_median_hours": None, "acknowledge_small_sample": False,
            "resolve_median_hours": None, "resolve_small_sample": False,
            "within_sla_share": None, "sla_small_sample": False, "sla_n": 0,
            "reopen_rate": None, "reopen_small_sample": False}
    return base | figures


def order(ranked) -> list[tuple[str, int | None, bool]]:
    return [(r.label, r.rank, r.small) for r in ranked]


def test_sorting_by_name_keeps_the_given_order_without_ranks():
    rows = [row("Allston", opened=3), row("Back Bay", opened=9)]
    assert order(sort_rows(rows, "name")) == [("Allston", None, False),
                                              ("Back Bay", None, False)]


def test_counts_sort_largest_first_and_keep_name_order_within_ties():
    rows = [row("A", backlog=2), row("B", backlog=5), row("C", backlog=2)]
    assert [r.label for r in sort_rows(rows, "backlog")] == ["B", "A", "C"]
    assert all(r.rank is None for r in sort_rows(rows, "backlog"))


def test_fastest_median_ranks_first_with_competition_ranks_for_ties():
    rows = [row("A", resolve_median_hours=30.0), row("B", resolve_median_hours=10.0),
            row("C", resolve_median_hours=30.0), row("D", resolve_median_hours=40.0)]
    assert order(sort_rows(rows, "resolve")) == [("B", 1, False), ("A", 2, False),
                                                 ("C", 2, False), ("D", 4, False)]


def test_largest_share_within_the_service_level_ranks_first():
    rows = [row("A", within_sla_share=0.5), row("B", within_sla_share=0.9)]
    assert order(sort_rows(rows, "sla")) == [("B", 1, False), ("A", 2, False)]


def test_small_samples_are_never_ranked_and_come_after_the_ranked_rows_in_name_order():
    rows = [row("A", resolve_median_hours=1.0, resolve_small_sample=True),
            row("B", resolve_median_hours=50.0),
            row("C", resolve_median_hours=2.0, resolve_small_sample=True),
            row("D", resolve_median_hours=20.0)]
    assert order(sort_rows(rows, "resolve")) == [("D", 1, False), ("B", 2, False),
                                                 ("A", None, True), ("C", None, True)]


def test_rows_without_the_figure_are_unranked_but_not_marked_small():
    rows = [row("A"), row("B", reopen_rate=0.1)]
    assert order(sort_rows(rows, "reopen")) == [("B", 1, False), ("A", None, False)]


def test_the_label_callable_names_each_row():
    rows = [row("x", family="roads")]
    assert sort_rows(rows, "opened", lambda r: r["family"].upper())[0].label == "ROADS"


def test_every_sample_sort_has_a_small_sample_flag_and_counts_have_none():
    assert {k for k, s in SORTS.items() if s.small_flag} == {"acknowledge", "resolve", "sla",
                                                             "reopen"}


DAYS = Metric("Median days", "resolve_median_hours", "resolve_n", "resolve_small_sample",
              per=24.0)
COUNT = Metric("Backlog", "backlog")


@pytest.mark.parametrize(("desc", "metric", "figures", "expected"), [
    ("hours become days", DAYS, {"resolve_median_hours": 36.0}, (1.5, False)),
    ("a small sample is left out of the scale", DAYS,
     {"resolve_median_hours": 48.0, "resolve_small_sample": True}, (2.0, True)),
    ("no data is not a small sample", DAYS,
     {"resolve_median_hours": None, "resolve_small_sample": True}, (None, False)),
    ("a count is never a sample", COUNT, {"backlog": 0}, (0, False)),
])
def test_the_map_compares_values_in_their_unit_without_small_samples(desc, metric, figures,
                                                                     expected):
    [(_row, value, small)] = metric.compared([row("A", **figures)])
    assert (value, small) == expected, desc


def test_a_small_sample_is_flagged_in_the_csv_even_without_a_value():
    assert DAYS.is_small(row("A", resolve_small_sample=True))
    assert not COUNT.is_small(row("A"))


def test_a_scope_with_nothing_counted_is_empty_and_one_open_report_is_not():
    assert is_empty(row("A"))
    assert not is_empty(row("A", backlog=1))
    assert not is_empty(row("A", reopen_n=1))
