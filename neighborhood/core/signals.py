"""Domain signals: services send them; receivers (notifications, caches) listen."""

from blinker import Namespace

_signals = Namespace()

report_submitted = _signals.signal("report-submitted")
"""Sent with report= after a new report is flushed, inside the request's transaction."""

status_changed = _signals.signal("status-changed")
"""Sent with report= and step= (a StatusChange) after each timeline step is flushed."""

follow_requested = _signals.signal("follow-requested")
"""Sent with follower= when someone asks to follow a report and must confirm by email."""
