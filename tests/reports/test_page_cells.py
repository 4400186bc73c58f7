"""PostgreSQL reads a small view's page cell by cell: the same pages as its GiST index gives."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select, text

from neighborhood.core.spatial import BBox, point_element
from neighborhood.extensions import db
from neighborhood.reports import queries
from neighborhood.reports.models import Category, Report
from neighborhood.reports.services import h3_cells

pytestmark = pytest.mark.engines("postgis")

DOWNTOWN = BBox(-71.075, 42.345, -71.045, 42.365)  # about 2.5 km x 2.2 km
START = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
def scattered_reports(app, create_category):
    """600 reports at random points downtown: plain and sensitive categories, public and held
    statuses, a year of dates; their ids in no spatial order."""
    create_category()
    create_category(code="park_litter", name="Park litter", family="parks")
    create_category(code="unsanitary_food", name="Unsanitary food", family="problem_business",
                    sensitive=True)
    rng = random.Random(8)
    with app.app_context():
        categories = list(db.session.scalars(select(Category.id)))
        for number in range(600):
            lon = rng.uniform(DOWNTOWN.min_lon, DOWNTOWN.max_lon)
            lat = rng.uniform(DOWNTOWN.min_lat, DOWNTOWN.max_lat)
            r8, r9 = h3_cells(lon, lat)
            db.session.add(Report(
                category_id=rng.choice(categories), description=f"Report {number}.",
                location=point_element(lon, lat), h3_r8=r8, h3_r9=r9, source="web",
                status=rng.choice(["open", "open", "acknowledged", "resolved", "closed",
                                   "pending_review"]),
                created_at=START + timedelta(hours=rng.randrange(24 * 365))))
        db.session.commit()
        db.session.execute(text("ANALYZE report"))  # the planner's figures, not its guesses
        db.session.commit()


def views(count: int):
    """Random views inside downtown, from 30 m to 900 m a side."""
    rng = random.Random(3)
    for _ in range(count):
        width, height = rng.uniform(0.0003, 0.011), rng.uniform(0.0003, 0.008)
        west = rng.uniform(DOWNTOWN.min_lon, DOWNTOWN.max_lon - width)
        south = rng.uniform(DOWNTOWN.min_lat, DOWNTOWN.max_lat - height)
        yield BBox(west, south, west + width, south + height)


FILTERS = [
    {},
    {"categories": ("street_light_outage", "unsanitary_food")},
    {"families": ("parks",)},
    {"statuses": ("open", "resolved")},
    {"created_from": START + timedelta(days=90), "created_to": START + timedelta(days=200)},
]


def read_pages(flt: queries.ReportFilter) -> list[list[int]]:
    """Every page of 7 of a filter, by report id, following the cursors."""
    pages, cursor = [], None
    while True:
        rows = queries.page_rows(db.session.connection(), flt, limit=7, cursor=cursor,
                                 city_tz="UTC", decimals=3)
        ids = list(dict.fromkeys(row.id for row in rows))  # one row per photo
        pages.append(ids[:7])
        if len(ids) <= 7:
            return pages
        cursor = queries.encode_cursor(ids[6])


def test_pages_read_cell_by_cell_equal_the_pages_of_the_gist_index(app, scattered_reports,
                                                                   monkeypatch):
    with app.app_context():
        listed = 0
        for number, box in enumerate(views(25)):
            flt = queries.ReportFilter(bbox=box, **FILTERS[number % len(FILTERS)])
            params = queries._page_params(flt, limit=7, cursor=None, city_tz="UTC",
                                          decimals=3, dialect="postgresql")
            assert "cell_0" in params  # the view is read cell by cell
            by_cells = read_pages(flt)
            monkeypatch.setattr(queries, "PAGE_MOST_CELLS", 0)
            assert "cell_0" not in queries._page_params(flt, limit=7, cursor=None,
                                                        city_tz="UTC", decimals=3,
                                                        dialect="postgresql")
            assert by_cells == read_pages(flt), (box, flt)
            monkeypatch.undo()
            listed += sum(map(len, by_cells))
        assert listed > 100  # the views were not empty


def plan_of(flt: queries.ReportFilter) -> str:
    """Return PostgreSQL's plan for the statement a filter's first page of 100 runs."""

    def explain(_conn, _cursor, statement, parameters, _context, _many):
        if statement.startswith("SELECT"):
            statement = "EXPLAIN " + statement
        return statement, parameters

    conn = db.session.connection()
    # The table is tiny: make sequential scans look dear, as at a million reports.
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    event.listen(db.engine, "before_cursor_execute", explain, retval=True)
    try:
        rows = queries.page_rows(conn, flt, limit=100, cursor=None, city_tz="UTC", decimals=3)
    finally:
        event.remove(db.engine, "before_cursor_execute", explain)
    db.session.rollback()
    return "\n".join(row[0] for row in rows)


def test_a_small_view_merges_its_cells_newest_first_from_their_index(app, scattered_reports):
    with app.app_context():
        plan = plan_of(queries.ReportFilter(bbox=BBox(-71.062, 42.352, -71.056, 42.357)))
    assert "Merge Append" in plan and "ix_report_h3_r9_id" in plan
    assert "Gather" not in plan  # no parallel workers for a read this small
    assert "idx_report_location" not in plan


def test_a_view_of_too_many_cells_is_not_read_by_cell(app, scattered_reports):
    """It is read as before cells: from the GiST index at scale (docs/benchmarks.md)."""
    flt = queries.ReportFilter(bbox=BBox(-71.19, 42.23, -70.99, 42.40))
    with app.app_context():
        assert "cell_0" not in queries._page_params(flt, limit=100, cursor=None, city_tz="UTC",
                                                    decimals=3, dialect="postgresql")
        plan = plan_of(flt)
    assert "ix_report_h3_r9_id" not in plan and "Merge Append" not in plan
