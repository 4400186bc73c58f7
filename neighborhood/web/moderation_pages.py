"""The moderation page (/moderation) and the flag form on a report page.

Moderators and admins see held reports and flagged ones, oldest first, and publish, keep,
hide or remove each; they keep the ban list. Every action is a plain form post; a refusal
is flashed and nothing is stored.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from neighborhood.accounts.auth import current_actor
from neighborhood.accounts.permissions import can_moderate
from neighborhood.core import transaction
from neighborhood.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from neighborhood.moderation import queries, services
from neighborhood.moderation.rules import Decision
from neighborhood.web import labels
from neighborhood.web.blueprint import bp
from neighborhood.web.report_pages import device_id

REFUSALS = (Conflict, Forbidden, InvalidInput, NotFound)
DECISIONS = {
    Decision.PUBLISH: _l("Publish"),
    Decision.KEEP: _l("Keep public, dismiss the flags"),
    Decision.HIDE: _l("Hide until reviewed again"),
    Decision.REMOVE: _l("Remove for good"),
}
DONE = {
    Decision.PUBLISH: _l("Report #%(id)s is public."),
    Decision.KEEP: _l("Report #%(id)s stays public; its flags are dismissed."),
    Decision.HIDE: _l("Report #%(id)s is hidden until reviewed again."),
    Decision.REMOVE: _l("Report #%(id)s is removed: it will never be public."),
}


def _moderator_only():
    actor = current_actor()
    if actor.is_anonymous:
        return redirect(url_for("web.login", next=request.path), code=303)
    if not can_moderate(actor):
        abort(403)
    return None


def _refused(exc) -> None:
    transaction.rollback()
    flash(_("Not done: %(reason)s", reason=exc.message), "error")


@bp.get("/moderation")
def moderation():
    """Show what waits for a moderator and the ban list."""
    refused = _moderator_only()
    if refused:
        return refused
    actor = current_actor()
    return render_template("web/moderation.html", items=queries.moderation_queue(actor),
                           bans=services.list_bans(actor), reasons=labels.FLAG_REASONS,
                           decisions=DECISIONS, labels=labels)


@bp.post("/moderation/reports/<int:report_id>")
def moderation_decide(report_id):
    """Apply a decision to one report of the queue."""
    refused = _moderator_only()
    if refused:
        return refused
    decision = request.form.get("decision", "")
    try:
        services.decide(report_id, current_actor(), decision, request.form.get("note"))
    except REFUSALS as exc:
        _refused(exc)
    else:
        flash(str(DONE[Decision(decision)]) % {"id": report_id}, "ok")
    return redirect(url_for("web.moderation"), code=303)


@bp.post("/moderation/bans")
def moderation_ban():
    """Add an address or a domain to the ban list."""
    refused = _moderator_only()
    if refused:
        return refused
    try:
        ban = services.add_ban(current_actor(), request.form.get("pattern", ""),
                               request.form.get("note"))
    except REFUSALS as exc:
        _refused(exc)
    else:
        flash(_("%(pattern)s is banned.", pattern=ban.pattern), "ok")
    return redirect(url_for("web.moderation"), code=303)


@bp.post("/moderation/bans/<int:ban_id>/delete")
def moderation_unban(ban_id):
    """Take an entry off the ban list."""
    refused = _moderator_only()
    if refused:
        return refused
    try:
        services.remove_ban(current_actor(), ban_id)
    except REFUSALS as exc:
        _refused(exc)
    else:
        flash(_("Taken off the ban list."), "ok")
    return redirect(url_for("web.moderation"), code=303)


@bp.post("/reports/<int:report_id>/flag")
def flag(report_id):
    """Flag a report for a moderator; if that hides it, go home (its page is gone)."""
    try:
        result = services.flag_report(report_id, current_actor(),
                                      reason=request.form.get("reason", ""),
                                      note=request.form.get("note"), device=device_id())
    except REFUSALS as exc:
        _refused(exc)
        return redirect(url_for("web.report_page", report_id=report_id), code=303)
    if result["held_for_review"]:
        flash(_("Thank you. The report is hidden until a moderator looks at it."), "ok")
        return redirect(url_for("web.index"), code=303)
    flash(_("Thank you. A moderator will look at it."), "ok")
    return redirect(url_for("web.report_page", report_id=report_id), code=303)
