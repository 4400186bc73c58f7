"""Action plans as published: each commitment's baseline -> now -> target, status, sparkline.

Glue: the windows and the status rule are pure (metrics), the values come from live data
(plan_values), the rows from plan_services. Every definition is in docs/accountability.md.
"""

from datetime import datetime

from neighborhood.accountability import plan_rules, plan_values
from neighborhood.accountability.metrics import (METRICS, Value, Window, as_of,
                                                 elapsed, expected, now_window,
                                                 progress_status, sparkline_windows,
                                                 status_counts)
from neighborhood.accountability.plan_models import Plan, PlanCommitment, PlanVersion
from neighborhood.accountability.plan_services import (city_today, department_codes,
                                                       list_plans, load_plan, load_version,
                                                       plan_fields, snapshot)
from neighborhood.areas.models import Area
from neighborhood.core.db import utcnow
from neighborhood.extensions import db


def _area(plan: Plan) -> dict:
    area = db.session.get(Area, plan.area_id)
    return {"code": area.code, "name": area.name}


def _figure(value: Value, window: Window, metric) -> dict:
    return {"value": value.value, "n": value.n, "small_sample": value.small_sample(metric),
            "note": value.note, "from": window.start, "to": window.end}


def _record(c: PlanCommitment, version: PlanVersion, codes: dict) -> dict:
    """Return a commitment as recorded in its version (no live figure)."""
    metric = METRICS[c.metric]
    baseline = _figure(Value(c.baseline, c.baseline_n, c.baseline_note),
                       Window(version.baseline_from, version.baseline_to), metric)
    return {
        "number": c.number, "metric": c.metric, "label": metric.label, "unit": metric.unit,
        "direction": metric.direction.value, "family": c.family, "description": c.description,
        "target": c.target, "deadline": c.deadline, "adopted_on": c.adopted_on,
        "owner": {"kind": c.owner_kind, "name": c.owner_name,
                  "department": codes.get(c.owner_department_id)},
        "baseline": baseline | {"computed_at": c.baseline_computed_at,
                                "recomputed": c.baseline_recomputed},
    }


def commitment_progress(c: PlanCommitment, version: PlanVersion, area_id: int, tz: str,
                        now: datetime, codes: dict, *, sparkline: bool = True) -> dict:
    """Return a commitment with its live figure, the expected value, status and sparkline."""
    metric, today = METRICS[c.metric], city_today(tz, now)
    baseline = Window(version.baseline_from, version.baseline_to)
    windows = (sparkline_windows(baseline, today, c.deadline) if sparkline
               else [now_window(baseline, today, c.deadline)])
    subject = plan_values.Subject(area_id, c.family, version.population)
    values = plan_values.values(c.metric, subject, windows, tz)
    current, day = values[-1], as_of(today, c.deadline)
    fraction = elapsed(c.adopted_on, c.deadline, day)
    status = progress_status(metric.direction, baseline=c.baseline, current=current.value,
                             target=c.target, adopted_on=c.adopted_on, deadline=c.deadline,
                             today=today)
    row = _record(c, version, codes) | {
        "now": _figure(current, windows[-1], metric), "as_of": day, "elapsed": fraction,
        "expected": None if c.baseline is None else expected(c.baseline, c.target, fraction),
        "status": status.value,
    }
    if sparkline:
        row["sparkline"] = [{"from": w.start, "to": w.end, "value": v.value, "n": v.n,
                             "small_sample": v.small_sample(metric)}
                            for w, v in zip(windows, values)]
    return row


def _history(plan: Plan) -> list[dict]:
    """Return every version's summary with what it changed, oldest first."""
    out, before = [], None
    for version in plan.versions:
        changed = (["adopted"] if before is None else plan_rules.changes(
            plan_fields(before), plan_fields(version),
            [snapshot(c) for c in before.commitments],
            [snapshot(c) for c in version.commitments]))
        out.append({"number": version.number, "title": version.title,
                    "meeting_date": version.meeting_date, "author_role": version.author_role,
                    "change_note": version.change_note, "created_at": version.created_at,
                    "commitments": len(version.commitments), "changes": changed})
        before = version
    return out


def _version_fields(plan: Plan, version: PlanVersion) -> dict:
    return {"id": plan.id, "area": _area(plan), "created_at": plan.created_at,
            "version": version.number, "title": version.title,
            "meeting_date": version.meeting_date, "participants": list(version.participants),
            "population": version.population, "baseline_from": version.baseline_from,
            "baseline_to": version.baseline_to, "author_role": version.author_role,
            "change_note": version.change_note, "version_created_at": version.created_at}


def plan_detail(plan_id: int, *, tz: str, now: datetime | None = None) -> dict:
    """Return a plan's latest version with every commitment's progress, and its history."""
    now, plan = now or utcnow(), load_plan(plan_id)
    version, codes = plan.versions[-1], department_codes()
    commitments = [commitment_progress(c, version, plan.area_id, tz, now, codes)
                   for c in version.commitments]
    return _version_fields(plan, version) | {
        "commitments": commitments,
        "status_counts": status_counts(c["status"] for c in commitments),
        "versions": _history(plan)}


def version_detail(plan_id: int, number: int) -> dict:
    """Return one version of a plan as recorded: frozen baselines, targets, no live figure."""
    version = load_version(plan_id, number)
    plan, codes = version.plan, department_codes()
    history = _history(plan)
    return _version_fields(plan, version) | {
        "commitments": [_record(c, version, codes) for c in version.commitments],
        "changes": history[number - 1]["changes"]}


def plan_summaries(*, tz: str, now: datetime | None = None) -> list[dict]:
    """Return every plan's latest version in brief, with how many commitments have each status."""
    now, codes, out = now or utcnow(), department_codes(), []
    for plan in list_plans():
        version = plan.versions[-1]
        statuses = [commitment_progress(c, version, plan.area_id, tz, now, codes,
                                        sparkline=False)["status"]
                    for c in version.commitments]
        out.append({"id": plan.id, "area": _area(plan), "version": version.number,
                    "title": version.title, "meeting_date": version.meeting_date,
                    "updated_at": version.created_at, "commitments": len(statuses),
                    "status_counts": status_counts(statuses)})
    return out
