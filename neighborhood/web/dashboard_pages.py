"""The public dashboard (/dashboard) and the reports behind each figure (/dashboard/reports).

Every figure comes from the accountability statistics (services.compute_stats, the same as
GET /api/v1/stats; definitions in docs/accountability.md); this module only reads the GET
form, arranges the rows, draws the weekly chart (accountability.charts) and the neighborhood
map (folium), and writes the tables as CSV. The page works without JavaScript: the form is
a GET form, tables are sorted on the server, every chart and the map have a table next to
them. docs/dashboard.md describes the page, its CSV columns and the small-sample rule.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import folium
import numpy as np
import shapely
from flask import Response, current_app, render_template, request, url_for
from flask_babel import format_date, format_decimal, format_number, format_percent
from flask_babel import gettext as _, lazy_gettext as _l, pgettext

from neighborhood.accountability import charts, services, stats
from neighborhood.core.db import utcnow
from neighborhood.core.errors import InvalidInput
from neighborhood.exports.formats import neutralize_formula
from neighborhood.maps.render import city_map, embed, map_text
from neighborhood.reports.queries import list_categories
from neighborhood.web import labels, queries
from neighborhood.web.blueprint import bp
from neighborhood.workflow.states import PUBLIC_STATUSES, Family

CSV_TYPE = "text/csv; charset=utf-8"
PER_PAGE = 50
OLDEST = 10  # oldest open reports listed on the page
# The statistics' limits (1970 to 2999, UTC): the day after the last day must still be in 2999.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 30)
SIMPLIFY_DEGREES = 0.0002  # about 20 m: the polygons stay recognisable, the page light
GROUP_CHOICES = {"city": _l("The whole city"), "neighborhood": _l("Neighborhood"),
                 "department": _l("Department"), "family": _l("Family"),
                 "category": _l("Category")}
NONE_CODE = "none"  # in links: reports outside every neighborhood, or unrouted
HATCH = "url(#dash-hatch)"  # the page's SVG pattern (dashboard.html): small samples
NO_DATA_FILL = "#ffffff"


@dataclass(frozen=True)
class Sort:
    """A sortable column: the field, whether larger comes first, and its sample flag."""

    field: str | None
    descending: bool = True
    small_flag: str | None = None  # a sample figure: small samples are never ranked


SORTS = {
    "name": Sort(None, False),
    "opened": Sort("opened"), "closed": Sort("closed"), "backlog": Sort("backlog"),
    "overdue": Sort("overdue"), "support": Sort("support"),
    "acknowledge": Sort("acknowledge_median_hours", False, "acknowledge_small_sample"),
    "resolve": Sort("resolve_median_hours", False, "resolve_small_sample"),
    "sla": Sort("within_sla_share", True, "sla_small_sample"),
    "reopen": Sort("reopen_rate", False, "reopen_small_sample"),
}


@dataclass(frozen=True)
class Metric:
    """A figure the neighborhood map can show."""

    label: object  # lazy string
    field: str
    n_field: str | None = None  # a sample figure: its n, and the small-sample rule applies
    small_flag: str | None = None
    per: float = 1.0  # divide the field by this (hours -> days)
    figure: str = "opened"  # the list behind it


METRICS = {
    "within_sla_share": Metric(_l("Share closed within the service level"), "within_sla_share",
                               "sla_n", "sla_small_sample", figure="sla"),
    "median_days": Metric(_l("Median days to resolve"), "resolve_median_hours", "resolve_n",
                          "resolve_small_sample", per=24.0, figure="closed"),
    "backlog": Metric(_l("Open backlog"), "backlog", figure="backlog"),
    "overdue": Metric(_l("Overdue reports"), "overdue", figure="overdue"),
}
FIGURES = {
    "opened": _l("Reports opened in the range"),
    "closed": _l("Reports closed in the range"),
    "resolved": _l("Reports resolved (fixed) in the range"),
    "sla": _l("Reports closed in the range that had a due date"),
    "sla_met": _l("Reports closed on or before their due date"),
    "backlog": _l("Reports open at the end of the range (backlog)"),
    "overdue": _l("Reports overdue at the end of the range"),
    "acknowledged": _l("Reports first answered by the city in the range"),
    "reopen": _l("Reports with a closing in the range"),
    "reopened": _l("Reports closed in the range and reopened since"),
}
STAT_COLUMNS = ("opened", "closed", "resolved", "backlog", "overdue", "support",
                "acknowledge_n", "acknowledge_median_hours", "acknowledge_p90_hours",
                "acknowledge_small_sample", "resolve_n", "resolve_median_hours",
                "resolve_p90_hours", "resolve_small_sample", "resolve_rank", "sla_n", "sla_met",
                "within_sla_share", "sla_small_sample", "sla_rank", "reopen_n", "reopened",
                "reopen_rate", "reopen_small_sample")
TABLES = ("summary", "groups", "weekly", "groups_weekly", "oldest", "neighborhoods")


# --- the filter form ------------------------------------------------------------------------

@dataclass
class Filters:
    """What the dashboard's GET form asks for, as typed, the days it means, what is wrong."""

    group_by: str = "city"
    date_from: str = ""
    date_to: str = ""
    families: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    sort: str = "name"
    metric: str = "within_sla_share"
    first: date | None = None  # the first day, city time
    last: date | None = None  # the last day, inclusive
    errors: dict[str, str] = field(default_factory=dict)

    def stats_query(self, group_by: str, oldest: int = 0) -> services.StatsQuery:
        """Return the statistics' question: [first day 00:00, day after last 00:00), city time."""
        return services.StatsQuery(
            group_by=group_by, start=datetime.combine(self.first, time(0)),
            end=datetime.combine(self.last + timedelta(days=1), time(0)),
            categories=tuple(self.categories), families=tuple(self.families), oldest=oldest)

    def scope_args(self) -> dict:
        """Return the URL arguments of the range and the category filters (for every link)."""
        args = {"from": self.first.isoformat() if self.first else self.date_from or None,
                "to": self.last.isoformat() if self.last else self.date_to or None,
                "family": self.families, "category": self.categories}
        return {k: v for k, v in args.items() if v not in (None, [], "")}

    def args(self, **changes) -> dict:
        """Return the URL arguments that repeat this dashboard (with some changed)."""
        args = self.scope_args() | {
            "group_by": self.group_by if self.group_by != "city" else None,
            "sort": self.sort if self.sort != "name" else None,
            "metric": self.metric if self.metric != "within_sla_share" else None} | changes
        return {k: v for k, v in args.items() if v not in (None, [], "")}


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _last_day_with_reports(tz: str) -> date:
    """Return the newest public report's day (city time), or today without any report."""
    newest = queries.newest_report_at() or utcnow()
    return newest.astimezone(ZoneInfo(tz)).date()


def _shift_year(day: date, years: int) -> date:
    """Return the same day `years` later; February 29th becomes the 28th (back) or March 1st."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 2, 28) + timedelta(days=1 if years > 0 else 0)


def _year_before(last: date) -> date:
    """Return the first day of the 12 months ending on last (2015-12-31 -> 2015-01-01)."""
    return _shift_year(last, -1) + timedelta(days=1)


def _year_after(first: date) -> date:
    """Return the last day of the 12 months starting on first (2015-01-01 -> 2015-12-31)."""
    return _shift_year(first, 1) - timedelta(days=1)


def read_filters(args, *, group_by: bool = True) -> Filters:
    """Read the form; every problem becomes a message for its field (never an error page).

    Empty dates mean the 12 months ending on the newest report's day (so the 2015 demo shows
    its year); with only one day given, the other is 12 months away from it.
    """
    wanted = Filters(date_from=(args.get("from") or "").strip(),
                     date_to=(args.get("to") or "").strip(),
                     families=[f for f in args.getlist("family") if f],
                     categories=[c for c in args.getlist("category") if c])
    if group_by:
        wanted.group_by = args.get("group_by") or "city"
        if wanted.group_by not in services.GROUPS:
            wanted.errors["group_by"] = _("Choose a grouping from the list.")
            wanted.group_by = "city"
    wanted.sort = args.get("sort") if args.get("sort") in SORTS else "name"
    wanted.metric = args.get("metric") if args.get("metric") in METRICS else "within_sla_share"
    families = {f.value for f in Family}
    if any(f not in families for f in wanted.families):
        wanted.errors["family"] = _("Choose families from the list.")
        wanted.families = [f for f in wanted.families if f in families]
    codes = {c.code for c in list_categories()}
    if any(c not in codes for c in wanted.categories):
        wanted.errors["category"] = _("Choose categories from the list.")
        wanted.categories = [c for c in wanted.categories if c in codes]
    message = _("Enter a date as year-month-day, for example 2015-06-30.")
    first, last = _day(wanted.date_from), _day(wanted.date_to)
    for name, text, day in (("from", wanted.date_from, first), ("to", wanted.date_to, last)):
        if text and day is None:
            wanted.errors[name] = message
        elif day is not None and not FIRST_DAY <= day <= LAST_DAY:
            wanted.errors[name] = _("Choose a day from %(first)s to %(last)s.",
                                    first=format_date(FIRST_DAY, "medium"),
                                    last=format_date(LAST_DAY, "medium"))
    if "from" in wanted.errors or "to" in wanted.errors:
        return wanted
    if last is None:
        last = min(_year_after(first), LAST_DAY) if first else \
            _last_day_with_reports(current_app.config["CITY_TIMEZONE"])
    first = first or max(_year_before(last), FIRST_DAY)
    if first > last:
        wanted.errors["from"] = _("The first day must not be after the last day.")
    elif (last - first).days + 1 > services.MAX_DAYS:
        wanted.errors["to"] = _("The range may span at most %(n)s days (three years).",
                                n=format_number(services.MAX_DAYS))
    wanted.first, wanted.last = first, last
    wanted.date_from, wanted.date_to = first.isoformat(), last.isoformat()
    return wanted


def _compute(filters: Filters, group_by: str, oldest: int = 0) -> list[dict]:
    config = current_app.config
    return services.compute_stats(
        filters.stats_query(group_by, oldest), city_tz=config["CITY_TIMEZONE"],
        city_name=config["CITY_NAME"],
        generalize_sensitive=config["SENSITIVE_COORDINATE_DECIMALS"] is not None)


# --- words and numbers ----------------------------------------------------------------------

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
    return _("no data") if value is None else _(
        "%(n)s days", n=format_decimal(round(value, 1), format="#,##0.#"))


def _metric_text(metric: Metric, value: float | None) -> str:
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


# --- the tables -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Ranked:
    """A row of a group table, its rank by the sorted figure (None: not ranked), and why."""

    row: dict
    label: str
    rank: int | None
    small: bool  # a small sample for the sorted figure: greyed, marked, not ranked


def sort_rows(rows: list[dict], sort: str, group_by: str) -> list[Ranked]:
    """Return the rows in the order asked; by a sample figure, small samples come last.

    Counts sort largest first. Medians, shares and rates are ranked with the statistics'
    competition ranks among the rows that are not small samples (1 = best: fastest, most
    within the service level, fewest reopened); small samples and rows without the figure
    follow in name order, unranked.
    """
    how = SORTS[sort]
    if how.field is None:
        return [Ranked(r, group_label(group_by, r), None, False) for r in rows]
    if how.small_flag is None:
        ordered = sorted(rows, key=lambda r: -r[how.field])  # stable: name order within ties
        return [Ranked(r, group_label(group_by, r), None, False) for r in ordered]
    rankable = {i: None if r[how.small_flag] else r[how.field] for i, r in enumerate(rows)}
    ranks = stats.competition_ranks(rankable, ascending=not how.descending)
    ranked = sorted((i for i in ranks if ranks[i] is not None), key=lambda i: (ranks[i], i))
    rest = [i for i in range(len(rows)) if ranks[i] is None]
    return [Ranked(rows[i], group_label(group_by, rows[i]), ranks[i], rows[i][how.small_flag])
            for i in ranked + rest]


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


def _dashboard_csv(filters: Filters, table: str) -> Response:
    """Return one table of the dashboard as CSV, in the page's order."""
    if table == "summary":
        rows = _compute(filters, "city")
        return csv_response(["city", "name", *STAT_COLUMNS], _stat_rows("city", rows),
                            "dashboard-summary", filters)
    if table in ("groups", "groups_weekly"):
        group_by = filters.group_by
        rows = [r.row for r in sort_rows(_compute(filters, group_by), filters.sort, group_by)]
        if table == "groups":
            return csv_response([group_by, "name", *STAT_COLUMNS], _stat_rows(group_by, rows),
                                f"dashboard-by-{group_by}", filters)
        return csv_response([group_by, "name", "week", "week_start", "partial", "opened",
                             "closed"], _weekly_rows(group_by, rows),
                            f"dashboard-weekly-by-{group_by}", filters)
    if table == "weekly":
        [row] = _compute(filters, "city")
        return csv_response(["week", "week_start", "partial", "opened", "closed"],
                            [r[2:] for r in _weekly_rows("city", [row])],
                            "dashboard-weekly", filters)
    if table == "oldest":
        [row] = _compute(filters, "city", OLDEST)
        names = {c.code: c.name for c in list_categories()}
        return csv_response(
            ["id", "url", "category", "category_name", "created_at", "due_at", "open_days",
             "overdue"],
            [[o["id"], url_for("web.report_page", report_id=o["id"], _external=True),
              o["category"], names.get(o["category"]), o["created_at"], o["due_at"],
              round(o["open_days"], 2), o["overdue"]] for o in row["oldest_open"]],
            "dashboard-oldest-open", filters)
    metric = METRICS[filters.metric]
    rows = _compute(filters, "neighborhood")
    return csv_response(
        ["neighborhood", "name", "metric", "value", "n", "small_sample"],
        [[r["neighborhood"], group_label("neighborhood", r), filters.metric,
          _metric_value(metric, r), r[metric.n_field] if metric.n_field else None,
          bool(metric.small_flag and r[metric.small_flag])] for r in rows],
        f"dashboard-map-{filters.metric}", filters)


# --- the weekly chart -----------------------------------------------------------------------

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


# --- the neighborhood map -------------------------------------------------------------------

def _metric_value(metric: Metric, row: dict) -> float | None:
    value = row[metric.field]
    return value if value is None or metric.per == 1 else value / metric.per


@dataclass(frozen=True)
class MapRow:
    """One neighborhood on the map and in its table."""

    code: str | None
    name: str
    value: float | None
    text: str
    n: int | None
    small: bool
    colour: str
    row: dict


def _geometry(geom) -> dict:
    """Return a simplified polygon as GeoJSON with 5 decimals (about 1 m)."""
    simple = shapely.simplify(geom, SIMPLIFY_DEGREES, preserve_topology=True)
    rounded = shapely.transform(simple, lambda xy: np.round(xy, 5))
    return shapely.geometry.mapping(rounded)


def _style(feature: dict) -> dict:
    """Return a neighborhood's style: its class colour; hatched and dashed when a small
    sample, white and dotted without data (never told apart by colour alone)."""
    colour = feature["properties"]["colour"]
    dash = "5 3" if colour == HATCH else "1 4" if colour == NO_DATA_FILL else None
    return {"fillColor": colour, "fillOpacity": 0.85, "color": "#1b1f24",
            "weight": 2 if dash else 1.5, "dashArray": dash}


def choropleth(filters: Filters, rows: list[dict]) -> dict:
    """Return the neighborhood map of the chosen metric, its legend and its table rows.

    Colours: equal-interval classes of the values (charts.colour_scale), light = low. A
    median or share over fewer than 10 reports is hatched grey and left out of the scale (not
    compared); no data is white. Every name and value reaches folium through map_text.
    """
    metric = METRICS[filters.metric]
    values = []
    for row in rows:
        value = _metric_value(metric, row)
        small = bool(metric.small_flag and row[metric.small_flag] and value is not None)
        values.append((row, value, small))
    scale = charts.colour_scale([v for _row, v, small in values if not small and v is not None])
    table = [MapRow(row["neighborhood"], group_label("neighborhood", row), value,
                    _metric_text(metric, value),
                    row[metric.n_field] if metric.n_field else None, small,
                    HATCH if small else NO_DATA_FILL if value is None or not scale
                    else scale.colour(value), row)
             for row, value, small in values]
    by_code = {r.code: r for r in table}
    shapes = queries.neighborhood_shapes()
    features = []
    for index, (code, name, geom) in enumerate(shapes):
        entry = by_code.get(code)
        if entry is None:
            continue
        note = ""
        if entry.n is not None:
            note = (_("%(n)s reports: too few to compare", n=format_number(entry.n))
                    if entry.small else _("%(n)s reports", n=format_number(entry.n)))
        features.append({"type": "Feature", "id": index, "geometry": _geometry(geom),
                         "properties": {"name": map_text(name), "value": map_text(entry.text),
                                        "note": map_text(note), "colour": entry.colour}})
    fmap = None
    if features:
        fmap = city_map(zoom_snap=0.25)  # fit the city closely on a narrow phone
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features}, name="neighborhoods",
            style_function=_style,
            tooltip=folium.GeoJsonTooltip(
                fields=["name", "value", "note"],
                aliases=[map_text(_("Neighborhood")), map_text(metric.label),
                         map_text(_("Sample"))], sticky=True),
        ).add_to(fmap)
        bounds = shapely.bounds(shapely.union_all([geom for _code, _name, geom in shapes]))
        fmap.fit_bounds([(bounds[1], bounds[0]), (bounds[3], bounds[2])])
    legend = [(c.colour, _("%(low)s to %(high)s", low=_metric_text(metric, c.low),
                           high=_metric_text(metric, c.high))) for c in scale.classes] \
        if scale else []
    return {"metric": metric, "map": embed(fmap) if fmap else None, "legend": legend,
            "rows": table, "sample": metric.n_field is not None,
            "has_small": any(r.small for r in table),
            "has_none": any(r.value is None for r in table)}


# --- the pages ------------------------------------------------------------------------------

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


def _invalid_to_field(error: InvalidInput, filters: Filters) -> None:
    """Put a statistics error (e.g. a day past 2999) next to the form field it is about."""
    for fields in (error.errors or {}).values():
        for name, messages in fields.items():
            target = name if name in ("from", "to", "category", "family") else "from"
            filters.errors[target] = " ".join(messages)


def _is_empty(row: dict) -> bool:
    return not (row["opened"] or row["closed"] or row["backlog"] or row["acknowledge_n"]
                or row["reopen_n"])


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
            return _dashboard_csv(filters, table)
        [summary] = _compute(filters, "city", OLDEST)
        groups = (_compute(filters, filters.group_by)
                  if filters.group_by != "city" else [summary])
        areas = groups if filters.group_by == "neighborhood" else _compute(filters,
                                                                           "neighborhood")
    except InvalidInput as error:
        _invalid_to_field(error, filters)
        return render_template("web/dashboard.html", **page), 422
    chart, weeks = weekly_chart(summary, filters)

    def list_url(figure: str, row: dict | None = None, group_by: str | None = None) -> str:
        """Return the link to the reports behind a figure (of one row of a table)."""
        narrow = group_args(group_by or filters.group_by, row) if row else {}
        return url_for("web.dashboard_reports", **filters.scope_args() | narrow,
                       figure=figure)

    empty = _is_empty(summary)
    return render_template(
        "web/dashboard.html", summary=summary, empty=empty, chart=chart, weeks=weeks,
        rows=sort_rows(groups, filters.sort, filters.group_by)
        if filters.group_by != "city" else [], list_url=list_url,
        choropleth=None if empty else choropleth(filters, areas), **page)


@dataclass
class ListFilters:
    """The list page's question: the dashboard's scope plus a group, a figure, a status."""

    scope: Filters
    figure: str = "opened"
    neighborhood: str | None = None
    department: str | None = None
    statuses: list[str] = field(default_factory=list)
    page: int = 1

    def args(self, **changes) -> dict:
        """Return the URL arguments that repeat this list (with some changed)."""
        args = self.scope.scope_args() | {
            "figure": self.figure, "neighborhood": self.neighborhood,
            "department": self.department, "status": self.statuses,
            "page": self.page if self.page > 1 else None} | changes
        return {k: v for k, v in args.items() if v not in (None, [], "")}


def _group_name(listing: ListFilters, errors: dict) -> tuple[str | None, dict]:
    """Return the list's group in words and the Drill arguments of its group filters."""
    where, names = {}, []
    if listing.neighborhood == NONE_CODE:
        where["outside"] = True
        names.append(_("Outside every neighborhood"))
    elif listing.neighborhood:
        found = queries.neighborhood_by_code(listing.neighborhood)
        if found is None:
            errors["neighborhood"] = _("There is no such neighborhood.")
        else:
            where["neighborhood_id"] = found[0]
            names.append(found[1])
    if listing.department == NONE_CODE:
        where["unrouted"] = True
        names.append(_("Unrouted"))
    elif listing.department:
        found = queries.department_by_code(listing.department)
        if found is None:
            errors["department"] = _("There is no such department.")
        else:
            where["department_id"] = found[0]
            names.append(found[1])
    return (" · ".join(names) or None), where


@bp.get("/dashboard/reports")
def dashboard_reports():
    """List the reports behind a dashboard figure (paged, or all of them as CSV)."""
    scope = read_filters(request.args, group_by=False)
    page_arg = request.args.get("page", "1")
    listing = ListFilters(
        scope, figure=request.args.get("figure") or "opened",
        neighborhood=(request.args.get("neighborhood") or "").strip() or None,
        department=(request.args.get("department") or "").strip() or None,
        statuses=[s for s in request.args.getlist("status") if s],
        page=int(page_arg) if page_arg.isdigit() and 0 < int(page_arg) < 100_000 else 1)
    errors = scope.errors
    if listing.figure not in FIGURES:
        errors["figure"] = _("Choose a figure from the dashboard.")
        listing.figure = "opened"
    if any(s not in PUBLIC_STATUSES for s in listing.statuses):
        errors["status"] = _("Choose statuses from the list.")
        listing.statuses = [s for s in listing.statuses if s in PUBLIC_STATUSES]
    group, where = _group_name(listing, errors)
    page = {"listing": listing, "filters": scope, "group": group, "labels": labels,
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
        unlisted_category_ids=queries.sensitive_category_ids() if private else (), **where)
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
