"""The report form (/reports/new) and the report page (/reports/<id>) with its actions.

Every action here is a plain form post (CSRF-checked) that works without JavaScript; the
page scripts use the JSON API for the same things (and the offline queue).
"""

import uuid

import folium
from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from neighborhood.accounts.auth import current_account, current_actor
from neighborhood.core import transaction
from neighborhood.core.errors import Conflict, InvalidInput
from neighborhood.core.messages import localize_errors
from neighborhood.maps.render import city_map, embed, map_text
from neighborhood.open311.queries import locate_address
from neighborhood.reports import engagement
from neighborhood.reports.queries import list_categories
from neighborhood.reports.questions import parse_questions
from neighborhood.reports.schemas import ReportCreateSchema
from neighborhood.reports.services import Submission, Upload, submit_report
from neighborhood.reports.views import photo_url
from neighborhood.web import labels
from neighborhood.web.blueprint import bp
from neighborhood.workflow.queries import report_detail
from neighborhood.workflow.services import (
    TransitionRequest,
    confirm_fixed,
    transition_report,
)
from neighborhood.workflow.states import Family

FORM_FAMILIES = (Family.LIGHTING, Family.PARKS, Family.SIGNS, Family.PROBLEM_BUSINESS)


def device_id() -> str:
    """Return this browser's anonymous id (kept in the session) for "me too" and "fixed"."""
    return session.setdefault("device_id", uuid.uuid4().hex)


def family_choices(categories) -> list[dict]:
    """Return the four families with their label, icon and categories (empty ones left out)."""
    families = [{"code": f.value, "label": labels.label(labels.FAMILIES, f.value),
                 "icon": labels.FAMILY_ICONS[f.value],
                 "categories": [c for c in categories if c.family == f.value]}
                for f in FORM_FAMILIES]
    return [f for f in families if f["categories"]]


def _form_choices() -> dict:
    categories = list_categories()
    questions = {c.code: parse_questions(c.questions) for c in categories if c.questions}
    return {"families": family_choices(categories), "questions": questions}


def _render_form(values: dict, errors: dict | None = None, status: int = 200):
    fmap = city_map()
    return render_template("web/new_report.html", values=values, errors=errors or {},
                           map=embed(fmap), **_form_choices()), status


def _submission_from_form(form, files) -> Submission:
    """Read the form into a Submission; the address places the report when no pin is set."""
    data = {k: form.get(k, "").strip() for k in ("category", "description", "address")}
    if form.get("lat") and form.get("lon"):
        data.update(lat=form["lat"], lon=form["lon"])
    elif data["address"]:
        place = locate_address(data["address"])
        if place is None:
            raise InvalidInput.field("form", "address", _(
                "We do not know this address yet. Use your location or tap the map."))
        data["lon"], data["lat"] = place
    else:
        raise InvalidInput.field("form", "lat", _(
            "Say where the problem is: use your location, tap the map or type an address."))
    contact = {k: form.get(f"contact.{k}", "").strip() or None for k in ("email", "name")}
    if any(contact.values()):
        data["contact"] = contact
    prefix = f"q.{data['category']}."
    answers = {k[len(prefix):]: v for k, v in form.items() if k.startswith(prefix) and v}
    if answers:
        data["attributes"] = answers
    data = {k: v for k, v in data.items() if v not in ("", None)}
    try:
        loaded = ReportCreateSchema().load(data)
    except ValidationError as exc:
        raise InvalidInput(_("Please check the highlighted fields."), {"form": exc.messages})
    uploads = [Upload(f.filename or "photo", f.read())
               for f in files.getlist("photos") if f.filename]
    return Submission(data=loaded, uploads=uploads, location="form",
                      idempotency_key=form.get("idempotency_key") or None)


def _messages(value) -> list[str]:
    """Return every message under a field, nested ones (contact.email, answers) included."""
    if isinstance(value, dict):
        return [m for inner in value.values() for m in _messages(inner)]
    if isinstance(value, (list, tuple)):
        return [m for inner in value for m in _messages(inner)]
    return [str(value)]


@bp.route("/reports/new", methods=["GET", "POST"])
def new_report():
    """Show the report form; on post, submit the report and go to its page."""
    if request.method == "GET":
        return _render_form({"idempotency_key": str(uuid.uuid4()),
                             "family": request.args.get("family", "")})
    try:
        submission = _submission_from_form(request.form, request.files)
        account = current_account()
        result = submit_report(submission, actor=current_actor(),
                               reporter_email=account.email if account else None)
    except InvalidInput as exc:
        errors = localize_errors(exc.errors or {})
        fields = {name: _messages(value) for name, value in
                  (errors.get("form") or errors.get("files") or {}).items()}
        return _render_form(request.form.to_dict(), {"_": exc.message, **fields}, 422)
    flash(_("Thank you. Your report was sent; follow it here."), "ok")
    return redirect(url_for("web.report_page", report_id=result.report.id), code=303)


def _report_map(report: dict, geometry: dict):
    lon, lat = geometry["coordinates"]
    fmap = city_map(location=(lat, lon), zoom=17)
    folium.CircleMarker((lat, lon), radius=10, color="#0b4f94", fill=True, fill_opacity=0.6,
                        tooltip=map_text(report["category_name"])).add_to(fmap)
    return embed(fmap)


@bp.get("/reports/<int:report_id>")
def report_page(report_id):
    """Show one report: map, status, due date, the timeline to resolution and what to do."""
    detail = report_detail(report_id, current_actor(), photo_url)
    report = detail["properties"]
    return render_template("web/report.html", report=report, map=_report_map(report,
                           detail["geometry"]), labels=labels, flag_reasons=labels.FLAG_REASONS)


def _act(report_id: int, action, done: str):
    try:
        action()
    except (Conflict, InvalidInput) as exc:
        transaction.rollback()  # the redirect is a success status: nothing may be committed
        flash(exc.message, "error")
    else:
        flash(done, "ok")
    return redirect(url_for("web.report_page", report_id=report_id), code=303)


@bp.post("/reports/<int:report_id>/support")
def support(report_id):
    """Add this visitor's "me too" to an open report."""
    return _act(report_id, lambda: engagement.support_report(
        report_id, current_actor(), device=device_id()), _("Thank you: your support was added."))


@bp.post("/reports/<int:report_id>/follow")
def follow(report_id):
    """Follow a report by email (double opt-in unless signed in)."""
    account = current_account()
    signed_in = _("You follow this report. We will email you when it changes.")
    return _act(report_id, lambda: engagement.follow_report(
        report_id, current_actor(), email=request.form.get("email", "").strip(),
        account_email=account.email if account else None),
        signed_in if account else _("Check your email and confirm to follow this report."))


@bp.post("/reports/<int:report_id>/fixed")
def confirm(report_id):
    """Confirm that a resolved report is really fixed."""
    return _act(report_id, lambda: confirm_fixed(report_id, current_actor(), device=device_id()),
                _("Thank you for confirming the fix."))


@bp.post("/reports/<int:report_id>/reopen")
def reopen(report_id):
    """Reopen a resolved report: the problem is back or was never fixed."""
    note = request.form.get("note", "").strip() or None
    return _act(report_id, lambda: transition_report(
        report_id, current_actor(), TransitionRequest(to="open", note=note, location="form")),
        _("The report is open again."))

