"""Status emails through a real (local) SMTP server, and retries while it is down."""

import email
import email.policy
import re
import socket
from contextlib import contextmanager

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from neighborhood.extensions import db
from neighborhood.notifications.models import OutboxMessage
from neighborhood.notifications.senders import sender_from_config
from neighborhood.notifications.services import DrainResult, drain_outbox

REPORTS = "/api/v1/reports"


class Inbox:
    """An aiosmtpd handler that keeps every envelope it is given."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server(port):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def use_smtp(app):
    """Point the app's sender at 127.0.0.1:<port>, as NOTIFY_SENDER=smtp would at start-up."""
    def configure(port):
        app.config.update(NOTIFY_SENDER="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port,
                          SMTP_TIMEOUT=5)
        app.extensions["notify_sender"] = sender_from_config(app.config)
    return configure


@pytest.fixture
def staff(create_account, lifecycle_city):
    return create_account("staff", department="PWD")


def resolve_report(client, staff, body, note="Lamp replaced; the corner is lit again."):
    report_id = client.post(REPORTS, json=body, buffered=True).json["id"]
    resp = client.post(f"{REPORTS}/{report_id}/transitions", json={"to": "resolved", "note": note},
                       headers=staff.headers, buffered=True)  # closed: the inline drain ran
    assert resp.status_code == 201, resp.json
    return report_id


def parsed(envelope):
    return email.message_from_bytes(envelope.original_content, policy=email.policy.default)


def raw_headers(envelope) -> dict[str, list[str]]:
    """The header fields as they travelled, unfolded but not decoded."""
    head = envelope.original_content.split(b"\r\n\r\n", 1)[0].decode("ascii")
    fields = {}
    for line in re.sub(r"\r\n(?=[ \t])", "", head).split("\r\n"):
        name, _, value = line.partition(":")
        fields.setdefault(name.lower(), []).append(value.strip())
    return fields


def test_status_email_reaches_the_smtp_server(app, client, staff, dummy_report_body,
                                              use_smtp):
    port = free_port()
    use_smtp(port)
    with smtp_server(port) as inbox:
        report_id = resolve_report(client, staff, dummy_report_body)
    [envelope] = inbox.envelopes
    assert envelope.mail_from == "noreply@neighborhood.example"
    assert envelope.rcpt_tos == ["resident@example.org"]
    message = parsed(envelope)
    assert message["To"] == "resident@example.org"
    assert message["From"] == "Neighborhood <noreply@neighborhood.example>"
    assert message["Subject"] == f"Report #{report_id} was resolved: Street light outage"
    body = message.get_content().splitlines()
    assert f"http://neighborhood.test/reports/{report_id}" in body
    assert "Lamp replaced; the corner is lit again." in body
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage.state)) == "sent"


def test_list_unsubscribe_travels_as_a_plain_angle_bracketed_url(client, staff,
                                                                 dummy_report_body, use_smtp):
    # RFC 2369/8058: the field is "<URL>"; mail clients do not decode RFC 2047 words in it.
    port = free_port()
    use_smtp(port)
    with smtp_server(port) as inbox:
        resolve_report(client, staff, dummy_report_body)
    [envelope] = inbox.envelopes
    fields = raw_headers(envelope)
    assert fields["list-unsubscribe-post"] == ["List-Unsubscribe=One-Click"]
    [value] = fields["list-unsubscribe"]
    assert re.fullmatch(r"<http://neighborhood\.test/follow/unsubscribe\?token=[\w.-]+>",
                        value), value


def test_message_waits_while_the_server_is_down_and_goes_once_it_is_up(app, client, staff,
                                                                       dummy_report_body,
                                                                       use_smtp):
    port = free_port()  # nothing listens here yet
    use_smtp(port)
    report_id = resolve_report(client, staff, dummy_report_body)
    with app.app_context():
        row = db.session.scalar(select(OutboxMessage))
        assert (row.state, row.attempts) == ("pending", 1)
        assert row.last_error.startswith("ConnectionRefusedError")
        retry_at = row.next_attempt_at

    with smtp_server(port) as inbox, app.app_context():
        sender = app.extensions["notify_sender"]
        assert drain_outbox(sender, now=retry_at) == DrainResult(sent=1)
        assert drain_outbox(sender, now=retry_at) == DrainResult()
        row = db.session.scalar(select(OutboxMessage))
        assert (row.state, row.attempts, row.last_error) == ("sent", 2, None)
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["resident@example.org"]
    assert parsed(envelope)["Subject"] == f"Report #{report_id} was resolved: Street light outage"
