"""How statuses, timeline steps and date ranges read in Open311."""

from datetime import UTC, datetime, timedelta

import pytest

from neighborhood.open311.mapping import (BadParameter, comma_list, date_window, parse_w3,
                                          request_status, update_status)
from neighborhood.workflow.states import Status

NOW = datetime(2015, 6, 1, 12, tzinfo=UTC)
TZ = "America/New_York"


@pytest.mark.parametrize("status, expected", [
    ("open", "open"), ("acknowledged", "open"), ("in_progress", "open"),
    ("resolved", "closed"), ("closed", "closed"),
])
def test_every_public_status_is_open_or_closed(status, expected):
    assert request_status(status) == expected


def test_a_hidden_status_is_never_given_an_open311_status():
    with pytest.raises(ValueError):
        request_status(Status.PENDING_REVIEW)


@pytest.mark.parametrize("kind, from_status, to_status, reason, expected", [
    ("status", None, "open", None, "OPEN"),
    ("status", "pending_review", "open", None, "OPEN"),
    ("status", "open", "acknowledged", None, "INVESTIGATING"),
    ("status", "acknowledged", "in_progress", None, "IN_PROGRESS"),
    ("status", "in_progress", "resolved", None, "FIXED"),
    ("status", "open", "closed", "duplicate", "DUPLICATE"),
    ("status", "open", "closed", "not_city_responsibility", "NOT_COUNCILS_RESPONSIBILITY"),
    ("status", "open", "closed", "cannot_reproduce", "NO_FURTHER_ACTION"),
    ("status", "open", "closed", "spam", "CLOSED"),
    ("status", "resolved", "open", None, "REOPEN"),
    ("status", "closed", "open", None, "REOPEN"),
    ("reassign", "open", "open", None, "INTERNAL_REFERRAL"),
    ("confirm_fixed", "resolved", "resolved", None, "FIXED"),
])
def test_timeline_steps_map_to_the_mysociety_extended_statuses(kind, from_status, to_status,
                                                               reason, expected):
    assert update_status(kind, from_status, to_status, reason) == expected


def test_no_dates_mean_the_most_recent_90_days():
    window = date_window(None, None, NOW)
    assert (window.start, window.end) == (NOW - timedelta(days=90), NOW)


def test_one_bound_extends_90_days_from_it():
    start = datetime(2015, 1, 1, tzinfo=UTC)
    assert date_window(start, None, NOW).end == start + timedelta(days=90)
    assert date_window(None, start, NOW).start == start - timedelta(days=90)


def test_a_span_of_exactly_90_days_is_allowed_and_one_second_more_is_not():
    start = datetime(2015, 1, 1, tzinfo=UTC)
    assert date_window(start, start + timedelta(days=90), NOW).end == start + timedelta(days=90)
    with pytest.raises(BadParameter, match="90 days"):
        date_window(start, start + timedelta(days=90, seconds=1), NOW)


def test_an_end_before_the_start_is_refused():
    with pytest.raises(BadParameter, match="end_date"):
        date_window(NOW, NOW - timedelta(seconds=1), NOW)


@pytest.mark.parametrize("text, expected", [
    ("2015-06-01T00:00:00Z", datetime(2015, 6, 1, tzinfo=UTC)),
    ("2015-06-01T00:00:00-04:00", datetime(2015, 6, 1, 4, tzinfo=UTC)),
    ("2015-06-01T00:00:00 04:00", datetime(2015, 5, 31, 20, tzinfo=UTC)),  # '+' sent unencoded
    ("2015-06-01", datetime(2015, 6, 1, 4, tzinfo=UTC)),  # midnight in Boston
    ("2015-06-01T00:00:00", datetime(2015, 6, 1, 4, tzinfo=UTC)),
])
def test_dates_are_read_as_w3c_date_times_naive_ones_in_the_city_zone(text, expected):
    assert parse_w3("start_date", text, TZ) == expected


@pytest.mark.parametrize("text", ["yesterday", "2015-13-01", "01/06/2015", ""])
def test_unreadable_dates_name_the_parameter(text):
    with pytest.raises(BadParameter, match="start_date"):
        parse_w3("start_date", text, TZ)


def test_comma_lists_ignore_empty_items_and_are_capped():
    assert comma_list("status", " open,,closed ") == ["open", "closed"]
    assert comma_list("status", None) == []
    with pytest.raises(BadParameter, match="at most 3"):
        comma_list("service_request_id", "1,2,3,4", limit=3)
