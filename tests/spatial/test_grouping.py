"""Same-spot incident groups (pure): DBSCAN rules, PostGIS's border rule, metric distances."""

import math
import random

import numpy as np
import pytest

from neighborhood.spatial.grouping import (Incident, dbscan_labels, group_incidents,
                                           incidents_from_labels, to_metres)

COMMON = (-71.0656, 42.3550)  # Boston Common
# Block centres well inside Boston's land, for realistic synthetic data.
BLOCKS = ((-71.0620, 42.3550), (-71.0810, 42.3490), (-71.0740, 42.3400),
          (-71.0610, 42.3010), (-71.1140, 42.3100))
EARTH_RADIUS_M = 6_371_008.8  # mean radius, for haversine
WGS84_A, WGS84_E2 = 6_378_137.0, 0.00669437999014


def haversine_m(lon1, lat1, lon2, lat2) -> float:
    """Return the great-circle distance in metres on the mean-radius sphere."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def radii(lat: float) -> tuple[float, float]:
    """Return the ellipsoid's meridional and prime-vertical radii of curvature at lat."""
    s2 = math.sin(math.radians(lat)) ** 2
    w = math.sqrt(1 - WGS84_E2 * s2)
    return WGS84_A * (1 - WGS84_E2) / w ** 3, WGS84_A / w


def offset(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    """Return the point east_m/north_m metres from (lon, lat), from local radii of curvature."""
    m, n = radii(lat)
    return (lon + math.degrees(east_m / (n * math.cos(math.radians(lat)))),
            lat + math.degrees(north_m / m))


def metric_distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Return the distance between two lon/lat points measured with to_metres."""
    x, y = to_metres([a[0], b[0]], [a[1], b[1]], a[0], a[1])
    return math.hypot(x[1] - x[0], y[1] - y[0])


def line(start: tuple[float, float], *easts: float) -> list[tuple[float, float]]:
    """Return points the given metres east of start."""
    return [offset(*start, e, 0.0) for e in easts]


def groups(points: list[tuple[float, float]], ids=None, **kwargs) -> list[tuple[int, ...]]:
    """Return the member ids of each incident of points (ids default to 1, 2, ...)."""
    ids = list(range(1, len(points) + 1)) if ids is None else ids
    result = group_incidents(ids, [p[0] for p in points], [p[1] for p in points], **kwargs)
    return [incident.member_ids for incident in result]


def city_blocks(seed: int, n: int = 300) -> list[tuple[float, float]]:
    """Return n realistic report positions: piles 5-40 m around spots in a few Boston blocks.

    About 85 % of the points pile up around random spots within 250 m of a block centre;
    the rest are scattered within 400 m of one.
    """
    rng = random.Random(seed)
    points = []
    while len(points) < int(n * 0.85):
        spot = offset(*rng.choice(BLOCKS), rng.uniform(-250, 250), rng.uniform(-250, 250))
        for _ in range(rng.randint(2, 20)):
            bearing, dist = rng.uniform(0, 2 * math.pi), rng.uniform(5, 40)
            points.append(offset(*spot, dist * math.sin(bearing), dist * math.cos(bearing)))
    points = points[:int(n * 0.85)]
    while len(points) < n:
        points.append(offset(*rng.choice(BLOCKS), rng.uniform(-400, 400),
                             rng.uniform(-400, 400)))
    return points


def reference_labels(ids, lons, lats, radius_m, min_size) -> dict[int, int]:
    """Return DBSCAN labels by a literal port of PostGIS's union_dbscan_general loop.

    Brute-force distances (no index), points visited in id order; a core point claims every
    unclaimed neighbour and merges with neighbours that are core; labels are root ids.
    """
    order = sorted(range(len(ids)), key=lambda i: ids[i])
    ids = [ids[i] for i in order]
    lons = np.array([lons[i] for i in order])
    lats = np.array([lats[i] for i in order])
    x, y = to_metres(lons, lats, (lons.min() + lons.max()) / 2, (lats.min() + lats.max()) / 2)
    dist = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    parent = list(range(len(ids)))

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    in_cluster, is_core = [False] * len(ids), [False] * len(ids)
    for p in range(len(ids)):
        neighbours = [q for q in range(len(ids)) if dist[p, q] <= radius_m]
        if len(neighbours) < min_size:
            continue
        is_core[p] = in_cluster[p] = True
        for q in neighbours:
            if not in_cluster[q]:
                parent[find(q)] = find(p)
                in_cluster[q] = True
            elif is_core[q]:
                parent[find(q)] = find(p)
    return {ids[i]: find(i) for i in range(len(ids)) if in_cluster[i]}


def as_groups(labels: dict[int, int]) -> list[tuple[int, ...]]:
    """Return a labelling as sorted member tuples, sorted."""
    members: dict[int, list[int]] = {}
    for report_id, label in labels.items():
        members.setdefault(label, []).append(report_id)
    return sorted(tuple(sorted(m)) for m in members.values())


# --- the metric projection -------------------------------------------------------------------

@pytest.mark.parametrize("bearing", [0, 45, 90, 135, 200, 290])
@pytest.mark.parametrize("where", [(0, 0), (8000, -6000), (-12000, 9000)])
def test_to_metres_matches_the_ellipsoid_and_haversine(bearing, where):
    # Short pairs anywhere in a 30 km city, measured from the origin's tangent plane.
    a = offset(*COMMON, *where)
    b = offset(*a, 30 * math.sin(math.radians(bearing)), 30 * math.cos(math.radians(bearing)))
    x, y = to_metres([a[0], b[0]], [a[1], b[1]], *COMMON)
    measured = math.hypot(x[1] - x[0], y[1] - y[0])
    assert measured == pytest.approx(30.0, rel=1e-5)  # the ellipsoid, locally
    # The sphere is 0.1 % long north-south and 0.26 % short east-west at Boston's latitude.
    assert measured == pytest.approx(haversine_m(*a, *b), rel=3e-3)


def test_to_metres_puts_the_origin_at_zero_east_and_north_positive():
    x, y = to_metres([COMMON[0], COMMON[0] + 0.01, COMMON[0]],
                     [COMMON[1], COMMON[1], COMMON[1] + 0.01], *COMMON)
    assert abs(x[0]) < 1e-9 and abs(y[0]) < 1e-9
    assert x[1] == pytest.approx(823.0, abs=1.0) and abs(y[1]) < 0.1  # 0.01° of longitude
    assert y[2] == pytest.approx(1111.0, abs=1.0) and abs(x[2]) < 1e-6  # 0.01° of latitude


# --- DBSCAN rules ----------------------------------------------------------------------------

def test_a_chain_of_close_reports_is_one_incident():
    # 20 m steps: the ends are 60 m apart but linked through the middle.
    points = line(COMMON, 0, 20, 40, 60)
    result = group_incidents([1, 2, 3, 4], [p[0] for p in points], [p[1] for p in points])
    assert len(result) == 1
    incident = result[0]
    assert isinstance(incident, Incident)
    assert incident.member_ids == (1, 2, 3, 4) and incident.size == 4
    middle = offset(*COMMON, 30, 0)
    assert incident.centroid_lon == pytest.approx(middle[0], abs=1e-9)
    assert incident.centroid_lat == pytest.approx(middle[1], abs=1e-9)


def test_two_separate_groups_biggest_first_and_noise_left_out():
    far = offset(*COMMON, 0, 300)
    points = (line(far, 0, 15)  # ids 1, 2
              + line(COMMON, 0, 10, 25)  # ids 3, 4, 5
              + [offset(*COMMON, 0, -100)])  # id 6: alone
    assert groups(points) == [(3, 4, 5), (1, 2)]


def test_equal_sizes_are_ordered_by_smallest_id():
    points = line(COMMON, 0, 10) + line(offset(*COMMON, 0, 500), 0, 10)
    assert groups(points, ids=[7, 3, 2, 9]) == [(2, 9), (3, 7)]


def test_noise_is_in_no_incident():
    points = line(COMMON, 0, 31, 62, 93)  # every gap just over 30 m
    assert groups(points) == []


def test_min_size_counts_the_report_itself():
    pair = line(COMMON, 0, 20)
    triple = line(COMMON, 0, 10, 20)
    assert groups(pair) == [(1, 2)]  # default min_size 2
    assert groups(pair, min_size=3) == []
    assert groups(triple, min_size=3) == [(1, 2, 3)]
    assert groups(triple, min_size=4) == []
    lone = [COMMON, offset(*COMMON, 100, 0)]
    assert groups(lone, min_size=1) == [(1,), (2,)]  # min_size 1: every report is an incident
    assert groups(lone) == []


@pytest.mark.parametrize("bearing", [0, 45, 90, 160])
def test_radius_edge_29_9_metres_in_30_1_out(bearing):
    def at(metres):
        # A great-circle destination: the pair is exactly `metres` apart by haversine.
        lat1, lon1 = math.radians(COMMON[1]), math.radians(COMMON[0])
        d, th = metres / EARTH_RADIUS_M, math.radians(bearing)
        lat2 = math.asin(math.sin(lat1) * math.cos(d)
                         + math.cos(lat1) * math.sin(d) * math.cos(th))
        lon2 = lon1 + math.atan2(math.sin(th) * math.sin(d) * math.cos(lat1),
                                 math.cos(d) - math.sin(lat1) * math.sin(lat2))
        return math.degrees(lon2), math.degrees(lat2)

    inside, outside = at(29.9), at(30.1)
    assert haversine_m(*COMMON, *inside) == pytest.approx(29.9, abs=1e-6)
    assert haversine_m(*COMMON, *outside) == pytest.approx(30.1, abs=1e-6)
    # Our metres differ from the sphere's by under 0.3 %: less than the 0.1 m margin.
    for point, metres in ((inside, 29.9), (outside, 30.1)):
        assert abs(metric_distance(COMMON, point) - metres) < 0.003 * metres
    assert groups([COMMON, inside]) == [(1, 2)]
    assert groups([COMMON, outside]) == []


def test_exactly_the_radius_counts_as_within():
    a, b = COMMON, offset(*COMMON, 3, 25)
    # Measured as group_incidents measures: from the middle of the points' box.
    x, y = to_metres([a[0], b[0]], [a[1], b[1]], (a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    exact = math.hypot(x[1] - x[0], y[1] - y[0])
    assert groups([a, b], radius_m=exact) == [(1, 2)]
    assert groups([a, b], radius_m=exact * (1 - 1e-9)) == []


# --- border reports --------------------------------------------------------------------------

def two_clusters_and_a_border(x_near_id: int, y_near_id: int):
    """Return ids and points: clusters X (west) and Y (east) with report 99 between them.

    With radius 30 and min_size 4 every X and Y report is core; 99 (at 0 m) has only one X
    report (-25 m) and one Y report (+25 m) within 30 m, so it is a border report of both.
    X holds report 1, the smallest id of all.
    """
    ids = [1, 2, 3, x_near_id, y_near_id, 50, 51, 52, 99]
    easts = [-49, -41, -33, -25, 25, 33, 41, 49, 0]
    return ids, line(COMMON, *easts)


def test_a_border_report_joins_its_lowest_id_core_neighbour():
    ids, points = two_clusters_and_a_border(x_near_id=40, y_near_id=10)
    assert sorted(groups(points, ids, min_size=4)) == [(1, 2, 3, 40), (10, 50, 51, 52, 99)]
    ids, points = two_clusters_and_a_border(x_near_id=10, y_near_id=40)
    assert sorted(groups(points, ids, min_size=4)) == [(1, 2, 3, 10, 99), (40, 50, 51, 52)]


def test_a_border_report_does_not_join_two_clusters():
    ids, points = two_clusters_and_a_border(x_near_id=40, y_near_id=10)
    assert len(groups(points, ids, min_size=4)) == 2
    assert len(groups(points, ids, min_size=3)) == 1  # with 3, 99 is core and links them


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("radius_m,min_size", [(30.0, 2), (30.0, 3), (25.0, 4), (40.0, 6)])
def test_equals_a_brute_force_port_of_postgis(seed, radius_m, min_size):
    points = city_blocks(seed)
    ids = random.Random(seed).sample(range(1, 100_000), len(points))
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    ours = dbscan_labels(ids, lons, lats, radius_m=radius_m, min_size=min_size)
    assert as_groups(ours) == as_groups(reference_labels(ids, lons, lats, radius_m, min_size))
    assert ours  # the data has groups at all


def test_the_synthetic_data_exercises_border_conflicts():
    # Otherwise the brute-force comparison above would not test the border rule.
    points = city_blocks(0)
    ids = list(range(1, len(points) + 1))
    lons, lats = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    x, y = to_metres(lons, lats, *COMMON)
    dist = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    core = (dist <= 25.0).sum(axis=1) >= 4
    labels = dbscan_labels(ids, lons, lats, radius_m=25.0, min_size=4)
    contested = [i for i in range(len(ids)) if not core[i]
                 and len({labels[ids[j]] for j in np.flatnonzero(core & (dist[i] <= 25.0))}) > 1]
    assert contested


# --- determinism, input, output --------------------------------------------------------------

def test_input_order_does_not_matter():
    points = city_blocks(11)
    ids = list(range(1, len(points) + 1))
    expected = group_incidents(ids, [p[0] for p in points], [p[1] for p in points], min_size=3)
    assert len(expected) > 5
    rng = random.Random(5)
    for _ in range(5):
        order = list(range(len(ids)))
        rng.shuffle(order)
        shuffled = group_incidents([ids[i] for i in order], [points[i][0] for i in order],
                                   [points[i][1] for i in order], min_size=3)
        assert shuffled == expected


def test_empty_input_has_no_incidents():
    assert group_incidents([], [], []) == []
    assert dbscan_labels([], [], []) == {}


def test_one_report_is_noise():
    assert group_incidents([5], [COMMON[0]], [COMMON[1]]) == []


def test_reports_at_the_same_spot_are_one_incident():
    assert groups([COMMON, COMMON, COMMON]) == [(1, 2, 3)]


@pytest.mark.parametrize("kwargs", [{"radius_m": 0.0}, {"radius_m": -5.0},
                                    {"radius_m": float("nan")}, {"min_size": 0}])
def test_meaningless_parameters_are_refused(kwargs):
    with pytest.raises(ValueError):
        group_incidents([1, 2], [COMMON[0]] * 2, [COMMON[1]] * 2, **kwargs)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="unique"):
        group_incidents([1, 1], [COMMON[0]] * 2, [COMMON[1]] * 2)
    with pytest.raises(ValueError, match="same length"):
        group_incidents([1, 2], [COMMON[0]], [COMMON[1]] * 2)
    with pytest.raises(ValueError, match="finite"):
        group_incidents([1, 2], [COMMON[0], float("nan")], [COMMON[1]] * 2)


def test_incidents_from_labels_treats_none_and_negative_as_noise():
    result = incidents_from_labels([3, 1, 2, 4], [1.0, 3.0, 5.0, 0.0], [2.0, 4.0, 6.0, 0.0],
                                   [7, 7, None, -1])
    assert result == [Incident(member_ids=(1, 3), centroid_lon=2.0, centroid_lat=3.0)]
