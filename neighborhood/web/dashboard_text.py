"""Write the dashboard's figures and group names in the page's language, for tables, map and CSV."""

from flask_babel import format_decimal, format_number, format_percent
from flask_babel import gettext as _

from neighborhood.accountability.ranking import Metric
from neighborhood.web import labels
from neighborhood.web.dashboard_filters import NONE_CODE


def hours_text(hours: float | None) -> str:
    """Return a duration for people: hours below two days, days above."""
    if hours is None:
        return _("no data")
    if abs(hours) < 48:
        return _("%(n)s h", n=format_decimal(round(hours, 1), format="#,##0.#"))
    return _("%(n)s days", n=format_decimal(round(hours / 24, 1), format="#,##0.#"))


def share_text(value: float | None) -> str:
    """Return a share (0-1) as a percentage with one decimal."""
    return _("no data") if value is None else format_percent(value, format="#,##0.0%")


def days_text(value: float | None) -> str:
    """Return a number of days with one decimal, or "no data"."""
    return _("no data") if value is None else _(
        "%(n)s days", n=format_decimal(round(value, 1), format="#,##0.#"))


def metric_text(metric: Metric, value: float | None) -> str:
    """Return a map metric's value in its unit: a share, days, or a count."""
    if metric.field == "within_sla_share":
        return share_text(value)
    if metric.per != 1:
        return days_text(value)
    return _("no data") if value is None else format_number(value)


def group_label(group_by: str, row: dict) -> str:
    """Return a group's name for people (families in the page's language)."""
    if group_by == "family":
        return labels.label(labels.FAMILIES, row.get("family"))
    if group_by == "neighborhood" and row.get("neighborhood") is None:
        return _("Outside every neighborhood")
    if group_by == "department" and row.get("department") is None:
        return _("Unrouted")
    return row["name"]


def group_args(group_by: str, row: dict) -> dict:
    """Return the URL arguments that narrow a report list to one group of the table."""
    if group_by in ("neighborhood", "department"):
        return {group_by: row.get(group_by) or NONE_CODE}
    if group_by == "family":
        return {"family": [row["family"]]}
    if group_by == "category":
        return {"category": [row["category"]]}
    return {}
