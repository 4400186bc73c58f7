"""What status and follow-confirmation emails say (pure: no app, no database)."""

from dataclasses import replace

import pytest

from neighborhood.notifications.messages import Update, follow_confirmation, status_update

REPORT_URL = "http://neighborhood.test/reports/42"
UNSUBSCRIBE_URL = "http://neighborhood.test/follow/unsubscribe?token=abc.def"


def update(**changes) -> Update:
    base = Update(report_id=42, category_name="Street light outage",
                  address="Tremont St & Boylston St", from_status="open",
                  to_status="acknowledged", close_reason=None, note=None, duplicate_of=None,
                  report_url=REPORT_URL, unsubscribe_url=UNSUBSCRIBE_URL)
    return replace(base, **changes)


def test_subject_names_the_report_the_new_status_and_the_category():
    subject, body = status_update(update())
    assert subject == "Report #42 was acknowledged by the city: Street light outage"
    assert body.splitlines()[0] == ("Report #42 (Street light outage at Tremont St & Boylston St) "
                                    "was acknowledged by the city.")


@pytest.mark.parametrize("to_status, words", [
    ("open", "is open"), ("acknowledged", "was acknowledged by the city"),
    ("in_progress", "is being worked on"), ("resolved", "was resolved"),
    ("closed", "was closed"), ("pending_review", "is waiting for review"),
])
def test_each_status_has_its_own_wording(to_status, words):
    subject, body = status_update(update(from_status="in_progress", to_status=to_status))
    assert subject == f"Report #42 {words}: Street light outage"
    assert f") {words}." in body


@pytest.mark.parametrize("source", ["resolved", "closed"])
def test_moving_a_closed_report_back_to_open_says_reopened(source):
    subject, body = status_update(update(from_status=source, to_status="open"))
    assert subject == "Report #42 was reopened: Street light outage"
    assert "was reopened." in body
    assert "is open" not in body


def test_publishing_a_held_report_is_not_a_reopening():
    subject, _ = status_update(update(from_status="pending_review", to_status="open"))
    assert subject == "Report #42 is open: Street light outage"


def test_report_without_address_names_no_place():
    _, body = status_update(update(address=None))
    assert body.splitlines()[0] == "Report #42 (Street light outage) was acknowledged by the city."


def test_close_reason_is_spelled_in_words():
    _, body = status_update(update(to_status="closed", close_reason="not_city_responsibility"))
    assert "Reason: not city responsibility." in body.splitlines()


def test_no_reason_line_without_a_reason():
    _, body = status_update(update())
    assert "Reason:" not in body


def test_duplicate_names_the_original_and_says_the_follow_moved():
    _, body = status_update(update(to_status="closed", close_reason="duplicate",
                                   duplicate_of=7))
    lines = body.splitlines()
    assert "Reason: duplicate." in lines
    assert ("It is a duplicate of report #7; you now follow that one instead." in lines)


def test_no_duplicate_text_without_an_original():
    _, body = status_update(update(to_status="closed", close_reason="spam"))
    assert "duplicate" not in body


def test_note_is_quoted_after_a_blank_line():
    _, body = status_update(update(note="Crew scheduled for Tuesday.\nBring the lift."))
    assert "\n\nCrew scheduled for Tuesday.\nBring the lift.\n" in body


def test_resolution_asks_the_follower_to_confirm_or_reopen():
    _, body = status_update(update(from_status="in_progress", to_status="resolved",
                                   note="Lamp replaced."))
    assert "Is it really fixed? Confirm it or reopen the report within 30 days:" in body
    _, not_resolved = status_update(update())
    assert "Is it really fixed?" not in not_resolved


def test_body_links_the_report_and_the_unsubscribe_page():
    _, body = status_update(update())
    lines = body.splitlines()
    assert REPORT_URL in lines
    assert f"Stop following: {UNSUBSCRIBE_URL}" in lines
    assert lines.index(REPORT_URL) < lines.index(f"Stop following: {UNSUBSCRIBE_URL}")
    assert body.endswith("\n")


def test_follow_confirmation_subject_and_link():
    confirm = "http://neighborhood.test/follow/confirm?token=xyz"
    subject, body = follow_confirmation(42, "Street light outage", confirm)
    assert subject == "Confirm: follow report #42 (Street light outage)"
    assert confirm in body.splitlines()
    assert "report #42 (Street light outage)" in body
    assert "within 7 days" in body
    assert "ignore this email" in body
