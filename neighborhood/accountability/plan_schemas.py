"""Schemas of the action-plan API: a plan in (adopt, amend), a plan with its progress out."""

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from neighborhood.accountability.metrics import (DEFAULT_BASELINE_DAYS, METRICS, Direction,
                                                 Progress)
from neighborhood.accountability.plan_models import AUTHOR_ROLES, OWNER_KINDS
from neighborhood.accountability.plan_rules import PARTICIPANT_MAX, PARTICIPANTS_MAX
from neighborhood.accountability.stats import MIN_SAMPLE
from neighborhood.reports.models import MAX_ID
from neighborhood.reports.schemas import Text
from neighborhood.workflow.states import Family

COMMITMENTS_MAX = 20
NOTE_MAX = 2000
_METRICS = ", ".join(f"`{code}`" for code in METRICS)


def _sane_year(value) -> None:
    if not 1970 <= value.year <= 2999:
        raise ValidationError("Dates must lie between 1970 and 2999.")


class CommitmentInSchema(Schema):
    """One commitment of a plan being adopted."""

    class Meta:
        unknown = RAISE

    metric = fields.String(required=True, validate=validate.OneOf(list(METRICS)), metadata={
        "description": f"From the catalogue: {_METRICS} (docs/accountability.md)."})
    family = fields.String(allow_none=True, validate=validate.OneOf([f.value for f in Family]),
                           metadata={"description": "Only this problem family; required for "
                                                    "`median_days_to_resolve` and "
                                                    "`hotspot_cells`."})
    target = fields.Float(required=True, metadata={
        "description": "The value promised by the deadline, in the metric's unit (shares "
                       "from 0 to 1)."})
    deadline = fields.Date(required=True, validate=_sane_year, metadata={
        "description": "The last day of the commitment (city time); after the meeting, at "
                       "most 5 years after it."})
    owner_kind = fields.String(required=True, validate=validate.OneOf(OWNER_KINDS), metadata={
        "description": "`department` (a city department) or `group` (a community group)."})
    owner = Text(required=True, validate=validate.Length(1, PARTICIPANT_MAX), metadata={
        "description": "The department's code or name, or the community group's name."})
    description = Text(allow_none=True, validate=validate.Length(max=NOTE_MAX), metadata={
        "description": "What is promised, in words."})


class CommitmentAmendSchema(CommitmentInSchema):
    """One commitment of an amended plan; `number` continues one of the version amended."""

    number = fields.Integer(allow_none=True, validate=validate.Range(1, MAX_ID), metadata={
        "description": "The number of the commitment this one continues; leave it out for a "
                       "new commitment. Commitments of the version amended that are not "
                       "listed are dropped."})


class _PlanInSchema(Schema):
    class Meta:
        unknown = RAISE

    title = Text(required=True, validate=validate.Length(1, 200))
    meeting_date = fields.Date(required=True, validate=_sane_year, metadata={
        "description": "The day of the meeting that adopted (or amended) the plan; not in "
                       "the future."})
    participants = fields.List(Text(validate=validate.Length(1, PARTICIPANT_MAX)),
                               required=True, validate=validate.Length(1, PARTICIPANTS_MAX),
                               metadata={"description": "The organizations that took part "
                                                        "(never private persons)."})
    population = fields.Integer(allow_none=True, validate=validate.Range(1, 100_000_000),
                                metadata={"description": "Residents of the neighborhood; "
                                                         "needed by `reports_per_1000`."})


class PlanCreateSchema(_PlanInSchema):
    """A plan adopted at a meeting: its neighborhood, baseline window and commitments."""

    neighborhood = Text(required=True, validate=validate.Length(1, 64), metadata={
        "description": "The neighborhood's code (as in /api/v1/stats?group_by=neighborhood)."})
    baseline_from = fields.Date(validate=_sane_year, metadata={
        "description": f"First day of the baseline window (city time). Default: "
                       f"{DEFAULT_BASELINE_DAYS} days before `baseline_to`."})
    baseline_to = fields.Date(validate=_sane_year, metadata={
        "description": "The day after the baseline window (exclusive), at the latest the "
                       "meeting day. Default: the meeting day. Fixed for every version."})
    change_note = Text(allow_none=True, validate=validate.Length(max=NOTE_MAX))
    commitments = fields.List(fields.Nested(CommitmentInSchema), required=True,
                              validate=validate.Length(1, COMMITMENTS_MAX))


class PlanAmendSchema(_PlanInSchema):
    """An amendment: the whole plan as it now stands, based on the latest version."""

    version = fields.Integer(required=True, validate=validate.Range(1, MAX_ID), metadata={
        "description": "The latest version, which this amendment is based on (409 if another "
                       "amendment came first)."})
    change_note = Text(required=True, validate=validate.Length(1, NOTE_MAX), metadata={
        "description": "Why the plan changed (e.g. the meeting that decided it)."})
    commitments = fields.List(fields.Nested(CommitmentAmendSchema), required=True,
                              validate=validate.Length(1, COMMITMENTS_MAX))


# --- out --------------------------------------------------------------------------------------

class AreaRefSchema(Schema):
    """The neighborhood a plan belongs to."""

    code = fields.String()
    name = fields.String()


class OwnerSchema(Schema):
    """Who a commitment holds to account."""

    kind = fields.String(validate=validate.OneOf(OWNER_KINDS))
    name = fields.String(metadata={"description": "The group's name, or the department's name "
                                                  "when the version was recorded."})
    department = fields.String(allow_none=True, metadata={
        "description": "The department's code (null for a group, or a removed department)."})


class FigureSchema(Schema):
    """A metric's value over one window (whole days, city time)."""

    value = fields.Float(allow_none=True, metadata={
        "description": "Null when there is nothing to measure (see `note`)."})
    n = fields.Integer(metadata={"description": "The reports the value rests on."})
    small_sample = fields.Boolean(metadata={
        "description": f"True when a median, share or rate rests on fewer than {MIN_SAMPLE} "
                       "reports."})
    note = fields.String(allow_none=True, metadata={"description": "Why there is no value."})
    from_ = fields.Date(data_key="from", attribute="from",
                        metadata={"description": "First day of the window."})
    to = fields.Date(metadata={"description": "The day after the window (exclusive)."})


class BaselineSchema(FigureSchema):
    """The baseline, frozen when the commitment's definition was adopted."""

    computed_at = fields.DateTime()
    recomputed = fields.Boolean(metadata={
        "description": "True when this version recomputed it because the commitment's "
                       "definition changed."})


class SparkPointSchema(Schema):
    """The metric over one window of the baseline's length."""

    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    value = fields.Float(allow_none=True)
    n = fields.Integer()
    small_sample = fields.Boolean()


class CommitmentRecordSchema(Schema):
    """A commitment as recorded in its version."""

    number = fields.Integer(metadata={"description": "Kept by the commitment across versions."})
    metric = fields.String(validate=validate.OneOf(list(METRICS)))
    label = fields.String()
    unit = fields.String()
    direction = fields.String(validate=validate.OneOf([d.value for d in Direction]),
                              metadata={"description": "Which way is better."})
    family = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    target = fields.Float()
    deadline = fields.Date()
    adopted_on = fields.Date(metadata={
        "description": "The meeting that adopted the commitment's current definition: where "
                       "the straight line to the target starts."})
    owner = fields.Nested(OwnerSchema)
    baseline = fields.Nested(BaselineSchema)


class CommitmentProgressSchema(CommitmentRecordSchema):
    """A commitment with its live figure and status."""

    now = fields.Nested(FigureSchema, metadata={
        "description": "The metric over the window as long as the baseline's that ends at "
                       "`as_of`."})
    as_of = fields.Date(metadata={
        "description": "Today (city time, exclusive), or the day after the deadline."})
    elapsed = fields.Float(metadata={
        "description": "Share of the time from `adopted_on` to the deadline's end passed at "
                       "`as_of`, 0 to 1."})
    expected = fields.Float(allow_none=True, metadata={
        "description": "The straight line from baseline to target at `elapsed`; null "
                       "without a baseline."})
    status = fields.String(validate=validate.OneOf([p.value for p in Progress]), metadata={
        "description": "`met`, `on_track`, `at_risk`, `missed` or `no_data`."})
    sparkline = fields.List(fields.Nested(SparkPointSchema), metadata={
        "description": "The baseline window, windows ending on each 1st of a month, and the "
                       "`now` window last."})


class StatusCountsSchema(Schema):
    """How many commitments of the latest version have each status."""

    met = fields.Integer()
    on_track = fields.Integer()
    at_risk = fields.Integer()
    missed = fields.Integer()
    no_data = fields.Integer()


class VersionSummarySchema(Schema):
    """One version in a plan's history."""

    number = fields.Integer()
    title = fields.String()
    meeting_date = fields.Date()
    author_role = fields.String(validate=validate.OneOf(AUTHOR_ROLES))
    change_note = fields.String()
    created_at = fields.DateTime()
    commitments = fields.Integer()
    changes = fields.List(fields.String(), metadata={
        "description": "What this version changed from the one before, in words."})


class _PlanVersionOutSchema(Schema):
    id = fields.Integer()
    area = fields.Nested(AreaRefSchema)
    created_at = fields.DateTime(metadata={"description": "When the plan was first recorded."})
    version = fields.Integer()
    title = fields.String()
    meeting_date = fields.Date()
    participants = fields.List(fields.String())
    population = fields.Integer(allow_none=True)
    baseline_from = fields.Date()
    baseline_to = fields.Date(metadata={"description": "Exclusive."})
    author_role = fields.String(validate=validate.OneOf(AUTHOR_ROLES), metadata={
        "description": "Who recorded the version (the account itself is never published)."})
    change_note = fields.String()
    version_created_at = fields.DateTime()


class PlanDetailSchema(_PlanVersionOutSchema):
    """A plan's latest version with each commitment's progress, and its history."""

    commitments = fields.List(fields.Nested(CommitmentProgressSchema))
    status_counts = fields.Nested(StatusCountsSchema)
    versions = fields.List(fields.Nested(VersionSummarySchema))


class PlanVersionDetailSchema(_PlanVersionOutSchema):
    """One version as recorded: its commitments with frozen baselines, no live figures."""

    commitments = fields.List(fields.Nested(CommitmentRecordSchema))
    changes = fields.List(fields.String())


class PlanSummarySchema(Schema):
    """A plan in the list: its latest version in brief."""

    id = fields.Integer()
    area = fields.Nested(AreaRefSchema)
    version = fields.Integer()
    title = fields.String()
    meeting_date = fields.Date()
    updated_at = fields.DateTime(metadata={"description": "When the latest version was "
                                                          "recorded."})
    commitments = fields.Integer()
    status_counts = fields.Nested(StatusCountsSchema)
