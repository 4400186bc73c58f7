"""Accountability statistics per city, neighborhood, department, family or category.

Glue: the range is resolved in the city's time zone, the queries count and stream, the pure
stats module computes the figures. Every definition is in docs/accountability.md.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _

from neighborhood.accountability import queries, stats
from neighborhood.accountability.queries import Scope
from neighborhood.core.db import utcnow
from neighborhood.core.errors import InvalidInput
from neighborhood.workflow.states import Status

GROUPS = ("city", "neighborhood", "department", "family", "category")
DEFAULT_DAYS = 365
MAX_DAYS = 1096  # three years of weekly series
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
OLDEST_OPEN = 5
_COLUMNS = {"city": None, "neighborhood": "neighborhood_id", "department": "department_id",
            "family": "category_id", "category": "category_id"}
_NONE_NAMES = {"neighborhood": "Outside every neighborhood", "department": "Unrouted"}


@dataclass(frozen=True)
class StatsQuery:
    """What a statistics request asks: grouping, range (naive: city time) and filters."""

    group_by: str = "city"
    start: datetime | None = None
    end: datetime | None = None
    categories: tuple[str, ...] = ()
    families: tuple[str, ...] = ()
    oldest: int = OLDEST_OPEN


def resolve_range(start: datetime | None, end: datetime | None, tz: str,
                  now: datetime) -> tuple[datetime, datetime]:
    """Return the range [from, to) in UTC, or InvalidInput naming the field that is wrong.

    Naive bounds are read in the city's time zone; `to` defaults to now and `from` to 365
    days before `to`.
    """
    end = _utc(end, tz, "to") if end else now
    start = _utc(start, tz, "from") if start else end - timedelta(days=DEFAULT_DAYS)
    if not start < end:
        raise InvalidInput.field("query", "from", _("Must be before `to`."))
    if end - start > timedelta(days=MAX_DAYS):
        raise InvalidInput.field("query", "to", _("The range may span at most %(days)s days.",
                                                    days=MAX_DAYS))
    return start, end


def _utc(moment: datetime, tz: str, name: str) -> datetime:
    """Return a bound in UTC (naive: city time); InvalidInput if it lies outside 1970-2999."""
    try:
        moment = stats.in_zone(moment, tz).astimezone(UTC)
    except (OverflowError, ValueError):
        moment = None
    if moment is None or not EARLIEST <= moment < LATEST:
        raise InvalidInput.field("query", name, _("Dates must lie between 1970 and 2999."))
    return moment


@dataclass
class _Group:
    """What the queries found for one group, before the figures are computed."""

    weeks: int
    opened: int = 0
    support: int = 0
    opened_weekly: list[int] = field(default_factory=list)
    closed_weekly: list[int] = field(default_factory=list)
    closed: int = 0
    resolved: int = 0
    sla_n: int = 0
    sla_met: int = 0
    resolve_hours: list[float] = field(default_factory=list)
    response_hours: list[float] = field(default_factory=list)
    backlog: int = 0
    overdue: int = 0
    reopen_base: int = 0
    reopened: int = 0
    oldest: list[tuple] = field(default_factory=list)  # (created_at, id, category_id, due_at)

    def __post_init__(self):
        self.opened_weekly = [0] * self.weeks
        self.closed_weekly = [0] * self.weeks

    @property
    def empty(self) -> bool:
        """Return True when nothing at all happened in this group."""
        return not (self.opened or self.closed or self.backlog or self.reopen_base
                    or self.response_hours)


class _Catalog:
    """The groups of a request: their keys, labels, and how report-level keys map to them."""

    def __init__(self, group_by: str, category_ids: tuple[int, ...] | None, all_categories,
                 city_name: str):
        self.group_by = group_by
        self.labels: dict = {}  # group key -> the row's label fields
        self.family_of = {c.id: c.family for c in all_categories}
        chosen = [c for c in all_categories if category_ids is None or c.id in category_ids]
        if group_by == "city":
            self.labels[None] = {"city": city_name, "name": city_name}
        elif group_by == "neighborhood":
            for key, code, name in queries.neighborhoods():
                self.labels[key] = {"neighborhood": code, "name": name}
        elif group_by == "department":
            for key, code, name in queries.departments():
                self.labels[key] = {"department": code, "name": name}
        elif group_by == "family":
            for family in dict.fromkeys(c.family for c in chosen):
                self.labels[family] = {"family": family, "name": family.replace("_", " ")}
        else:
            for c in chosen:
                self.labels[c.id] = {"category": c.code, "name": c.name, "family": c.family}

    def group_of(self, key):
        """Return the group a report-level key (a column value) belongs to."""
        return self.family_of.get(key) if self.group_by == "family" else key

    def label(self, key) -> dict:
        """Return the label fields of a group, including groups of no known entity."""
        if key in self.labels:
            return self.labels[key]
        name = _NONE_NAMES.get(self.group_by, str(key))
        return {self.group_by: None if key is None else str(key), "name": name}


def _category_ids(query: StatsQuery, all_categories) -> tuple[int, ...] | None:
    """Return the ids of the categories the filters select (None: no filter)."""
    by_code = {c.code: c for c in all_categories}
    unknown = [code for code in query.categories if code not in by_code]
    if unknown:
        raise InvalidInput.field("query", "category",
                                 _("No category '%(code)s'.", code=unknown[0]))
    if not query.categories and not query.families:
        return None
    chosen = [c for c in all_categories
              if (not query.categories or c.code in query.categories)
              and (not query.families or c.family in query.families)]
    return tuple(c.id for c in chosen)


def compute_stats(query: StatsQuery, *, city_tz: str, city_name: str,
                  generalize_sensitive: bool = True, now: datetime | None = None) -> list[dict]:
    """Return one row of figures per group over the range; see docs/accountability.md."""
    now = now or utcnow()
    if query.group_by not in GROUPS:
        raise InvalidInput.field("query", "group_by", f"One of: {', '.join(GROUPS)}.")
    start, end = resolve_range(query.start, query.end, city_tz, now)
    as_of = min(end, now)
    all_categories = queries.categories()
    category_ids = _category_ids(query, all_categories)
    catalog = _Catalog(query.group_by, category_ids, all_categories, city_name)
    scope = Scope(_COLUMNS[query.group_by], category_ids)
    series = stats.weeks(start, end, city_tz)
    bounds = stats.bounds_of(series)
    groups: dict = {}

    def group(key) -> _Group:
        """Return the accumulator of the group a report-level key belongs to."""
        return accumulator(catalog.group_of(key))

    def accumulator(group_key) -> _Group:
        if group_key not in groups:
            groups[group_key] = _Group(len(series))
        return groups[group_key]

    for group_key in catalog.labels:
        accumulator(group_key)
    for key, week, n, support in queries.opened_by_week(scope, bounds):
        g = group(key)
        g.opened += n
        g.support += support
        g.opened_weekly[week] += n
    for key, status, created_at, closed_at, due_at in queries.closings(scope, start, end):
        g = group(key)
        g.closed += 1
        g.resolved += status == Status.RESOLVED
        met = stats.within_sla(closed_at, due_at)
        if met is not None:
            g.sla_n += 1
            g.sla_met += met
        g.resolve_hours.append(stats.hours_between(created_at, closed_at))
        g.closed_weekly[stats.bucket_of(closed_at, bounds)] += 1
    for key, created_at, responded_at in queries.first_response_times(scope, start, end):
        group(key).response_hours.append(stats.hours_between(created_at, responded_at))
    for key, n, again in queries.reopenings(scope, start, end):
        g = group(key)
        g.reopen_base, g.reopened = g.reopen_base + n, g.reopened + again
    sensitive = tuple(c.id for c in all_categories if c.sensitive)
    unlisted = sensitive if generalize_sensitive and query.group_by == "neighborhood" else ()
    backlog = queries.backlog_at(scope, as_of, query.oldest, unlisted)
    for key, (n, late) in backlog.counts.items():
        g = group(key)
        g.backlog, g.overdue = g.backlog + n, g.overdue + late
    for key, report_id, category_id, created_at, due_at in backlog.oldest:
        group(key).oldest.append((created_at, report_id, category_id, due_at))

    codes = {c.id: c.code for c in all_categories}
    rows = {key: _row(catalog.label(key), g, series, as_of, query.oldest, codes)
            for key, g in groups.items() if key in catalog.labels or not g.empty}
    _rank(rows)
    ordered = [k for k in catalog.labels if k in rows] + [k for k in rows
                                                          if k not in catalog.labels]
    return [rows[k] for k in ordered]


def _row(label: dict, g: _Group, series: list[stats.Week], as_of: datetime, oldest: int,
         codes: dict) -> dict:
    """Return the published figures of one group."""
    response, resolve = stats.summarize(g.response_hours), stats.summarize(g.resolve_hours)
    oldest_rows = sorted(g.oldest)[:oldest]
    return label | {
        "opened": g.opened, "closed": g.closed, "resolved": g.resolved,
        "backlog": g.backlog, "overdue": g.overdue, "support": g.support,
        "acknowledge_n": response.n, "acknowledge_median_hours": response.median,
        "acknowledge_p90_hours": response.p90,
        "acknowledge_small_sample": response.small_sample,
        "resolve_n": resolve.n, "resolve_median_hours": resolve.median,
        "resolve_p90_hours": resolve.p90, "resolve_small_sample": resolve.small_sample,
        "sla_n": g.sla_n, "sla_met": g.sla_met,
        "within_sla_share": stats.share(g.sla_met, g.sla_n),
        "sla_small_sample": stats.is_small_sample(g.sla_n),
        "reopen_n": g.reopen_base, "reopened": g.reopened,
        "reopen_rate": stats.share(g.reopened, g.reopen_base),
        "reopen_small_sample": stats.is_small_sample(g.reopen_base),
        "weekly": [{"week": w.label, "week_start": w.monday, "partial": w.partial,
                    "opened": g.opened_weekly[i], "closed": g.closed_weekly[i]}
                   for i, w in enumerate(series)],
        "oldest_open": [{"id": report_id, "category": codes.get(category_id),
                         "created_at": created_at, "due_at": due_at,
                         "open_days": stats.hours_between(created_at, as_of) / 24,
                         "overdue": due_at is not None and due_at < as_of}
                        for created_at, report_id, category_id, due_at in oldest_rows],
    }


def _rank(rows: dict) -> None:
    """Rank groups by median time to resolve and by SLA share; small samples get no rank."""
    fastest = stats.competition_ranks(
        {k: None if r["resolve_small_sample"] else r["resolve_median_hours"]
         for k, r in rows.items()}, ascending=True)
    best = stats.competition_ranks(
        {k: None if r["sla_small_sample"] else r["within_sla_share"]
         for k, r in rows.items()}, ascending=False)
    for key, row in rows.items():
        row["resolve_rank"], row["sla_rank"] = fastest[key], best[key]
