"""Schemas of the statistics API: the question in, one row of figures per group out."""

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from neighborhood.accountability.services import GROUPS, MAX_DAYS, OLDEST_OPEN
from neighborhood.accountability.stats import MIN_SAMPLE
from neighborhood.reports.schemas import no_control_chars
from neighborhood.workflow.states import Family

_DATE = ("ISO 8601 date or date-time; without a UTC offset it is read in the city's time "
         "zone (CITY_TIMEZONE), so `2015-01-01` is local midnight.")


def _sane_year(value) -> None:
    if not 1970 <= value.year <= 2999:
        raise ValidationError("Dates must lie between 1970 and 2999.")


class StatsQuerySchema(Schema):
    """Which groups, which range, which categories."""

    class Meta:
        unknown = RAISE

    group_by = fields.String(load_default="city", validate=validate.OneOf(GROUPS), metadata={
        "description": "One row per: `city` (one row), `neighborhood` (the area polygons), "
                       "`department` (the routed department), `family` or `category`."})
    start = fields.DateTime(data_key="from", validate=_sane_year, metadata={
        "description": f"Range start, inclusive. {_DATE} Default: 365 days before `to`."})
    end = fields.DateTime(data_key="to", validate=_sane_year, metadata={
        "description": f"Range end, exclusive. {_DATE} Default: now. At most {MAX_DAYS} "
                       "days after `from`."})
    category = fields.List(
        fields.String(validate=[validate.Length(min=1, max=64), no_control_chars]),
        metadata={"description": "Only these category codes (repeat the parameter); an "
                                 "unknown code is a 422."})
    family = fields.List(fields.String(validate=validate.OneOf([f.value for f in Family])),
                         metadata={"description": "Only categories of these families (repeat "
                                                  "the parameter)."})
    oldest = fields.Integer(load_default=OLDEST_OPEN, validate=validate.Range(0, 20), metadata={
        "description": f"How many of the oldest open reports to list per group (default "
                       f"{OLDEST_OPEN})."})

    @validates_schema
    def _range_in_order(self, data, **kwargs):
        start, end = data.get("start"), data.get("end")
        if start and end and (start.tzinfo is None) == (end.tzinfo is None) and start >= end:
            raise ValidationError("Must be before `to`.", "from")


class WeekSchema(Schema):
    """One ISO week of the range, in the city's time zone."""

    week = fields.String(metadata={"description": "ISO 8601 week, e.g. `2015-W01`."})
    week_start = fields.Date(metadata={"description": "The week's Monday (city time)."})
    partial = fields.Boolean(metadata={
        "description": "True when the range starts or ends inside this week: its counts "
                       "cover only the part inside the range."})
    opened = fields.Integer(metadata={"description": "Reports created in the week."})
    closed = fields.Integer(metadata={
        "description": "Reports whose closing (closed_at) falls in the week and that are "
                       "still resolved or closed."})


class OldestOpenSchema(Schema):
    """One of the longest-waiting reports of a group, open at the end of the range."""

    id = fields.Integer(metadata={"description": "The report's id (/api/v1/reports/{id})."})
    category = fields.String(metadata={"description": "The category code."})
    created_at = fields.DateTime(metadata={"description": "When it was reported (UTC)."})
    due_at = fields.DateTime(allow_none=True, metadata={
        "description": "Its due date (UTC); null without a service level."})
    open_days = fields.Float(metadata={
        "description": "Days from created_at to the end of the range (or now)."})
    overdue = fields.Boolean(metadata={
        "description": "Past due_at at the end of the range (or now)."})


def _flag(what: str) -> str:
    return (f"True when {what} rests on fewer than {MIN_SAMPLE} reports: publish with a "
            f"warning, never rank.")


class StatsRowSchema(Schema):
    """The figures of one group over the range; definitions in docs/accountability.md."""

    city = fields.String(metadata={"description": "With group_by=city: the city's name."})
    neighborhood = fields.String(allow_none=True, metadata={
        "description": "With group_by=neighborhood: the neighborhood's code; null for reports "
                       "outside every neighborhood."})
    department = fields.String(allow_none=True, metadata={
        "description": "With group_by=department: the department's code; null for unrouted "
                       "reports."})
    family = fields.String(metadata={
        "description": "With group_by=family: the family; with group_by=category: the "
                       "category's family."})
    category = fields.String(metadata={
        "description": "With group_by=category: the category code."})
    name = fields.String(metadata={"description": "The group's name, for people."})
    opened = fields.Integer(metadata={"description": "Reports created in the range."})
    closed = fields.Integer(metadata={
        "description": "Reports closed in the range: closed_at in the range, and still "
                       "resolved or closed."})
    resolved = fields.Integer(metadata={
        "description": "Of `closed`, those resolved (fixed); the rest were closed without a "
                       "fix (duplicate, not the city's, cannot reproduce, spam)."})
    backlog = fields.Integer(metadata={
        "description": "Reports open (open, acknowledged or in_progress) at the end of the "
                       "range, or now if the range ends in the future."})
    overdue = fields.Integer(metadata={
        "description": "Of `backlog`, those past their due date at that moment."})
    support = fields.Integer(metadata={
        "description": "\"Me too\"s on the reports created in the range (duplicates left "
                       "out: their support moved to the original)."})
    acknowledge_n = fields.Integer(metadata={
        "description": "Reports whose first response (a step by staff, an officer, a "
                       "moderator or an admin to acknowledged, in_progress, resolved or "
                       "closed) falls in the range."})
    acknowledge_median_hours = fields.Float(allow_none=True, metadata={
        "description": "Median hours from created_at to the first response; null if n is 0."})
    acknowledge_p90_hours = fields.Float(allow_none=True, metadata={
        "description": "90th percentile (linear interpolation) of the same hours."})
    acknowledge_small_sample = fields.Boolean(metadata={
        "description": _flag("time to acknowledge")})
    resolve_n = fields.Integer(metadata={
        "description": "Reports the time to resolve covers: the `closed` ones."})
    resolve_median_hours = fields.Float(allow_none=True, metadata={
        "description": "Median hours from created_at to closed_at; null if n is 0."})
    resolve_p90_hours = fields.Float(allow_none=True, metadata={
        "description": "90th percentile (linear interpolation) of the same hours."})
    resolve_small_sample = fields.Boolean(metadata={"description": _flag("time to resolve")})
    resolve_rank = fields.Integer(allow_none=True, metadata={
        "description": "Rank by median time to resolve among the rows of this answer that "
                       "are not small samples (1 = fastest; ties share a rank); null "
                       "otherwise."})
    sla_n = fields.Integer(metadata={
        "description": "Of `closed`, those with a due date (reports without one are left "
                       "out of the SLA figures)."})
    sla_met = fields.Integer(metadata={
        "description": "Of `sla_n`, those closed on or before their due date."})
    within_sla_share = fields.Float(allow_none=True, validate=validate.Range(0, 1), metadata={
        "description": "sla_met / sla_n, from 0 to 1; null if sla_n is 0."})
    sla_small_sample = fields.Boolean(metadata={"description": _flag("the SLA share")})
    sla_rank = fields.Integer(allow_none=True, metadata={
        "description": "Rank by within_sla_share among the rows of this answer that are not "
                       "small samples (1 = best; ties share a rank); null otherwise."})
    reopen_n = fields.Integer(metadata={
        "description": "Reports with a closing step (to resolved or closed) in the range, "
                       "whether or not they are closed now."})
    reopened = fields.Integer(metadata={
        "description": "Of `reopen_n`, those reopened (resolved or closed back to open) at "
                       "least once since the range began, up to now."})
    reopen_rate = fields.Float(allow_none=True, validate=validate.Range(0, 1), metadata={
        "description": "reopened / reopen_n, from 0 to 1; null if reopen_n is 0."})
    reopen_small_sample = fields.Boolean(metadata={"description": _flag("the reopen rate")})
    weekly = fields.List(fields.Nested(WeekSchema), metadata={
        "description": "Opened and closed per ISO week (Monday start, city time) over the "
                       "range; the weeks add up to `opened` and `closed`."})
    oldest_open = fields.List(fields.Nested(OldestOpenSchema), metadata={
        "description": "The reports open longest at the end of the range, oldest first "
                       "(`oldest` of them). With group_by=neighborhood, sensitive categories "
                       "are left out: their neighborhood is never published per report."})
