"""Write the dashboard's tables as RFC 4180 CSV attachments, in the page's order.

The columns are the API's names with unrounded hours and shares; text cells are neutralised
against spreadsheet formulas (docs/dashboard.md, "CSV").
"""

import csv
import io
import re
from datetime import date, datetime

from flask import Response, current_app, url_for

from neighborhood.accountability.ranking import sort_rows
from neighborhood.exports.formats import neutralize_formula
from neighborhood.reports.queries import list_categories
from neighborhood.web.dashboard_filters import METRICS, OLDEST, Filters, compute
from neighborhood.web.dashboard_text import group_label

CSV_TYPE = "text/csv; charset=utf-8"
STAT_COLUMNS = ("opened", "closed", "resolved", "backlog", "overdue", "support",
                "acknowledge_n", "acknowledge_median_hours", "acknowledge_p90_hours",
                "acknowledge_small_sample", "resolve_n", "resolve_median_hours",
                "resolve_p90_hours", "resolve_small_sample", "resolve_rank", "sla_n", "sla_met",
                "within_sla_share", "sla_small_sample", "sla_rank", "reopen_n", "reopened",
                "reopen_rate", "reopen_small_sample")
TABLES = ("summary", "groups", "weekly", "groups_weekly", "oldest", "neighborhoods")


def _cell(value) -> object:
    """Return a CSV cell: text neutralised against formulas, flags as true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, str):
        return neutralize_formula(value)
    return value


def csv_response(header: list[str], rows, name: str, filters: Filters) -> Response:
    """Return an RFC 4180 CSV attachment (UTF-8, header row, CRLF)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[_cell(v) for v in row] for row in rows])
    city = re.sub(r"[^a-z0-9]+", "-", current_app.config["CITY_NAME"].lower()).strip("-")
    filename = f"{city or 'city'}-{name}-{filters.date_from}-{filters.date_to}.csv"
    return Response(buffer.getvalue(), content_type=CSV_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _stat_rows(group_by: str, rows: list[dict]) -> list[list]:
    return [[row.get(group_by), group_label(group_by, row)]
            + [row[c] for c in STAT_COLUMNS] for row in rows]


def _weekly_rows(group_by: str, rows: list[dict]) -> list[list]:
    return [[row.get(group_by), group_label(group_by, row), w["week"], w["week_start"],
             w["partial"], w["opened"], w["closed"]] for row in rows for w in row["weekly"]]


def dashboard_csv(filters: Filters, table: str) -> Response:
    """Return one table of the dashboard as CSV, in the page's order."""
    if table == "summary":
        rows = compute(filters, "city")
        return csv_response(["city", "name", *STAT_COLUMNS], _stat_rows("city", rows),
                            "dashboard-summary", filters)
    if table in ("groups", "groups_weekly"):
        group_by = filters.group_by
        rows = [r.row for r in sort_rows(compute(filters, group_by), filters.sort,
                                          lambda row: group_label(group_by, row))]
        if table == "groups":
            return csv_response([group_by, "name", *STAT_COLUMNS], _stat_rows(group_by, rows),
                                f"dashboard-by-{group_by}", filters)
        return csv_response([group_by, "name", "week", "week_start", "partial", "opened",
                             "closed"], _weekly_rows(group_by, rows),
                            f"dashboard-weekly-by-{group_by}", filters)
    if table == "weekly":
        [row] = compute(filters, "city")
        return csv_response(["week", "week_start", "partial", "opened", "closed"],
                            [r[2:] for r in _weekly_rows("city", [row])],
                            "dashboard-weekly", filters)
    if table == "oldest":
        [row] = compute(filters, "city", OLDEST)
        names = {c.code: c.name for c in list_categories()}
        return csv_response(
            ["id", "url", "category", "category_name", "created_at", "due_at", "open_days",
             "overdue"],
            [[o["id"], url_for("web.report_page", report_id=o["id"], _external=True),
              o["category"], names.get(o["category"]), o["created_at"], o["due_at"],
              round(o["open_days"], 2), o["overdue"]] for o in row["oldest_open"]],
            "dashboard-oldest-open", filters)
    metric = METRICS[filters.metric]
    rows = compute(filters, "neighborhood")
    return csv_response(
        ["neighborhood", "name", "metric", "value", "n", "small_sample"],
        [[r["neighborhood"], group_label("neighborhood", r), filters.metric,
          metric.value(r), r[metric.n_field] if metric.n_field else None, metric.is_small(r)]
         for r in rows],
        f"dashboard-map-{filters.metric}", filters)
