"""Ways to send an email: SMTP (production), log (development default), memory (tests)."""

import logging
import smtplib
import ssl
from email.message import EmailMessage
from typing import Protocol

log = logging.getLogger("neighborhood.notifications")


class Sender(Protocol):
    """Sends one email or raises; the outbox retries on any exception."""

    def send(self, message: EmailMessage) -> None: ...


class SmtpSender:
    """Send through an SMTP server (STARTTLS or implicit TLS, optional login)."""

    def __init__(self, host: str, port: int = 25, *, username: str | None = None,
                 password: str | None = None, security: str = "none", timeout: float = 30):
        if security not in ("none", "starttls", "tls"):
            raise ValueError(f"SMTP security must be none, starttls or tls, not {security!r}")
        self.host, self.port, self.timeout = host, port, timeout
        self.username, self.password, self.security = username, password, security

    def send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        if self.security == "tls":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                      context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.security == "starttls":
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)


class LogSender:
    """Write emails to the log instead of sending them (the development default)."""

    def send(self, message: EmailMessage) -> None:
        log.info("email to %s: %s\n%s", message["To"], message["Subject"],
                 message.get_content())


class MemorySender:
    """Keep sent emails in a list (unit tests)."""

    def __init__(self):
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


def sender_from_config(config) -> Sender:
    """Return the sender NOTIFY_SENDER names (smtp, log or memory)."""
    kind = config["NOTIFY_SENDER"]
    if kind == "smtp":
        return SmtpSender(config["SMTP_HOST"], config["SMTP_PORT"],
                          username=config.get("SMTP_USERNAME"),
                          password=config.get("SMTP_PASSWORD"),
                          security=config["SMTP_SECURITY"], timeout=config["SMTP_TIMEOUT"])
    if kind == "log":
        return LogSender()
    if kind == "memory":
        return MemorySender()
    raise ValueError(f"NOTIFY_SENDER must be smtp, log or memory, not {kind!r}")
