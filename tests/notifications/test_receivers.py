"""Status moves email followers through the outbox, after the response (through the API)."""

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from neighborhood import create_app
from neighborhood.config import TestConfig
from neighborhood.extensions import db
from neighborhood.notifications.models import OutboxMessage
from neighborhood.notifications.services import drain_outbox
from neighborhood.reports.models import Follower

REPORTS = "/api/v1/reports"
REPORTER = "resident@example.org"


def submit(client, body, **contact) -> int:
    body = {**body, "contact": {**body["contact"], **contact}}
    resp = client.post(REPORTS, json=body, buffered=True)
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


def move(client, report_id, account, to, **fields):
    headers = account.headers if account else {}
    resp = client.post(f"{REPORTS}/{report_id}/transitions", json={"to": to, **fields},
                       headers=headers, buffered=True)
    assert resp.status_code == 201, resp.json
    return resp


def follow_by_email(client, sent_mail, report_id, email, *, confirm=True):
    """Follow anonymously; open the confirmation link from the email unless told not to."""
    resp = client.post(f"{REPORTS}/{report_id}/follow", json={"email": email}, buffered=True)
    assert resp.status_code == 202, resp.json
    [confirmation] = [m for m in sent_mail if m["To"] == email]
    assert confirmation["Subject"].startswith(f"Confirm: follow report #{report_id}")
    if confirm:
        link = re.search(r"http://neighborhood\.test(/follow/confirm\?token=\S+)",
                         confirmation.get_content()).group(1)
        assert client.get(link).status_code == 200
    sent_mail.remove(confirmation)


def follow_signed_in(client, report_id, account):
    resp = client.post(f"{REPORTS}/{report_id}/follow", headers=account.headers, buffered=True)
    assert resp.status_code == 201, resp.json


def status_mail(sent_mail, report_id):
    return [m for m in sent_mail if m["Subject"].startswith(f"Report #{report_id} ")]


def recipients(messages):
    return sorted(m["To"] for m in messages)


def unsubscribe_path(message) -> str:
    url = re.fullmatch(r"<(.+)>", message["List-Unsubscribe"]).group(1)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == "http://neighborhood.test"
    return f"{parts.path}?{parts.query}"


def outbox_states(app):
    with app.app_context():
        return sorted(db.session.scalars(select(OutboxMessage.state)))


@pytest.fixture
def staff(create_account, lifecycle_city):
    return create_account("staff", department="PWD")


# Who is told


def test_transition_emails_the_reporter_who_follows_from_intake(client, staff,
                                                                dummy_report_body, sent_mail):
    report_id = submit(client, dummy_report_body)
    assert sent_mail == []  # intake itself sends nothing
    move(client, report_id, staff, "acknowledged")
    [message] = sent_mail
    assert message["To"] == REPORTER
    assert message["Subject"] == (f"Report #{report_id} was acknowledged by the city: "
                                  "Street light outage")
    assert f"http://neighborhood.test/reports/{report_id}" in message.get_content().splitlines()


def test_transition_emails_confirmed_followers_but_not_unconfirmed_ones_nor_the_actor(
        client, staff, create_account, dummy_report_body, sent_mail):
    report_id = submit(client, dummy_report_body)
    resident = create_account("resident")
    follow_by_email(client, sent_mail, report_id, "neighbour@example.org")
    follow_by_email(client, sent_mail, report_id, "lurker@example.org", confirm=False)
    follow_signed_in(client, report_id, resident)
    follow_signed_in(client, report_id, staff)
    assert sent_mail == []

    move(client, report_id, staff, "in_progress")
    assert recipients(sent_mail) == sorted([REPORTER, "neighbour@example.org", resident.email])
    for message in sent_mail:
        assert message["Subject"] == (f"Report #{report_id} is being worked on: "
                                      "Street light outage")


def test_staff_who_is_not_the_actor_is_told(client, staff, create_account, dummy_report_body,
                                            sent_mail):
    colleague = create_account("staff", department="PWD")
    report_id = submit(client, dummy_report_body)
    follow_signed_in(client, report_id, colleague)
    move(client, report_id, staff, "acknowledged")
    assert recipients(sent_mail) == sorted([REPORTER, colleague.email])


def test_each_status_move_sends_its_own_email_with_the_note(client, staff, dummy_report_body,
                                                            sent_mail):
    report_id = submit(client, dummy_report_body)
    move(client, report_id, staff, "acknowledged")
    move(client, report_id, staff, "in_progress")
    move(client, report_id, staff, "resolved", note="Lamp replaced on Tuesday.")
    subjects = [m["Subject"] for m in sent_mail]
    assert subjects == [f"Report #{report_id} {words}: Street light outage" for words in (
        "was acknowledged by the city", "is being worked on", "was resolved")]
    assert "Lamp replaced on Tuesday." in sent_mail[-1].get_content().splitlines()


def test_reopening_by_a_neighbour_tells_the_reporter_it_was_reopened(client, staff,
                                                                     dummy_report_body,
                                                                     sent_mail):
    report_id = submit(client, dummy_report_body)
    move(client, report_id, staff, "resolved", note="Lamp replaced.")
    sent_mail.clear()
    move(client, report_id, None, "open", note="Still dark tonight.")
    [message] = sent_mail
    assert message["To"] == REPORTER
    assert message["Subject"] == f"Report #{report_id} was reopened: Street light outage"
    assert "Still dark tonight." in message.get_content()


def test_reassignment_sends_no_email(app, client, staff, dummy_report_body, sent_mail):
    report_id = submit(client, dummy_report_body)
    resp = client.post(f"{REPORTS}/{report_id}/reassign", json={"department": "BTD"},
                       headers=staff.headers, buffered=True)
    assert resp.status_code == 201, resp.json
    assert sent_mail == []
    assert outbox_states(app) == []


def test_fix_confirmation_sends_no_email(app, client, staff, dummy_report_body, sent_mail):
    report_id = submit(client, dummy_report_body)
    move(client, report_id, staff, "resolved", note="Lamp replaced.")
    sent_mail.clear()
    resp = client.post(f"{REPORTS}/{report_id}/confirmation",
                       json={"device_id": "device-0001-abcdef"}, buffered=True)
    assert resp.status_code == 201, resp.json
    assert sent_mail == []
    assert outbox_states(app) == ["sent"]  # only the resolution's email


def test_follower_with_a_long_address_still_gets_status_emails(client, staff,
                                                               dummy_report_body, sent_mail):
    # 204 characters: valid (at most 254), but "step:<id>:<email>" is longer than the
    # dedupe_key column (200).
    address = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + ".example.org"
    report_id = submit(client, dummy_report_body, email=address)
    move(client, report_id, staff, "acknowledged")
    assert recipients(sent_mail) == [address]


# When they are told


def test_inline_drain_runs_only_once_the_response_is_closed(app, client, staff,
                                                            dummy_report_body, sent_mail):
    report_id = submit(client, dummy_report_body)
    resp = client.post(f"{REPORTS}/{report_id}/transitions", json={"to": "acknowledged"},
                       headers=staff.headers)
    assert resp.status_code == 201, resp.json
    assert sent_mail == []
    assert outbox_states(app) == ["pending"]  # committed with the move, not yet sent
    resp.close()
    assert recipients(sent_mail) == [REPORTER]
    assert outbox_states(app) == ["sent"]


def test_failed_move_schedules_no_drain(app, client, staff, dummy_report_body, sent_mail):
    report_id = submit(client, dummy_report_body)
    resp = client.post(f"{REPORTS}/{report_id}/transitions", json={"to": "resolved"},
                       headers=staff.headers)  # a resolution needs a note: 422
    assert resp.status_code == 422, resp.json
    resp.close()
    assert sent_mail == [] and outbox_states(app) == []


@pytest.fixture
def queued_app(app, database_url, tmp_path):
    """A second app on the same database that leaves the outbox to `drain_outbox`."""
    other = create_app(TestConfig, DATABASE_URL=database_url, UPLOAD_DIR=str(tmp_path),
                       OUTBOX_DRAIN_INLINE=False)
    yield other
    with other.app_context():  # its rows are deleted by the `app` fixture's teardown
        db.session.rollback()
        db.engine.dispose()


def test_without_inline_drain_nothing_is_sent_until_the_outbox_is_drained(
        queued_app, staff, dummy_report_body):
    client = queued_app.test_client()
    sent_mail = queued_app.extensions["notify_sender"].sent
    report_id = submit(client, dummy_report_body)
    move(client, report_id, staff, "acknowledged")
    move(client, report_id, staff, "in_progress")
    assert sent_mail == []
    assert outbox_states(queued_app) == ["pending", "pending"]
    with queued_app.app_context():
        result = drain_outbox(queued_app.extensions["notify_sender"])
    assert result.sent == 2
    assert recipients(sent_mail) == [REPORTER, REPORTER]


# Unsubscribing


def test_one_click_unsubscribe_stops_the_next_emails(app, client, staff, create_account,
                                                     dummy_report_body, sent_mail):
    report_id = submit(client, dummy_report_body)
    resident = create_account("resident")
    follow_signed_in(client, report_id, resident)
    move(client, report_id, staff, "acknowledged")
    [to_reporter] = [m for m in sent_mail if m["To"] == REPORTER]
    path = unsubscribe_path(to_reporter)
    assert f"Stop following: http://neighborhood.test{path}" in to_reporter.get_content()

    # RFC 8058: the mail client POSTs this body to the List-Unsubscribe URL.
    resp = client.post(path, data=to_reporter["List-Unsubscribe-Post"],
                       content_type="application/x-www-form-urlencoded", buffered=True)
    assert resp.status_code == 200
    with app.app_context():
        followers = db.session.scalars(select(Follower.email)
                                       .where(Follower.report_id == report_id)).all()
    assert followers == [resident.email]

    sent_mail.clear()
    move(client, report_id, staff, "in_progress")
    assert recipients(sent_mail) == [resident.email]


def test_opening_the_unsubscribe_link_only_asks(app, client, staff, dummy_report_body,
                                                sent_mail):
    report_id = submit(client, dummy_report_body)
    move(client, report_id, staff, "acknowledged")
    resp = client.get(unsubscribe_path(sent_mail[0]), buffered=True)
    assert resp.status_code == 200
    with app.app_context():  # link scanners that GET it unsubscribe nobody
        assert db.session.scalar(select(func.count(Follower.id))
                                 .where(Follower.report_id == report_id)) == 1
    sent_mail.clear()
    move(client, report_id, staff, "in_progress")
    assert recipients(sent_mail) == [REPORTER]


# Duplicates


def close_as_duplicate(client, staff, duplicate, original):
    move(client, duplicate, staff, "closed", reason="duplicate", duplicate_of=original,
         note=f"Same lamp as #{original}.")


def test_closing_as_duplicate_tells_its_followers_once_where_they_moved(client, staff,
                                                                        dummy_report_body,
                                                                        sent_mail):
    original = submit(client, dummy_report_body)
    duplicate = submit(client, dummy_report_body, email="second@example.org")
    close_as_duplicate(client, staff, duplicate, original)
    [message] = [m for m in sent_mail if m["To"] == "second@example.org"]
    assert message["Subject"] == f"Report #{duplicate} was closed: Street light outage"
    assert (f"It is a duplicate of report #{original}; you now follow that one instead."
            in message.get_content())

    sent_mail.clear()
    move(client, original, staff, "acknowledged")  # they follow the original now
    assert recipients(sent_mail) == sorted([REPORTER, "second@example.org"])


def test_closing_as_duplicate_does_not_email_those_who_follow_only_the_original(
        client, staff, dummy_report_body, sent_mail):
    original = submit(client, dummy_report_body)
    duplicate = submit(client, dummy_report_body, email="second@example.org")
    close_as_duplicate(client, staff, duplicate, original)
    # The original's reporter never followed the duplicate; "you now follow that one
    # instead" is not true for them.
    assert recipients(status_mail(sent_mail, duplicate)) == ["second@example.org"]


def test_unsubscribe_link_in_the_duplicate_email_stops_updates_of_the_original(
        client, staff, dummy_report_body, sent_mail):
    original = submit(client, dummy_report_body)
    duplicate = submit(client, dummy_report_body, email="second@example.org")
    close_as_duplicate(client, staff, duplicate, original)
    [message] = [m for m in sent_mail if m["To"] == "second@example.org"]
    resp = client.post(unsubscribe_path(message), data=message["List-Unsubscribe-Post"],
                       content_type="application/x-www-form-urlencoded", buffered=True)
    assert resp.status_code == 200
    sent_mail.clear()
    move(client, original, staff, "acknowledged")
    assert "second@example.org" not in recipients(sent_mail)
