"""The public dashboard (/dashboard) and the reports behind each figure (/dashboard/reports).

Every figure comes from the accountability statistics (services.compute_stats, the same as
GET /api/v1/stats; definitions in docs/accountability.md). The page works without
JavaScript: the form is a GET form, tables are sorted on the server, every chart and the map
have a table next to them. The pieces: dashboard_filters (the form), accountability.ranking
(order and ranks, pure), dashboard_text (words and numbers), dashboard_map (the folium map),
dashboard_csv (the tables as CSV). docs/dashboard.md describes the page.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request, url_for
from flask_babel import format_date, format_number
from flask_babel import gettext as _, pgettext

from neighborhood.accountability import charts
from neighborhood.accountability.ranking import SORTS, is_empty, sort_rows
from neighborhood.core.db import utcnow
from neighborhood.core.errors import InvalidInput
from neighborhood.reports.queries import list_categories
from neighborhood.web import labels, queries
from neighborhood.web.blueprint import bp
from neighborhood.web.dashboard_csv import TABLES, csv_response, dashboard_csv
from neighborhood.web.dashboard_filters import (FIGURES, GROUP_CHOICES, METRICS, OLDEST,
                                                Filters, compute, invalid_to_field,
                                                read_filters, read_list_filters)
from neighborhood.web.dashboard_map import choropleth
from neighborhood.web.dashboard_text import group_args, group_label, hours_text, share_text
from neighborhood.workflow.states import Family

PER_PAGE = 50


def weekly_chart(row: dict, filters: Filters):
    """Return the summary's weekly chart (SVG) and the rows of its data table."""
    weeks = row["weekly"]
    opened, closed = [w["opened"] for w in weeks], [w["closed"] for w in weeks]
    desc = _("From %(first)s to %(last)s, %(weeks)s weeks: %(opened)s reports opened and "
             "%(closed)s closed.", first=format_date(filters.first, "medium"),
             last=format_date(filters.last, "medium"), weeks=format_number(len(weeks)),
             opened=format_number(sum(opened)), closed=format_number(sum(closed)))
    if any(opened):
        busiest = max(range(len(weeks)), key=lambda i: (opened[i], -i))
        desc += " " + _("The busiest week began on %(day)s, with %(n)s reports opened.",
                        day=format_date(weeks[busiest]["week_start"], "medium"),
                        n=format_number(opened[busiest]))
    desc += " " + _("The table after the chart gives every week.")
    svg = charts.weekly_chart(
        [format_date(w["week_start"], "MMM y") for w in weeks], opened, closed,
        title=_("Reports opened and closed per week"), desc=desc, ident="weekly-chart",
        names=(_("Opened"), pgettext("count", "Closed")), no_data=_("No reports in this range"),
        number=format_number, max_labels=4)
    return svg, weeks


def _choices() -> dict:
    categories = list_categories()
    present = {c.family for c in categories}
    return {"groups": GROUP_CHOICES,
            "families": [(f.value, labels.label(labels.FAMILIES, f.value))
                         for f in Family if f.value in present],
            "categories": [(labels.label(labels.FAMILIES, family),
                            [(c.code, c.name) for c in categories if c.family == family])
                           for family in dict.fromkeys(c.family for c in categories)],
            "metrics": {key: m.label for key, m in METRICS.items()},
            "category_names": {c.code: c.name for c in categories}}


@bp.get("/dashboard")
def dashboard():
    """Show how fast the city answers, per group, over a range; or one table as CSV."""
    filters = read_filters(request.args)
    table = request.args.get("table", "groups")
    wants_csv = request.args.get("format") == "csv"
    if wants_csv and table not in TABLES:
        filters.errors["table"] = _("Choose a table from the page.")
    page = {"filters": filters, "labels": labels, "hours": hours_text, "share": share_text,
            "sorts": SORTS, "figures": FIGURES, **_choices()}
    if filters.errors:
        return render_template("web/dashboard.html", **page), 422
    try:
        if wants_csv:
            return dashboard_csv(filters, table)
        [summary] = compute(filters, "city", OLDEST)
        groups = (compute(filters, filters.group_by)
                  if filters.group_by != "city" else [summary])
        areas = groups if filters.group_by == "neighborhood" else compute(filters,
                                                                          "neighborhood")
    except InvalidInput as error:
        invalid_to_field(error, filters)
        return render_template("web/dashboard.html", **page), 422
    chart, weeks = weekly_chart(summary, filters)

    def list_url(figure: str, row: dict | None = None, group_by: str | None = None) -> str:
        """Return the link to the reports behind a figure (of one row of a table)."""
        narrow = group_args(group_by or filters.group_by, row) if row else {}
        return url_for("web.dashboard_reports", **filters.scope_args() | narrow,
                       figure=figure)

    empty = is_empty(summary)
    rows = (sort_rows(groups, filters.sort, lambda row: group_label(filters.group_by, row))
            if filters.group_by != "city" else [])
    return render_template(
        "web/dashboard.html", summary=summary, empty=empty, chart=chart, weeks=weeks,
        rows=rows, list_url=list_url,
        choropleth=None if empty else choropleth(filters, areas), **page)


@bp.get("/dashboard/reports")
def dashboard_reports():
    """List the reports behind a dashboard figure (paged, or all of them as CSV)."""
    listing = read_list_filters(request.args)
    scope, errors = listing.scope, listing.scope.errors
    page = {"listing": listing, "filters": scope, "group": listing.group, "labels": labels,
            "figures": FIGURES, "category_names": _choices()["category_names"]}
    if errors:
        return render_template("web/dashboard_reports.html", errors=errors, **page), 422
    config = current_app.config
    tz, now = config["CITY_TIMEZONE"], utcnow()
    start, end = (datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)
                  for day in (scope.first, scope.last + timedelta(days=1)))
    private = bool(listing.neighborhood) and config["SENSITIVE_COORDINATE_DECIMALS"] is not None
    drill = queries.Drill(
        figure=listing.figure, start=start, end=end, as_of=min(end, now),
        categories=tuple(scope.categories), families=tuple(scope.families),
        statuses=tuple(listing.statuses),
        unlisted_category_ids=queries.sensitive_category_ids() if private else (),
        **listing.where)
    if request.args.get("format") == "csv":
        return csv_response(
            ["id", "url", "category", "category_name", "family", "status", "created_at",
             "closed_at", "due_at", "overdue", "support_count"],
            [[r.id, url_for("web.report_page", report_id=r.id, _external=True),
              r.category.code, r.category.name, r.category.family, r.status, r.created_at,
              r.closed_at, r.due_at, _overdue(r, drill), r.support_count]
             for r in queries.drill_all(drill, tz)], f"reports-{listing.figure}", scope)
    reports, total, unlisted = queries.drill_reports(drill, page=listing.page,
                                                     per_page=PER_PAGE, city_tz=tz)
    pages = max(1, -(-(total - unlisted) // PER_PAGE))
    return render_template(
        "web/dashboard_reports.html", errors={}, reports=reports, total=total,
        unlisted=unlisted, pages=pages, per_page=PER_PAGE,
        overdue={r.id: _overdue(r, drill) for r in reports}, **page)


def _overdue(report, drill) -> bool:
    """Return True when a report was open and past its due date at the end of the range."""
    return (report.due_at is not None and report.due_at < drill.as_of
            and (report.closed_at is None or report.closed_at >= drill.as_of))
