"""Action-plan figures from live data on both engines, against GET /api/v1/stats and the map.

The February scenario (scenario.py) gives hand-worked figures for Dorchester; every metric
built on the statistics must equal the stats API's row for the neighborhood over the same
range, which is how docs/accountability.md tells an analyst to reproduce it. Hotspot cells
are checked against GET /api/v1/hotspots, counted inside the neighborhood with shapely.
"""

from datetime import UTC, date, datetime

import h3
import numpy as np
import pytest
from shapely.geometry import Point, shape
from sqlalchemy import select

from neighborhood.accountability import plan_values
from neighborhood.accountability.metrics import METRICS, Window
from neighborhood.accountability.plan_values import Subject
from neighborhood.areas.models import Area
from neighborhood.extensions import db
from tests.accountability.scenario import RANGE
from tests.spatial.hotspot_data import (cluster_points, reports_at, store, times_between,
                                        uniform_points)

TZ = "America/New_York"
FEBRUARY = Window(date(2025, 2, 3), date(2025, 3, 3))
POPULATION = 5000


def area_id(code: str) -> int:
    return db.session.scalar(select(Area.id).where(Area.kind == "neighborhood",
                                                   Area.code == code))


def value(metric: str, code: str, family=None, window=FEBRUARY):
    subject = Subject(area_id(code), family, POPULATION)
    return plan_values.values(metric, subject, [window], TZ)[0]


def test_dorchester_in_february_by_hand(app, scenario):
    with app.app_context():
        # Closed in range: r3 1 h, r14 24 h, r6 192 h (to its last closing); r9 is open now.
        median = value("median_days_to_resolve", "6", "lighting")
        assert (median.value, median.n) == (pytest.approx(1.0), 3)
        assert median.small_sample(METRICS["median_days_to_resolve"])
        assert value("open_backlog", "6").value == 3  # r4 r12 r15 at Mar 3 00:00
        assert value("open_backlog", "6", "lighting").value == 1  # r4
        sla = value("within_sla_share", "6", "lighting")
        assert (sla.value, sla.n) == (1.0, 3)
        reopen = value("reopen_rate", "6")
        assert (reopen.value, reopen.n) == (0.5, 4)  # r6 and r9 of r3 r6 r9 r14
        rate = value("reports_per_1000", "6")
        assert rate.n == 6  # r3 r4 r6 r9 r12 r14
        assert rate.value == pytest.approx(6 * 1000 / POPULATION * 365 / 28)


@pytest.mark.parametrize("code", ["30", "6"])
@pytest.mark.parametrize("family", [None, "lighting"])
def test_every_statistic_equals_the_stats_api_row_of_the_neighborhood(app, client, scenario,
                                                                      code, family):
    query = {"group_by": "neighborhood", **RANGE} | ({"family": family} if family else {})
    rows = {row["neighborhood"]: row for row in client.get("/api/v1/stats",
                                                           query_string=query).get_json()}
    row = rows[code]
    with app.app_context():
        median = value("median_days_to_resolve", code, family)
        sla = value("within_sla_share", code, family)
        backlog = value("open_backlog", code, family)
        reopen = value("reopen_rate", code, family)
        rate = value("reports_per_1000", code, family)
    assert median.n == row["resolve_n"]
    assert median.value == pytest.approx(row["resolve_median_hours"] / 24)
    assert (sla.value, sla.n) == (row["within_sla_share"], row["sla_n"])
    assert backlog.value == row["backlog"]
    assert (reopen.value, reopen.n) == (row["reopen_rate"], row["reopen_n"])
    assert rate.n == row["opened"]


def test_several_windows_in_one_pass_equal_one_window_at_a_time(app, scenario):
    windows = [Window(date(2025, 1, 6), date(2025, 2, 3)), FEBRUARY,
               Window(date(2025, 2, 17), date(2025, 3, 17))]
    with app.app_context():
        subject = Subject(area_id("6"), None, POPULATION)
        for metric in ("median_days_to_resolve", "within_sla_share", "open_backlog",
                       "reopen_rate", "reports_per_1000"):
            together = plan_values.values(metric, subject, windows, TZ)
            alone = [plan_values.values(metric, subject, [w], TZ)[0] for w in windows]
            assert together == alone, metric


def test_nothing_to_measure_is_no_value_with_a_reason(app, scenario):
    quiet = Window(date(2024, 1, 1), date(2024, 2, 1))
    with app.app_context():
        median = value("median_days_to_resolve", "6", "lighting", quiet)
        assert (median.value, median.n) == (None, 0) and median.note
        assert value("within_sla_share", "6", "signs", quiet).value is None
        assert value("reopen_rate", "6", None, quiet).value is None
        backlog = value("open_backlog", "6", None, quiet)
        assert (backlog.value, backlog.note) == (0.0, None)  # a count: zero is a value
        assert value("reports_per_1000", "6", None, quiet).value == 0.0


# --- hotspot cells ----------------------------------------------------------------------------

DORCHESTER = (-71.0676, 42.3016)
SPRING = Window(date(2015, 3, 1), date(2015, 6, 1))


@pytest.fixture
def planted(app, boston_areas, create_category):
    """A lighting hotspot planted in Dorchester over a uniform city, spring 2015."""
    create_category()
    rng = np.random.default_rng(7)
    start = datetime(2015, 3, 1, 5, tzinfo=UTC)
    end = datetime(2015, 6, 1, 4, tzinfo=UTC)
    points = uniform_points(500, rng) + cluster_points(*DORCHESTER, 350, 150, rng)
    with app.app_context():
        store(reports_at(points, times_between(start, end, len(points), rng)))
        db.session.commit()
    return boston_areas


def hot_cells_from_the_map(client, features, name: str) -> int:
    """Count the map's hot cells whose centre lies inside a neighborhood, as an analyst would."""
    polygon = shape(next(f for f in features if f["properties"]["name"] == name)["geometry"])
    body = client.get("/api/v1/hotspots", query_string={
        "family": "lighting", "days": SPRING.days, "end": SPRING.end.isoformat()}).get_json()
    return sum(1 for f in body["features"] if f["properties"]["bin"] >= 2
               and polygon.contains(Point(h3.cell_to_latlng(f["id"])[::-1])))


def test_hotspot_cells_count_the_maps_hot_cells_inside_the_neighborhood(app, client, planted):
    with app.app_context():
        dorchester = value("hotspot_cells", "6", "lighting", SPRING)
        west_roxbury = value("hotspot_cells", "19", "lighting", SPRING)
    assert dorchester.value == hot_cells_from_the_map(client, planted, "Dorchester") > 0
    assert dorchester.n == 650  # the reports the city-wide map counted
    assert west_roxbury.value == hot_cells_from_the_map(client, planted, "West Roxbury") == 0


def test_too_few_reports_for_a_map_is_no_value_with_the_maps_reason(app, planted):
    with app.app_context():
        empty = value("hotspot_cells", "6", "lighting", Window(date(2014, 1, 1),
                                                               date(2014, 3, 1)))
    assert (empty.value, empty.n) == (None, 0)
    assert "reports" in empty.note
