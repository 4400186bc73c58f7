"""The lifecycle through the HTTP API, on both engines: the "done means" story end to end,
who sees the reporter's contact, error bodies, hidden reports and the staff queue."""

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select, update
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from neighborhood.extensions import db
from neighborhood.reports.models import Category, Follower, Report

REPORTS = "/api/v1/reports"
QUEUE = "/api/v1/queue"
CONTACT = {"email": "resident@example.org", "name": "Pat Resident", "phone": "+1 617 555 0100"}


def jpeg(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 160, 30)).save(out, "JPEG")
    return out.getvalue()


def submit(client, body, **changes) -> int:
    response = client.post(REPORTS, json={**body, **changes})
    assert response.status_code == 201, response.json
    return response.json["id"]


def transition(client, report_id, headers=None, **body):
    """POST a JSON transition and close the response (so the outbox drains)."""
    with client.post(f"{REPORTS}/{report_id}/transitions", json=body,
                     headers=headers or {}) as response:
        return response


def transition_with_photo(client, report_id, headers, fields, photo: bytes):
    data = dict(fields, photo=FileStorage(io.BytesIO(photo), filename="fixed.jpg",
                                          content_type="image/jpeg"))
    stream, length, boundary = stream_encode_multipart(data, use_tempfile=False)
    with client.post(f"{REPORTS}/{report_id}/transitions", input_stream=stream,
                     content_length=length, headers=headers,
                     content_type=f'multipart/form-data; boundary="{boundary}"') as response:
        return response


def detail(client, report_id, headers=None):
    return client.get(f"{REPORTS}/{report_id}", headers=headers or {})


def link_in(message, path: str) -> str:
    """Return the path and query of the first link to `path` in an email's body."""
    found = re.search(r"http://neighborhood\.test(" + re.escape(path) + r"\?token=\S+)",
                      message.get_content())
    assert found, message.get_content()
    return found.group(1)


def mail_to(sent, address):
    return [m for m in sent if m["To"] == address]


def when(text) -> datetime:
    return datetime.fromisoformat(text)


# --- the story -----------------------------------------------------------------------------

def test_done_means_a_report_goes_from_intake_to_reopened_with_everyone_told(
        app, client, lifecycle_city, create_account, sent_mail, dummy_report_body):
    pwd = create_account("staff", department="PWD")

    # A resident submits: the report is routed to Public Works by the category default.
    created = client.post(REPORTS, json=dummy_report_body)
    assert created.status_code == 201, created.json
    report_id = created.json["id"]
    assert created.json["properties"]["department"] == "Public Works"

    # A neighbour follows by email and confirms from the link in the email.
    with client.post(f"{REPORTS}/{report_id}/follow",
                     json={"email": "Neighbour@Example.org"}) as followed:
        assert followed.status_code == 202
        assert followed.json == {"report_id": report_id, "confirmed": False}
    [confirmation] = sent_mail
    assert confirmation["To"] == "neighbour@example.org"
    assert confirmation["Subject"] == (f"Confirm: follow report #{report_id} "
                                       "(Street light outage)")
    confirmed = client.get(link_in(confirmation, "/follow/confirm"))
    assert confirmed.status_code == 200
    assert f"You follow report #{report_id}" in confirmed.text

    # Public Works acknowledges, then resolves with a note and a photo.
    acknowledged = transition(client, report_id, pwd.headers, to="acknowledged")
    assert acknowledged.status_code == 201, acknowledged.json
    assert acknowledged.json["status"] == "acknowledged"
    assert acknowledged.json["kind"] == "status"
    resolved = transition_with_photo(client, report_id, pwd.headers,
                                     {"to": "resolved", "note": "Replaced the lamp."}, jpeg())
    assert resolved.status_code == 201, resolved.json

    # The reporter and the follower were told of both moves (and nobody else was).
    subjects = {
        "acknowledged": f"Report #{report_id} was acknowledged by the city: Street light outage",
        "resolved": f"Report #{report_id} was resolved: Street light outage",
    }
    for address in ("resident@example.org", "neighbour@example.org"):
        assert [m["Subject"] for m in mail_to(sent_mail, address)][-2:] == list(
            subjects.values())
    assert {m["To"] for m in sent_mail} == {"resident@example.org", "neighbour@example.org"}
    resolved_mail = mail_to(sent_mail, "neighbour@example.org")[-1]
    assert "Replaced the lamp." in resolved_mail.get_content()

    # A neighbour (no account) reopens with a reason.
    reopened = transition(client, report_id, to="open", note="Still dark at night.")
    assert reopened.status_code == 201, reopened.json
    assert reopened.json["status"] == "open"
    assert mail_to(sent_mail, "resident@example.org")[-1]["Subject"] == (
        f"Report #{report_id} was reopened: Street light outage")

    # The public detail: department and the whole timeline, in order, without the contact.
    shown = detail(client, report_id)
    assert shown.status_code == 200
    props = shown.json["properties"]
    assert props["department"] == "Public Works"
    assert (props["status"], props["reopen_count"], props["closed_at"]) == ("open", 1, None)
    steps = props["timeline"]
    assert [(s["kind"], s["from"], s["to"], s["actor_role"]) for s in steps] == [
        ("status", None, "open", "visitor"),
        ("status", "open", "acknowledged", "staff"),
        ("status", "acknowledged", "resolved", "staff"),
        ("status", "resolved", "open", "visitor"),
    ]
    assert [s["note"] for s in steps] == [None, None, "Replaced the lamp.",
                                          "Still dark at night."]
    assert {s["department"] for s in steps} == {"Public Works"}
    times = [when(s["at"]) for s in steps]
    assert times == sorted(times)
    assert all(t.utcoffset() == timedelta(0) for t in times)
    assert times[0] == when(props["created_at"])
    assert times[2] == when(resolved.json["at"])
    assert times[3] == when(reopened.json["at"]) == when(props["updated_at"])
    assert [s["photo"] is None for s in steps] == [True, True, False, True]
    photo = steps[2]["photo"]
    assert re.fullmatch(r"/api/v1/photos/\w+\.jpg", photo["url"])
    assert (photo["width"], photo["height"]) == (64, 48)
    assert props["photos"] == []  # a resolution photo is not one of the reporter's photos
    with client.get(photo["url"]) as served:  # send_file holds the file open until closed
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert Image.open(io.BytesIO(served.get_data())).size == (64, 48)
    assert "contact" not in props
    assert "resident@example.org" not in shown.text and "555 0100" not in shown.text

    # The unsubscribe link of an email works: GET asks, POST stops the emails.
    unsubscribe = link_in(resolved_mail, "/follow/unsubscribe")
    assert resolved_mail["List-Unsubscribe"] == f"<http://neighborhood.test{unsubscribe}>"
    asked = client.get(unsubscribe)
    assert asked.status_code == 200
    assert "<form" in asked.text and "Stop the emails" in asked.text
    token = unsubscribe.split("token=", 1)[1]
    done = client.post("/follow/unsubscribe", data={"token": token})
    assert done.status_code == 200
    assert f"You no longer follow report #{report_id}" in done.text
    with app.app_context():
        emails = set(db.session.scalars(select(Follower.email)
                                        .where(Follower.report_id == report_id)))
    assert emails == {"resident@example.org"}
    before = len(sent_mail)
    assert transition(client, report_id, pwd.headers, to="acknowledged").status_code == 201
    assert [m["To"] for m in sent_mail[before:]] == ["resident@example.org"]


# --- the contact ---------------------------------------------------------------------------

@pytest.mark.parametrize("role, department, sees_contact", [
    ("staff", "PWD", True), ("moderator", None, True), ("admin", None, True),
    ("staff", "BTD", False), ("resident", None, False), ("officer", None, False),
    (None, None, False),
], ids=["staff-pwd", "moderator", "admin", "staff-btd", "resident", "officer", "anonymous"])
def test_only_the_routed_department_moderators_and_admins_see_the_contact(
        client, lifecycle_city, create_account, dummy_report_body, role, department,
        sees_contact):
    report_id = submit(client, dummy_report_body)
    headers = create_account(role, department=department).headers if role else {}
    response = detail(client, report_id, headers)
    assert response.status_code == 200
    props = response.json["properties"]
    if sees_contact:
        assert props["contact"] == CONTACT
    else:
        assert "contact" not in props
        assert "resident@example.org" not in response.text


# --- errors --------------------------------------------------------------------------------

def test_an_illegal_move_is_a_409_whose_body_lists_the_allowed_moves(
        client, lifecycle_city, create_account, dummy_report_body):
    pwd = create_account("staff", department="PWD")
    report_id = submit(client, dummy_report_body)
    response = transition(client, report_id, pwd.headers, to="open")
    assert response.status_code == 409
    assert response.json["code"] == 409
    assert response.json["status"] == "open"
    assert response.json["allowed"] == ["acknowledged", "in_progress", "resolved", "closed"]
    assert "cannot move" in response.json["message"]


def test_a_missing_note_is_a_422_on_the_note_field(client, lifecycle_city, create_account,
                                                   dummy_report_body):
    pwd = create_account("staff", department="PWD")
    report_id = submit(client, dummy_report_body)
    response = transition(client, report_id, pwd.headers, to="resolved")
    assert response.status_code == 422
    assert list(response.json["errors"]["json"]) == ["note"]
    assert detail(client, report_id).json["properties"]["status"] == "open"


# Found by the OpenAPI contract run: werkzeug keys a part without a name None; beside another
# unknown field the error could not be rendered (JSON keys are sorted: None < str, a 500).
@pytest.mark.parametrize("parts", [
    [b'Content-Disposition: form-data; name="colour"', b'Content-Disposition: form-data'],
    [b'Content-Disposition: form-data; name="colour"',
     b'Content-Disposition: form-data; name="a\rb"'],
    [b'Content-Disposition: form-data; name="x"; filename="a.jpg"',
     b'Content-Disposition: form-data; filename="fixed.jpg"'],
    [b'Content-Disposition: form-data'],
], ids=["no-name-and-an-unknown-field", "broken-name-and-an-unknown-field",
        "file-without-a-name-and-an-unknown-file", "no-name-alone"])
def test_a_multipart_part_without_a_name_is_a_422(client, lifecycle_city, create_account,
                                                  dummy_report_body, parts):
    pwd = create_account("staff", department="PWD")
    report_id = submit(client, dummy_report_body)
    body = (b'--XX\r\nContent-Disposition: form-data; name="to"\r\n\r\nacknowledged\r\n'
            + b"".join(b"--XX\r\n" + part + b"\r\n\r\nvalue\r\n" for part in parts)
            + b"--XX--\r\n")
    with client.post(f"{REPORTS}/{report_id}/transitions", data=body, headers=pwd.headers,
                     content_type="multipart/form-data; boundary=XX") as response:
        assert response.status_code == 422, response.get_data(as_text=True)
        assert response.json["errors"]["form"]["_schema"]
    assert detail(client, report_id).json["properties"]["status"] == "open"


def test_an_unknown_report_is_a_404(client, lifecycle_city, create_account):
    admin = create_account("admin")
    assert detail(client, 999_999).status_code == 404
    assert detail(client, 999_999, admin.headers).status_code == 404
    response = transition(client, 999_999, admin.headers, to="acknowledged")
    assert response.status_code == 404 and response.json["code"] == 404


@pytest.fixture
def hidden_report(client, lifecycle_city, create_category, dummy_report_body, app):
    """A report of a sensitive category, held for review, routed to PWD."""
    create_category(code="graffiti_hate", name="Hateful graffiti", family="other",
                    sensitive=True)
    with app.app_context():
        db.session.execute(update(Category).where(Category.code == "graffiti_hate")
                           .values(default_department_id=lifecycle_city["PWD"]))
        db.session.commit()
    return submit(client, dummy_report_body, category="graffiti_hate")


@pytest.mark.parametrize("role, department, status", [
    (None, None, 404), ("resident", None, 404), ("staff", "BTD", 404),
    ("moderator", None, 200), ("admin", None, 200), ("staff", "PWD", 200),
], ids=["anonymous", "resident", "staff-btd", "moderator", "admin", "staff-pwd"])
def test_a_report_held_for_review_is_404_to_the_public_but_visible_to_moderators(
        client, create_account, hidden_report, role, department, status):
    headers = create_account(role, department=department).headers if role else {}
    response = detail(client, hidden_report, headers)
    assert response.status_code == status
    if status == 200:
        assert response.json["properties"]["status"] == "pending_review"
        assert response.json["properties"]["timeline"][0]["to"] == "pending_review"


def test_a_moderator_publishes_a_held_report_and_then_everyone_sees_it(
        client, create_account, hidden_report):
    moderator = create_account("moderator")
    assert transition(client, hidden_report, moderator.headers, to="open").status_code == 201
    assert detail(client, hidden_report).json["properties"]["status"] == "open"


# --- the queue -----------------------------------------------------------------------------

def set_due(app, report_id, due_at):
    with app.app_context():
        db.session.execute(update(Report).where(Report.id == report_id).values(due_at=due_at))
        db.session.commit()


def queue(client, headers, query=""):
    return client.get(f"{QUEUE}{query}", headers=headers)


def ids(response) -> list[int]:
    return [f["id"] for f in response.json["features"]]


@pytest.fixture
def work(app, client, lifecycle_city, create_account, dummy_report_body):
    """Reports with different due dates: four waiting at PWD, one resolved, one at BTD."""
    pwd = create_account("staff", department="PWD")
    btd = create_account("staff", department="BTD")
    now = datetime.now(UTC)
    due = {"late_2d": now - timedelta(days=2), "soon": now + timedelta(days=5),
           "late_1d": now - timedelta(days=1), "none": None, "resolved": now - timedelta(days=9),
           "btd": now - timedelta(days=3)}
    reports = {}
    for name, due_at in due.items():
        reports[name] = submit(client, dummy_report_body, description=f"Lamp {name}.")
        set_due(app, reports[name], due_at)
    assert transition(client, reports["resolved"], pwd.headers, to="resolved",
                      note="Fixed.").status_code == 201
    assert transition(client, reports["soon"], pwd.headers, to="acknowledged").status_code == 201
    moved = client.post(f"{REPORTS}/{reports['btd']}/reassign", json={"department": "BTD"},
                        headers=pwd.headers)
    assert moved.status_code == 201, moved.json
    return {"pwd": pwd, "btd": btd, "reports": reports}


def test_the_queue_lists_the_departments_waiting_reports_oldest_due_first(client, work):
    r = work["reports"]
    response = queue(client, work["pwd"].headers)
    assert response.status_code == 200
    assert ids(response) == [r["late_2d"], r["late_1d"], r["soon"], r["none"]]
    assert [f["properties"]["overdue"] for f in response.json["features"]] == [
        True, True, False, False]
    assert (response.json["total"], response.json["overdue_total"]) == (4, 2)
    assert {f["properties"]["department"] for f in response.json["features"]} == {
        "Public Works"}
    assert response.json["features"][0]["properties"]["contact"] == CONTACT


def test_the_queue_filters_by_status(client, work):
    r = work["reports"]
    acknowledged = queue(client, work["pwd"].headers, "?status=acknowledged")
    assert ids(acknowledged) == [r["soon"]]
    assert acknowledged.json["total"] == 1
    resolved = queue(client, work["pwd"].headers, "?status=resolved")
    assert ids(resolved) == [r["resolved"]]
    assert resolved.json["features"][0]["properties"]["overdue"] is False
    both = queue(client, work["pwd"].headers, "?status=open&status=acknowledged")
    assert ids(both) == [r["late_2d"], r["late_1d"], r["soon"], r["none"]]


def test_the_queue_filters_overdue_reports(client, work):
    r = work["reports"]
    late = queue(client, work["pwd"].headers, "?overdue=true")
    assert ids(late) == [r["late_2d"], r["late_1d"]]
    assert (late.json["total"], late.json["overdue_total"]) == (2, 2)
    on_time = queue(client, work["pwd"].headers, "?overdue=false")
    assert ids(on_time) == [r["soon"], r["none"]]
    assert on_time.json["overdue_total"] == 0


def test_other_staff_get_their_own_queue(client, work):
    response = queue(client, work["btd"].headers)
    assert ids(response) == [work["reports"]["btd"]]
    assert response.json["features"][0]["properties"]["department"] == "Transportation"
    assert response.json["features"][0]["properties"]["overdue"] is True
    assert queue(client, work["btd"].headers, "?department=PWD").status_code == 403


def test_moderators_see_every_department_or_the_one_they_ask_for(client, work,
                                                                 create_account):
    r = work["reports"]
    moderator = create_account("moderator")
    everything = queue(client, moderator.headers)
    assert ids(everything) == [r["btd"], r["late_2d"], r["late_1d"], r["soon"], r["none"]]
    assert ids(queue(client, moderator.headers, "?department=transportation")) == [r["btd"]]


# Found by the OpenAPI contract run: PostgreSQL refuses a text with NUL in it (a 500).
def test_a_department_with_control_characters_is_refused(client, work, create_account):
    moderator = create_account("moderator")
    response = queue(client, moderator.headers, "?department=PW%00D")
    assert response.status_code == 422
    assert response.json["errors"]["query"]["department"]


@pytest.mark.parametrize("role, status", [("resident", 403), ("officer", 403), (None, 401)])
def test_residents_are_forbidden_the_queue_and_anonymous_callers_must_sign_in(
        client, lifecycle_city, create_account, role, status):
    headers = create_account(role).headers if role else {}
    response = queue(client, headers)
    assert response.status_code == status
    assert response.json["code"] == status


# --- duplicates ----------------------------------------------------------------------------

@pytest.fixture
def duplicate_pair(client, lifecycle_city, create_account, dummy_report_body, sent_mail):
    """An original (reported by first@) and a later duplicate (reported by resident@), the
    duplicate closed by Public Works; returns (original, duplicate, emails of the close)."""
    pwd = create_account("staff", department="PWD")
    original = submit(client, dummy_report_body,
                      contact={"email": "first@example.org", "name": "First Reporter"})
    duplicate = submit(client, dummy_report_body, description="Dark lamp on Tremont St.")
    for report_id in (original, duplicate):
        response = client.post(f"{REPORTS}/{report_id}/support",
                               json={"device_id": f"device-{report_id:08d}"})
        assert response.status_code == 201
    before = len(sent_mail)
    closed = transition(client, duplicate, pwd.headers, to="closed", reason="duplicate",
                        duplicate_of=original, note="Same lamp as the earlier report.")
    assert closed.status_code == 201, closed.json
    return original, duplicate, sent_mail[before:]


def test_closing_as_duplicate_links_both_ways_in_the_api(client, duplicate_pair):
    original, duplicate, _ = duplicate_pair
    dup = detail(client, duplicate).json["properties"]
    assert (dup["status"], dup["close_reason"], dup["duplicate_of"]) == (
        "closed", "duplicate", original)
    assert dup["timeline"][-1]["duplicate_of"] == original
    orig = detail(client, original).json["properties"]
    assert orig["duplicates"] == [duplicate]
    assert orig["support_count"] == 2  # its own device and the duplicate's


def test_the_duplicates_reporter_is_told_once_where_to_follow_now(app, client,
                                                                  duplicate_pair):
    original, duplicate, mails = duplicate_pair
    told = [m for m in mails if m["To"] == "resident@example.org"]
    assert [m["Subject"] for m in told] == [
        f"Report #{duplicate} was closed: Street light outage"]
    assert f"It is a duplicate of report #{original}" in told[0].get_content()
    # They now follow the original, so the email's way out stops the original's emails.
    token = link_in(told[0], "/follow/unsubscribe").split("token=", 1)[1]
    done = client.post("/follow/unsubscribe", data={"token": token})
    assert done.status_code == 200
    assert f"You no longer follow report #{original}" in done.text
    with app.app_context():
        left = set(db.session.scalars(select(Follower.email)
                                      .where(Follower.report_id == original)))
    assert left == {"first@example.org"}


def test_followers_of_the_original_are_not_told_about_a_report_they_never_followed(
        duplicate_pair):
    # The close email says "you now follow that one instead": wrong for the original's own
    # followers (fixed in 422a5a2; this test was written against the earlier receiver).
    original, duplicate, mails = duplicate_pair
    assert [m["Subject"] for m in mails if m["To"] == "first@example.org"] == []


def test_a_follow_confirmed_after_the_merge_follows_the_original(app, client, lifecycle_city,
                                                                 create_account, sent_mail,
                                                                 dummy_report_body):
    # A neighbour asks to follow the duplicate; before they click the link it is closed as a
    # duplicate and their (unconfirmed) follow is copied to the original. Clicking the link
    # afterwards must make them follow the original, where the updates now come from.
    pwd = create_account("staff", department="PWD")
    original = submit(client, dummy_report_body)
    duplicate = submit(client, dummy_report_body, description="Dark lamp on Tremont St.")
    with client.post(f"{REPORTS}/{duplicate}/follow",
                     json={"email": "neighbour@example.org"}) as followed:
        assert followed.status_code == 202
    confirm_link = link_in(mail_to(sent_mail, "neighbour@example.org")[-1], "/follow/confirm")
    assert transition(client, duplicate, pwd.headers, to="closed", reason="duplicate",
                      duplicate_of=original, note="Same lamp.").status_code == 201

    assert client.get(confirm_link).status_code == 200

    with app.app_context():
        row = db.session.scalar(select(Follower).where(
            Follower.report_id == original, Follower.email == "neighbour@example.org"))
        assert row is not None
        assert row.confirmed_at is not None
    before = len(sent_mail)
    assert transition(client, original, pwd.headers, to="acknowledged").status_code == 201
    assert "neighbour@example.org" in [m["To"] for m in sent_mail[before:]]
