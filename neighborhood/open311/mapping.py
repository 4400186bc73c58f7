"""How our reports and timeline read in Open311: statuses, update statuses, date windows.

Pure: no app, no database.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from neighborhood.workflow.states import CloseReason, Status, public_category

MAX_SPAN = timedelta(days=90)  # the spec's longest start_date..end_date span, and the default
MAX_RESULTS = 1000  # the spec's default cap on GET /requests
REQUEST_STATUSES = ("open", "closed")


class BadParameter(ValueError):
    """A query or form value the spec does not allow; the message names the parameter."""


def request_status(status: str) -> str:
    """Return a report's Open311 status, open or closed (workflow.states decides)."""
    category = public_category(status)
    if category == "hidden":
        raise ValueError(f"{status} reports are never published")
    return category


# The mySociety extension's statuses for a timeline step (Open311-FMS-Additional-states).
_CLOSED_AS = {
    CloseReason.DUPLICATE: "DUPLICATE",
    CloseReason.NOT_CITY_RESPONSIBILITY: "NOT_COUNCILS_RESPONSIBILITY",
    CloseReason.CANNOT_REPRODUCE: "NO_FURTHER_ACTION",
    CloseReason.SPAM: "CLOSED",
}


def update_status(kind: str, from_status: str | None, to_status: str,
                  close_reason: str | None) -> str:
    """Return the extended status (FIXED, IN_PROGRESS, ...) of one timeline step."""
    if kind == "reassign":
        return "INTERNAL_REFERRAL"
    if kind == "confirm_fixed" or to_status == Status.RESOLVED:
        return "FIXED"
    if to_status == Status.CLOSED:
        return _CLOSED_AS.get(close_reason, "CLOSED")
    if to_status == Status.IN_PROGRESS:
        return "IN_PROGRESS"
    if to_status == Status.ACKNOWLEDGED:
        return "INVESTIGATING"
    if to_status == Status.OPEN and from_status in (Status.RESOLVED, Status.CLOSED):
        return "REOPEN"
    return "OPEN"


def parse_w3(name: str, value: str, tz: str) -> datetime:
    """Read a W3C date-time (or a bare date, taken at midnight in the city's zone)."""
    # A '+' offset sent unencoded in a query string arrives as a space.
    text = value.strip().replace(" ", "+")
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), ZoneInfo(tz))
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadParameter(f"{name} must be a W3C date-time such as "
                           "2015-06-01T00:00:00-04:00 or 2015-06-01T04:00:00Z.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(tz))


@dataclass(frozen=True)
class Window:
    """The requested_datetime range of a GET /requests: start inclusive, end inclusive."""

    start: datetime
    end: datetime


def date_window(start: datetime | None, end: datetime | None, now: datetime) -> Window:
    """Return the range to search: at most 90 days; the most recent 90 days when none is given.

    One bound alone extends 90 days from it; a longer or reversed span is refused.
    """
    if start and end:
        if end < start:
            raise BadParameter("end_date must not be before start_date.")
        if end - start > MAX_SPAN:
            raise BadParameter("start_date to end_date may span at most 90 days.")
        return Window(start, end)
    if start:
        return Window(start, start + MAX_SPAN)
    if end:
        return Window(end - MAX_SPAN, end)
    return Window(now - MAX_SPAN, now)


def comma_list(name: str, value: str | None, *, limit: int = MAX_RESULTS) -> list[str]:
    """Split a comma-separated parameter; empty items are ignored."""
    items = [item.strip() for item in (value or "").split(",") if item.strip()]
    if len(items) > limit:
        raise BadParameter(f"{name} may list at most {limit} values.")
    return items
