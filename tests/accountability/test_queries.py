"""The SQL of the statistics on both engines, where it must agree with the pure module.

The weekly counts are bucketed in SQL by a balanced CASE tree; the closings are bucketed in
Python by bisection (stats.bucket_of). Both must put every moment, bounds included, in the
same week, for any number of weeks.
"""

from collections import Counter
from datetime import datetime, timedelta

import pytest

from neighborhood.accountability import queries, stats
from neighborhood.accountability.queries import Scope
from neighborhood.extensions import db
from neighborhood.reports.services import Submission, submit_report
from tests.accountability.scenario import BEACON_HILL, BOSTON

NY = "America/New_York"


def _moments(bounds):
    """Every bound, a microsecond either side of it, and the middle of each bucket."""
    out = []
    for bound in bounds:
        out += [bound - timedelta(microseconds=1), bound, bound + timedelta(microseconds=1)]
    out += [a + (b - a) / 2 for a, b in zip(bounds, bounds[1:])]
    return out


@pytest.fixture
def reports_at(app, lifecycle_city):
    """Return a function that stores one street-light report created at each moment."""
    def store(moments):
        with app.app_context():
            for moment in moments:
                data = {"category": "street_light_outage", "description": "x",
                        "lat": BEACON_HILL[0], "lon": BEACON_HILL[1]}
                submit_report(Submission(data=data), now=moment)
            db.session.commit()
    return store


def test_the_sql_case_tree_and_bisection_choose_the_same_week(app, reports_at):
    start = datetime(2015, 1, 1, tzinfo=BOSTON)  # a Thursday: the first week is cut
    series = stats.weeks(start, start + timedelta(days=120), NY)
    bounds = stats.bounds_of(series)
    assert len(series) == 18 and series[0].partial and series[-1].partial
    moments = _moments(bounds)
    reports_at(moments)
    # The full series, and prefixes of 1, 2, 3, 5 and 8 weeks: uneven and even trees.
    for weeks in (1, 2, 3, 5, 8, len(series)):
        cut = bounds[:weeks + 1]
        expected = Counter(i for i in (stats.bucket_of(m, cut) for m in moments)
                           if i is not None)
        with app.app_context():
            got = {week: n for _, week, n, _ in queries.opened_by_week(Scope(), cut)}
        assert got == dict(expected), weeks
        assert sum(got.values()) == sum(1 for m in moments if cut[0] <= m < cut[-1])


def test_bucket_expression_needs_a_bucket():
    with pytest.raises(ValueError):
        queries.bucket_expression(None, [])
