"""incident_groups on both engines: SpatiaLite groups in Python, PostGIS with ST_ClusterDBSCAN."""

import itertools
import math

import numpy as np
import pytest
from sqlalchemy import func, select, update

from neighborhood.core import transaction
from neighborhood.core.spatial import BBox
from neighborhood.extensions import db
from neighborhood.reports.models import Report
from neighborhood.reports.services import Submission, submit_report
from neighborhood.spatial.grouping import group_incidents, to_metres
from neighborhood.spatial.queries import BOSTON_UTM_SRID, incident_groups
from tests.spatial.test_grouping import COMMON, city_blocks, line, metric_distance, offset

URL = "/api/v1/reports"
LIGHT = "street_light_outage"
SIGN = "sign_repair"


@pytest.fixture
def city(boston_areas, create_category):
    """Boston, a lighting and a signs category, and a sensitive (held for review) one."""
    create_category()
    create_category(code=SIGN, name="Sign repair", family="signs", sla_days=30)
    create_category(code="needle", name="Needle", family="other", sensitive=True)


def post(client, point, category=LIGHT) -> int:
    """Submit a report at (lon, lat) through the API and return its id."""
    resp = client.post(URL, json={"category": category, "description": "Dark lamp.",
                                  "lon": point[0], "lat": point[1]})
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


def insert(app, points, category=LIGHT) -> list[int]:
    """Store reports at points through the intake service, in order; return their ids."""
    with app.app_context():
        ids = [submit_report(Submission(data={"category": category, "description": "Dark.",
                                              "lon": lon, "lat": lat}), source="app").report.id
               for lon, lat in points]
        transaction.commit()
    return ids


def set_status(app, ids, status):
    """Move reports straight to a status (test set-up, not the workflow)."""
    with app.app_context():
        db.session.execute(update(Report).where(Report.id.in_(ids)).values(status=status))
        db.session.commit()


def found(app, category=LIGHT, **kwargs):
    """Return incident_groups' incidents on the app's engine."""
    with app.app_context():
        return incident_groups(category, dialect=db.session.get_bind().dialect.name, **kwargs)


def member_ids(app, category=LIGHT, **kwargs) -> list[tuple[int, ...]]:
    """Return the member ids of incident_groups' incidents, in its order."""
    return [incident.member_ids for incident in found(app, category, **kwargs)]


# --- expected groups -------------------------------------------------------------------------

@pytest.fixture
def street(app, client, city):
    """A chain of 3 lights, a pair 300 m north, a lone light, and reports that must not count.

    Next to the lone light: a sign report, a resolved light and a held-for-review light; any
    of them counted would turn the lone light into a group.
    """
    chain = [post(client, p) for p in line(COMMON, 0, 20, 40)]
    pair = [post(client, p) for p in line(offset(*COMMON, 0, 300), 0, 15)]
    lone_spot = offset(*COMMON, 0, -150)
    lone = post(client, lone_spot)
    near_lone = offset(*lone_spot, 10, 0)
    sign = post(client, near_lone, category=SIGN)
    sign_next = post(client, offset(*near_lone, 5, 0), category=SIGN)
    resolved, hidden = post(client, near_lone), post(client, offset(*lone_spot, -10, 0))
    set_status(app, [resolved], "resolved")
    set_status(app, [hidden], "pending_review")
    return {"chain": tuple(chain), "pair": tuple(pair), "lone": lone,
            "signs": (sign, sign_next), "resolved": resolved, "hidden": hidden}


def test_incidents_are_the_expected_groups(app, street):
    incidents = found(app)
    assert [i.member_ids for i in incidents] == [street["chain"], street["pair"]]
    middle = offset(*COMMON, 20, 0)
    assert incidents[0].size == 3
    assert incidents[0].centroid_lon == pytest.approx(middle[0], abs=1e-9)
    assert incidents[0].centroid_lat == pytest.approx(middle[1], abs=1e-9)


def test_other_categories_are_grouped_on_their_own(app, street):
    assert member_ids(app, SIGN) == [street["signs"]]
    assert member_ids(app, "no_such_category") == []


def test_closed_reports_count_only_when_asked_for(app, street):
    assert all(street["resolved"] not in ids for ids in member_ids(app))
    grouped = member_ids(app, statuses=("open", "resolved"))
    assert tuple(sorted((street["lone"], street["resolved"]))) in grouped
    assert member_ids(app, statuses=("closed",)) == []


def test_hidden_reports_never_count(app, street):
    everything = ("pending_review", "open", "acknowledged", "in_progress", "resolved", "closed")
    grouped = member_ids(app, statuses=everything)
    assert all(street["hidden"] not in ids for ids in grouped)
    assert member_ids(app, statuses=("pending_review",)) == []


def test_bbox_limits_the_reports_grouped(app, street):
    around_pair = BBox.around(*offset(*COMMON, 7, 300), 50)
    assert member_ids(app, bbox=around_pair) == [street["pair"]]
    # Only the chain's first two lights inside: they still make a group of two.
    west, east = offset(*COMMON, -5, -5), offset(*COMMON, 25, 5)
    assert member_ids(app, bbox=BBox(west[0], west[1], east[0], east[1])) == [street["chain"][:2]]
    nowhere = BBox(-71.0, 42.0, -70.99, 42.01)
    assert member_ids(app, bbox=nowhere) == []


def test_radius_and_min_size_are_passed_through(app, street):
    assert member_ids(app, radius_m=10.0) == []  # no two open lights within 10 m
    assert member_ids(app, min_size=3) == [street["chain"]]  # the middle light has 3
    assert member_ids(app, min_size=4) == []


def test_a_border_report_joins_its_lowest_id_core_neighbour(app, city):
    # Cluster X (west), then cluster Y (east), then X's report nearest the middle, then the
    # border report B at 0 m: within 30 m of one core report of each, core itself in neither.
    x_far = insert(app, line(COMMON, -49, -41, -33))
    y = insert(app, line(COMMON, 25, 33, 41, 49))
    x_near = insert(app, line(COMMON, -25))
    border = insert(app, line(COMMON, 0))
    # B's core neighbours are x_near and y[0]; y[0] has the lower id, so B joins Y, although
    # X holds the lowest id of all.
    expected = [tuple(y + border), tuple(x_far + x_near)]
    assert member_ids(app, min_size=4) == expected
    with app.app_context():
        points = db.session.execute(select(Report.id, func.ST_X(Report.location),
                                           func.ST_Y(Report.location))).all()
    pure = group_incidents(*zip(*points), min_size=4)
    assert [i.member_ids for i in pure] == expected


# --- both engines agree ----------------------------------------------------------------------

def knife_edge_pairs(points, radius_m, margin_m=0.01) -> int:
    """Return how many pairs lie within margin_m of radius_m: there the engines may differ."""
    lons, lats = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    x, y = to_metres(lons, lats, (lons.min() + lons.max()) / 2, (lats.min() + lats.max()) / 2)
    dist = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    return int((np.abs(dist - radius_m) < margin_m).sum() // 2)


@pytest.mark.parametrize("seed,radius_m,min_size", [(5, 30.0, 2), (6, 25.0, 4)])
def test_engines_agree_on_a_realistic_city(app, city, seed, radius_m, min_size):
    points = city_blocks(seed, 300)
    # The UTM grid is up to 1e-4 shorter than the ground in Boston (3 mm at 30 m): a pair
    # in that sliver could be grouped by PostGIS alone. This data has none within 1 cm.
    assert knife_edge_pairs(points, radius_m) == 0
    ids = insert(app, points)
    incidents = found(app, radius_m=radius_m, min_size=min_size)
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    assert incidents == group_incidents(ids, lons, lats, radius_m=radius_m, min_size=min_size)
    assert len(incidents) >= 10 and max(i.size for i in incidents) >= 8
    assert sum(i.size for i in incidents) < len(points)  # some noise too


# --- PostGIS: what its metres are ------------------------------------------------------------

@pytest.mark.engines("postgis")
def test_postgis_utm_metres_are_within_1e_4_of_ours(ctx):
    points = city_blocks(3, 40)
    pairs = list(itertools.combinations(points, 2))[::7]
    for a, b in pairs:
        pa = func.ST_SetSRID(func.ST_MakePoint(*a), 4326)
        pb = func.ST_SetSRID(func.ST_MakePoint(*b), 4326)
        utm, ground = db.session.execute(select(
            func.ST_Distance(func.ST_Transform(pa, BOSTON_UTM_SRID),
                             func.ST_Transform(pb, BOSTON_UTM_SRID)),
            func.ST_Distance(func.geography(pa), func.geography(pb), True))).one()
        ours = metric_distance(a, b)
        assert ours == pytest.approx(ground, rel=1e-5, abs=1e-6)  # true to the ellipsoid
        assert 1 - 1e-4 < utm / ground < 1  # UTM zone 19's scale factor at Boston


def test_the_engines_differ_only_in_the_utm_sliver(app, city, engine):
    # 30.0005 m on the ground is 29.9992 m on the UTM grid here: PostGIS groups the pair.
    a = COMMON
    b = offset(*a, 0, 30.0005)
    assert metric_distance(a, b) == pytest.approx(30.0005, abs=1e-5)
    ids = insert(app, [a, b])
    assert group_incidents(ids, [a[0], b[0]], [a[1], b[1]]) == []
    assert member_ids(app) == ([tuple(ids)] if engine == "postgis" else [])
    assert member_ids(app, radius_m=29.99) == []  # a centimetre off, both agree
    assert member_ids(app, radius_m=30.01) == [tuple(ids)]
    assert math.isfinite(found(app, radius_m=30.01)[0].centroid_lat)
