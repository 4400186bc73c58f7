"""Tracks as plain lists (walks/tracks.py): merging uploads by timestamp, and their length.

No app, no database.
"""

import itertools
import math

import pytest

from neighborhood.walks.tracks import EARTH_RADIUS_M, haversine_m, merge_tracks, track_length_m

A = [-71.0656, 42.3550, 1000]
B = [-71.0643, 42.3560, 2000]
C = [-71.0630, 42.3570, 3000]
D = [-71.0617, 42.3580, 4000]


def test_merging_keeps_one_point_per_timestamp_oldest_first():
    assert merge_tracks([C, A], [D, B, A]) == [A, B, C, D]


def test_merging_a_retry_adds_nothing():
    track = merge_tracks([], [A, B, C])
    assert merge_tracks(track, [A, B, C]) == track == [A, B, C]


def test_partial_uploads_in_any_order_give_the_same_track():
    uploads = [[A, B], [C], [B, C, D], [D]]
    results = set()
    for order in itertools.permutations(uploads):
        track = []
        for upload in order:
            track = merge_tracks(track, upload)
        results.add(tuple(map(tuple, track)))
    assert results == {tuple(map(tuple, [A, B, C, D]))}


def test_the_stored_point_wins_over_another_one_sent_with_its_timestamp():
    moved = [0.0, 0.0, A[2]]
    assert merge_tracks([A], [moved]) == [A]
    assert merge_tracks([], [A, moved]) == [A]  # within one upload, the first one


def test_merged_points_are_plain_floats_and_integer_milliseconds():
    assert merge_tracks([], [(-71, 42, 1000.0)]) == [[-71.0, 42.0, 1000]]
    assert isinstance(merge_tracks([], [(-71, 42, 1000.0)])[0][2], int)


def test_a_degree_of_the_equator_and_of_a_meridian_are_an_arc_of_the_mean_radius():
    arc = EARTH_RADIUS_M * math.pi / 180
    assert haversine_m(0, 0, 1, 0) == pytest.approx(arc, abs=1e-6)
    assert haversine_m(-71.06, 42.0, -71.06, 43.0) == pytest.approx(arc, abs=1e-6)
    assert arc == pytest.approx(111_195.08, abs=0.01)


def test_antipodes_are_half_the_circumference_apart():
    assert haversine_m(0, 0, 180, 0) == pytest.approx(EARTH_RADIUS_M * math.pi, abs=1e-6)


def test_a_known_route_is_the_sum_of_its_legs():
    # London (Trafalgar Square) to Paris (Notre-Dame) and back: 2 x 343.9 km by haversine.
    london, paris = (-0.1281, 51.5080), (2.3499, 48.8530)
    leg = haversine_m(*london, *paris)
    assert leg == pytest.approx(343_900, rel=1e-3)
    track = [[*london, 0], [*paris, 1], [*london, 2]]
    assert track_length_m(track) == pytest.approx(2 * leg)


def test_a_track_below_two_points_has_no_length():
    assert track_length_m([]) == 0
    assert track_length_m([A]) == 0
    assert track_length_m([A, [A[0], A[1], 2000]]) == 0  # standing still
