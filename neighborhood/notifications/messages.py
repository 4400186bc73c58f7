"""What the emails say. Pure: plain data in, subject and body out."""

from dataclasses import dataclass

STATUS_WORDS = {
    "pending_review": "is waiting for review",
    "open": "is open",
    "acknowledged": "was acknowledged by the city",
    "in_progress": "is being worked on",
    "resolved": "was resolved",
    "closed": "was closed",
}


@dataclass(frozen=True)
class Update:
    """A timeline step as a follower sees it."""

    report_id: int
    category_name: str
    address: str | None
    from_status: str | None
    to_status: str
    close_reason: str | None
    note: str | None
    duplicate_of: int | None
    report_url: str
    unsubscribe_url: str


def status_update(update: Update) -> tuple[str, str]:
    """Return the subject and body of a status-change email."""
    reopened = update.to_status == "open" and update.from_status in ("resolved", "closed")
    what = "was reopened" if reopened else STATUS_WORDS.get(update.to_status, update.to_status)
    place = f" at {update.address}" if update.address else ""
    subject = f"Report #{update.report_id} {what}: {update.category_name}"
    lines = [f"Report #{update.report_id} ({update.category_name}{place}) {what}."]
    if update.close_reason:
        lines.append(f"Reason: {update.close_reason.replace('_', ' ')}.")
    if update.duplicate_of:
        lines.append(f"It is a duplicate of report #{update.duplicate_of}; you now follow "
                     "that one instead.")
    if update.note:
        lines += ["", update.note]
    if update.to_status == "resolved":
        lines += ["", "Is it really fixed? Confirm it or reopen the report within 30 days:"]
    lines += ["", update.report_url, "", "You get this because you follow this report.",
              f"Stop following: {update.unsubscribe_url}"]
    return subject, "\n".join(lines) + "\n"


def follow_confirmation(report_id: int, category_name: str, confirm_url: str) -> tuple[str, str]:
    """Return the subject and body of the double opt-in email."""
    subject = f"Confirm: follow report #{report_id} ({category_name})"
    body = (f"Someone (we hope you) asked to get updates on report #{report_id} "
            f"({category_name}).\n\nTo confirm, open this link within 7 days:\n"
            f"{confirm_url}\n\nIf it was not you, ignore this email; nothing will be sent.\n")
    return subject, body
