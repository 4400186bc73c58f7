"""The hotspot service on both engines: SQL counts equal Python counts, windows, steps, cache."""

import json
from bisect import bisect_right
from itertools import pairwise
from collections import Counter
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import h3
import numpy as np
import pytest
from shapely.geometry import Point, box
from sqlalchemy import func, select, update

from neighborhood.demo.services import upsert_categories
from neighborhood.extensions import db
from neighborhood.importers.csv311 import load_preset
from neighborhood.importers.services import import_files
from neighborhood.reports.models import Category, Report
from neighborhood.spatial import services
from neighborhood.spatial.hotspots import NotEnoughData, Stack
from neighborhood.spatial.models import HotspotCache
from tests.spatial.hotspot_data import (YEAR_2015, Synthetic, city, reports_at, store,
                                        times_between, uniform_points)

SAMPLE = Path(__file__).parents[1] / "fixtures" / "boston-sample.csv"
CATEGORIES = json.loads((resources.files("neighborhood.demo") / "data" / "categories.json")
                        .read_text(encoding="utf-8"))
CITY_TZ = "America/New_York"
NEW_YORK = ZoneInfo(CITY_TZ)
END_2015 = datetime(2016, 1, 1, tzinfo=NEW_YORK)  # exclusive: the window is the year 2015
CITY_HALL = (-71.0587, 42.3594)
LIGHT = "street_light_outage"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def categories(create_category):
    create_category(LIGHT, "Street light outage", "lighting")
    create_category("general_lighting_request", "General lighting request", "lighting")
    create_category("sign_repair", "Damaged sign", "signs")


def year_of_lights(n: int, seed: int, **fields) -> list[Synthetic]:
    """n reports at uniform points in the city, created uniformly over 2015 (New York)."""
    rng = np.random.default_rng(seed)
    return reports_at(uniform_points(n, rng), times_between(*YEAR_2015, n, rng), **fields)


def python_counts(reports, resolution: int) -> Counter:
    return Counter(h3.latlng_to_cell(r.lat, r.lon, resolution) for r in reports)


def counts_for(query: services.HotspotQuery, end: datetime) -> dict[str, int]:
    return services.cell_counts(services.select_reports(query, end), query.resolution)


# --- counting --------------------------------------------------------------------------------

@pytest.mark.parametrize("resolution", [8, 9])
def test_cell_counts_equal_a_python_count_of_the_same_reports(app, ctx, boston_areas,
                                                              resolution):
    upsert_categories(CATEGORIES)
    summary = import_files([SAMPLE], load_preset("boston"))
    synthetic = year_of_lights(700, seed=1)
    store(synthetic)
    db.session.commit()
    sample = db.session.execute(
        select(func.ST_X(Report.location), func.ST_Y(Report.location), Report.created_at,
               Report.status, Report.close_reason, Category.family)
        .join(Category, Category.id == Report.category_id)
        .where(Report.external_id.is_not(None))).all()
    start = END_2015 - timedelta(days=365)
    imported = [(lon, lat) for lon, lat, created, status, reason, family in sample
                if family == "lighting" and status != "pending_review"
                and reason not in ("duplicate", "spam")  # one problem counts once
                and start <= created < END_2015]
    assert summary.imported == len(sample) == 61
    assert len(imported) >= 15  # the sample's lighting rows take part

    counts = counts_for(services.HotspotQuery(family="lighting", resolution=resolution),
                        END_2015)

    expected = python_counts(synthetic, resolution)
    expected.update(h3.latlng_to_cell(lat, lon, resolution) for lon, lat in imported)
    assert counts == dict(expected)
    assert sum(counts.values()) == 700 + len(imported)


def test_hidden_reports_and_reports_outside_the_window_or_the_selection_are_not_counted(
        app, ctx, boston_areas, categories):
    rng = np.random.default_rng(2)
    start = END_2015 - timedelta(days=365)
    counted = year_of_lights(300, seed=2)
    counted += reports_at(uniform_points(2, rng), [start, END_2015 - timedelta(microseconds=1)])
    hidden = year_of_lights(40, seed=3, status="pending_review")
    before = reports_at(uniform_points(20, rng), [start - timedelta(microseconds=1)] * 20)
    at_end = reports_at(uniform_points(20, rng), [END_2015] * 20)
    general = year_of_lights(50, seed=4, category="general_lighting_request")
    signs = year_of_lights(60, seed=5, category="sign_repair")
    store(counted + hidden + before + at_end + general + signs)
    db.session.commit()

    by_category = counts_for(services.HotspotQuery(category=LIGHT), END_2015)
    lighting = counts_for(services.HotspotQuery(family="lighting"), END_2015)
    only_signs = counts_for(services.HotspotQuery(family="signs"), END_2015)

    assert by_category == dict(python_counts(counted, 9))
    assert lighting == dict(python_counts(counted + general, 9))
    assert only_signs == dict(python_counts(signs, 9))


def test_resolve_end_defaults_to_just_after_the_newest_matching_report(app, ctx, boston_areas,
                                                                      categories):
    newest = utc(2015, 11, 3, 14, 5, 6, 789)
    store([Synthetic(-71.06, 42.35, utc(2015, 3, 1)), Synthetic(-71.07, 42.34, newest),
           Synthetic(-71.06, 42.36, utc(2015, 12, 20), status="pending_review"),
           Synthetic(-71.08, 42.33, utc(2015, 12, 24), category="sign_repair")])
    db.session.commit()

    assert services.resolve_end(services.HotspotQuery(category=LIGHT)) == (
        newest + timedelta(microseconds=1))
    assert services.resolve_end(services.HotspotQuery(family="signs")) == (
        utc(2015, 12, 24) + timedelta(microseconds=1))
    assert services.resolve_end(services.HotspotQuery(category=LIGHT, end=END_2015)) == END_2015


def test_a_coincident_point_stack_is_found_and_left_out_of_the_counts(app, ctx, boston_areas,
                                                                      categories):
    rng = np.random.default_rng(6)
    spread = year_of_lights(440, seed=6)
    lon, lat = CITY_HALL
    stack = reports_at([CITY_HALL] * 60, times_between(*YEAR_2015, 60, rng))
    beside = [Synthetic(lon + 1e-6, lat, utc(2015, 6, 1))]  # a metre away: not the stack
    store(spread + stack + beside)
    db.session.commit()
    query = services.HotspotQuery(category=LIGHT)

    selection = services.select_reports(query, END_2015)
    counts = services.cell_counts(selection, 9)
    payload = services.compute(query, CITY_TZ)

    assert selection.stacks == [Stack(lon, lat, 60)]
    assert selection.stacked_reports == 60
    assert counts == dict(python_counts(spread + beside, 9))
    assert payload["reports"] == 441
    assert payload["excluded_reports"] == 60
    assert payload["excluded_stacks"] == [{"lon": lon, "lat": lat, "reports": 60}]


def test_boundary_mode_includes_the_empty_cells_inside_the_city(app, ctx, boston_areas,
                                                               categories):
    reports = year_of_lights(500, seed=7)
    store(reports)
    db.session.commit()
    # Our own cell set: cells around the city's box whose centres lie inside the city.
    west, south, east, north = city().bounds
    around = h3.geo_to_cells(box(west - 0.01, south - 0.01, east + 0.01, north + 0.01)
                             .__geo_interface__, 9)
    inside = {c for c in around if city().covers(Point(h3.cell_to_latlng(c)[::-1]))}
    observed = set(python_counts(reports, 9))
    empty_inside = inside - observed

    boundary = services.compute(services.HotspotQuery(category=LIGHT, cells="boundary"), CITY_TZ)
    only_observed = services.compute(services.HotspotQuery(category=LIGHT), CITY_TZ)

    assert len(empty_inside) > 500
    assert set(boundary["cells"]) == inside | observed
    assert all(boundary["cells"][c]["count"] == 0 for c in empty_inside)
    assert set(only_observed["cells"]) == observed
    assert all(cell["count"] > 0 for cell in only_observed["cells"].values())
    assert boundary["reports"] == only_observed["reports"] == 500


# --- time steps ------------------------------------------------------------------------------

def test_a_year_in_months_is_twelve_steps_at_local_midnight_on_the_first():
    end = utc(2015, 12, 15, 12)

    bounds = services.step_bounds(end, 365, "month", CITY_TZ)

    local = [b.astimezone(NEW_YORK) for b in bounds]
    assert len(bounds) == 13
    assert [(d.year, d.month) for d in local] == [(2015, m) for m in range(1, 13)] + [(2016, 1)]
    assert all((d.day, d.hour, d.minute, d.second, d.microsecond) == (1, 0, 0, 0, 0)
               for d in local)
    # Eastern Standard Time is UTC-5; daylight time (8 March to 1 November 2015) is UTC-4.
    assert [b.hour for b in bounds] == [5, 5, 5, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5]
    assert all(b.utcoffset() == timedelta(0) for b in bounds)
    assert bounds[-2] <= end < bounds[-1]


def test_weekly_steps_start_at_local_midnight_on_mondays_across_dst():
    end = utc(2015, 11, 4, 12)  # a Wednesday, three days after daylight time ended

    bounds = services.step_bounds(end, 365, "week", CITY_TZ)

    local = [b.astimezone(NEW_YORK) for b in bounds]
    assert len(bounds) == 53  # 52 weeks and the closing bound
    assert all(d.weekday() == 0 and (d.hour, d.minute) == (0, 0) for d in local)
    assert all((b - a).days == 7 for a, b in pairwise(local))  # seven local days each
    hours = Counter((b - a) / timedelta(hours=1) for a, b in pairwise(bounds))
    assert hours == {168.0: 50, 167.0: 1, 169.0: 1}  # spring forward, fall back
    assert bounds[-2] <= end < bounds[-1]


def test_an_end_on_a_month_boundary_makes_the_month_before_it_the_last_step(app, ctx,
                                                                            boston_areas,
                                                                            categories):
    # end is exclusive: with end = 1 January 2016, the year's steps are January..December 2015.
    store([Synthetic(-71.06, 42.35, utc(2015, 1, 10)),
           Synthetic(-71.06, 42.35, utc(2016, 1, 15))])  # after the window
    db.session.commit()
    selection = services.select_reports(services.HotspotQuery(category=LIGHT), END_2015)

    bounds = services.step_bounds(END_2015, 365, "month", CITY_TZ)
    cube = services.cube_counts(selection, 9, bounds)

    assert bounds[0] == datetime(2015, 1, 1, tzinfo=NEW_YORK)
    assert bounds[-1] == END_2015
    assert cube == {(h3.latlng_to_cell(42.35, -71.06, 9), 0): 1}


def test_cube_counts_agree_with_a_python_count_by_cell_and_step(app, ctx, boston_areas,
                                                               categories):
    reports = year_of_lights(900, seed=8)
    hidden = year_of_lights(30, seed=9, status="pending_review")
    signs = year_of_lights(30, seed=10, category="sign_repair")
    store(reports + hidden + signs)
    db.session.commit()
    end = services.resolve_end(services.HotspotQuery(category=LIGHT))
    bounds = services.step_bounds(end, 365, "month", CITY_TZ)
    rng = np.random.default_rng(11)
    edges = reports_at(uniform_points(4, rng), [bounds[0], bounds[3], bounds[11],
                                                bounds[0] - timedelta(microseconds=1)])
    store(edges)  # on the bounds: a bound opens its step; just before the first: no step
    db.session.commit()
    selection = services.select_reports(services.HotspotQuery(category=LIGHT), end)

    cube = services.cube_counts(selection, 9, bounds)

    expected = Counter((h3.latlng_to_cell(r.lat, r.lon, 9), bisect_right(bounds, r.created_at) - 1)
                       for r in reports + edges if bounds[0] <= r.created_at < bounds[-1])
    assert cube == dict(expected)
    assert sum(cube.values()) == 903
    assert {step for _, step in cube} == set(range(12))


# --- the cache -------------------------------------------------------------------------------

@pytest.fixture
def compute_calls(monkeypatch):
    """Count the calls to services.compute (which still computes)."""
    calls = []
    real = services.compute

    def counting(query, city_tz):
        calls.append(query)
        return real(query, city_tz)

    monkeypatch.setattr(services, "compute", counting)
    return calls


def cached(app, **fields) -> dict:
    """Ask for a map in a fresh app context (a new session, as another request would)."""
    with app.app_context():
        payload = services.cached_hotspots(services.HotspotQuery(category=LIGHT, **fields),
                                           CITY_TZ)
        db.session.commit()
        return payload


def cache_rows(app) -> list[tuple[str, str]]:
    with app.app_context():
        return db.session.execute(select(HotspotCache.key, HotspotCache.data_version)).all()


@pytest.fixture
def stored_year(app, boston_areas, categories):
    with app.app_context():
        store(year_of_lights(400, seed=12))
        db.session.commit()


def test_a_second_call_returns_the_stored_payload_without_recomputing(app, stored_year,
                                                                      compute_calls):
    first = cached(app)
    second = cached(app)

    assert len(compute_calls) == 1
    assert second == first
    assert first["reports"] == 400
    with app.app_context():
        version = services.data_version()
    assert [v for _, v in cache_rows(app)] == [version]


def test_a_new_report_invalidates_the_stored_payload(app, stored_year, compute_calls):
    first = cached(app)
    with app.app_context():  # older than the newest: the window and the key stay the same
        store([Synthetic(-71.06, 42.35, utc(2015, 6, 1))])
        db.session.commit()

    second = cached(app)

    assert len(compute_calls) == 2
    assert (first["reports"], second["reports"]) == (400, 401)
    assert second["end"] == first["end"]
    assert len(cache_rows(app)) == 1  # the stale row was replaced, not joined by another


def test_a_changed_report_invalidates_the_stored_payload(app, stored_year, compute_calls):
    first = cached(app)
    with app.app_context():
        oldest = db.session.scalar(select(Report.id).order_by(Report.created_at).limit(1))
        db.session.execute(update(Report).where(Report.id == oldest)
                           .values(status="pending_review"))  # hidden by a moderator
        db.session.commit()

    second = cached(app)

    assert len(compute_calls) == 2
    assert (first["reports"], second["reports"]) == (400, 399)


def test_data_version_changes_on_insert_and_on_update(app, ctx, boston_areas, categories):
    store(year_of_lights(5, seed=13))
    db.session.commit()
    before = services.data_version()
    assert services.data_version() == before

    store([Synthetic(-71.06, 42.35, utc(2015, 6, 1))])
    db.session.commit()
    inserted = services.data_version()
    report_id = db.session.scalar(select(func.min(Report.id)))
    db.session.execute(update(Report).where(Report.id == report_id)
                       .values(description="Edited."))
    db.session.commit()
    updated = services.data_version()

    assert len({before, inserted, updated}) == 3


def test_new_city_boundaries_invalidate_a_stored_boundary_map(app, stored_year, compute_calls):
    from neighborhood.areas.services import replace_boundaries

    first = cached(app, cells="boundary")
    with app.app_context():  # the city is now one neighborhood: far fewer cells inside it
        replace_boundaries(boston_areas_subset(), city_name="Boston")
        db.session.commit()

    second = cached(app, cells="boundary")

    assert len(compute_calls) == 2
    assert len(second["cells"]) < len(first["cells"])


def boston_areas_subset() -> list[dict]:
    data = resources.files("neighborhood.demo") / "data" / "boston-neighborhoods.geojson"
    features = json.loads(data.read_text(encoding="utf-8"))["features"]
    return [f for f in features if f["properties"]["name"] == "Dorchester"]


def test_moving_a_category_to_another_family_invalidates_family_maps(app, stored_year,
                                                                     compute_calls):
    def family_map():
        with app.app_context():
            payload = services.cached_hotspots(services.HotspotQuery(family="lighting"),
                                               CITY_TZ)
            db.session.commit()
            return payload

    first = family_map()
    with app.app_context():
        category = db.session.scalar(select(Category).where(Category.code == LIGHT))
        category.family = "signs"
        db.session.commit()

    with pytest.raises(NotEnoughData):  # no lighting reports are left
        family_map()
    assert first["reports"] == 400
    assert len(compute_calls) == 2


def test_reports_closed_as_spam_or_duplicates_are_not_counted(app, ctx, stored_year):
    end = services.resolve_end(services.HotspotQuery(category=LIGHT))
    before = sum(counts_for(services.HotspotQuery(category=LIGHT), end).values())
    ids = db.session.scalars(select(Report.id).order_by(Report.id).limit(3)).all()
    for report_id, reason in zip(ids, ("spam", "duplicate", "cannot_reproduce")):
        db.session.execute(update(Report).where(Report.id == report_id)
                           .values(status="closed", close_reason=reason))
    db.session.commit()

    after = sum(counts_for(services.HotspotQuery(category=LIGHT), end).values())

    assert (before, after) == (400, 398)  # cannot_reproduce still counts: it was reported
