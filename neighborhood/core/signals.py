"""Domain signals: services send them; receivers (notifications, caches) listen."""

from blinker import Namespace

_signals = Namespace()

report_submitted = _signals.signal("report-submitted")
"""Sent with report= after a new report is flushed, inside the request's transaction."""
