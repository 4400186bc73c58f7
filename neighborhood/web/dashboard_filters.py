"""Read the dashboard's GET forms into filters, with a message per bad field, never an error page.

The dashboard (/dashboard) and the reports behind a figure (/dashboard/reports) share the
range and the family and category filters; docs/dashboard.md lists every parameter, the
default range (the 12 months ending on the newest report's day) and the limits.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_date, format_number
from flask_babel import gettext as _, lazy_gettext as _l

from neighborhood.accountability import services
from neighborhood.accountability.ranking import SORTS, Metric
from neighborhood.core.db import utcnow
from neighborhood.core.errors import InvalidInput
from neighborhood.reports.queries import list_categories
from neighborhood.web import queries
from neighborhood.workflow.states import PUBLIC_STATUSES, Family

# The statistics' limits (1970 to 2999, UTC): the day after the last day must still be in 2999.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 30)
GROUP_CHOICES = {"city": _l("The whole city"), "neighborhood": _l("Neighborhood"),
                 "department": _l("Department"), "family": _l("Family"),
                 "category": _l("Category")}
OLDEST = 10  # oldest open reports listed on the page
NONE_CODE = "none"  # in links: reports outside every neighborhood, or unrouted
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


def compute(filters: Filters, group_by: str, oldest: int = 0) -> list[dict]:
    """Return the statistics rows the filters ask for (as GET /api/v1/stats), per group."""
    config = current_app.config
    return services.compute_stats(
        filters.stats_query(group_by, oldest), city_tz=config["CITY_TIMEZONE"],
        city_name=config["CITY_NAME"],
        generalize_sensitive=config["SENSITIVE_COORDINATE_DECIMALS"] is not None)


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


def invalid_to_field(error: InvalidInput, filters: Filters) -> None:
    """Put a statistics error (e.g. a day past 2999) next to the form field it is about."""
    for fields in (error.errors or {}).values():
        for name, messages in fields.items():
            target = name if name in ("from", "to", "category", "family") else "from"
            filters.errors[target] = " ".join(messages)


@dataclass
class ListFilters:
    """The list page's question: the dashboard's scope plus a group, a figure, a status."""

    scope: Filters
    figure: str = "opened"
    neighborhood: str | None = None
    department: str | None = None
    statuses: list[str] = field(default_factory=list)
    page: int = 1
    group: str | None = None  # the group in words
    where: dict = field(default_factory=dict)  # the Drill arguments of the group filters

    def args(self, **changes) -> dict:
        """Return the URL arguments that repeat this list (with some changed)."""
        args = self.scope.scope_args() | {
            "figure": self.figure, "neighborhood": self.neighborhood,
            "department": self.department, "status": self.statuses,
            "page": self.page if self.page > 1 else None} | changes
        return {k: v for k, v in args.items() if v not in (None, [], "")}


def read_list_filters(args) -> ListFilters:
    """Read the list page's form; its problems join the scope's messages (listing.scope.errors)."""
    scope = read_filters(args, group_by=False)
    page_arg = args.get("page", "1")
    listing = ListFilters(
        scope, figure=args.get("figure") or "opened",
        neighborhood=(args.get("neighborhood") or "").strip() or None,
        department=(args.get("department") or "").strip() or None,
        statuses=[s for s in args.getlist("status") if s],
        page=int(page_arg) if page_arg.isdigit() and 0 < int(page_arg) < 100_000 else 1)
    errors = scope.errors
    if listing.figure not in FIGURES:
        errors["figure"] = _("Choose a figure from the dashboard.")
        listing.figure = "opened"
    if any(s not in PUBLIC_STATUSES for s in listing.statuses):
        errors["status"] = _("Choose statuses from the list.")
        listing.statuses = [s for s in listing.statuses if s in PUBLIC_STATUSES]
    listing.group, listing.where = _group_name(listing, errors)
    return listing


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
