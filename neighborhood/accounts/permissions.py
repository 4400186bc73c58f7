"""Who may do what: pure rules over an Actor and plain facts about a report.

Services call these before they change anything; templates may use them to hide buttons,
but never instead of the service check. No Flask, no database.
"""

from dataclasses import dataclass
from enum import StrEnum

from neighborhood.workflow.states import ActorKind, Transition, is_public


class Role(StrEnum):
    """An account's role. Anonymous visitors have no account and the role VISITOR."""

    VISITOR = "visitor"
    RESIDENT = "resident"
    OFFICER = "officer"
    STAFF = "staff"
    MODERATOR = "moderator"
    ADMIN = "admin"


ACCOUNT_ROLES = tuple(r for r in Role if r != Role.VISITOR)


@dataclass(frozen=True)
class Actor:
    """Whoever makes a request: an account (id, role, department) or an anonymous visitor."""

    user_id: int | None = None
    role: Role = Role.VISITOR
    department_id: int | None = None

    @property
    def is_anonymous(self) -> bool:
        """Return True for a visitor without an account."""
        return self.user_id is None


ANONYMOUS = Actor()


def is_routed_staff(actor: Actor, department_id: int | None) -> bool:
    """Return True when the actor is staff of the department a report is routed to."""
    return (actor.role == Role.STAFF and actor.department_id is not None
            and actor.department_id == department_id)


def _kinds(actor: Actor, department_id: int | None) -> set[ActorKind]:
    kinds = {ActorKind.ANYONE}
    if is_routed_staff(actor, department_id):
        kinds.add(ActorKind.ROUTED_STAFF)
    if actor.role in (Role.OFFICER, Role.MODERATOR, Role.ADMIN):
        kinds.add(ActorKind(actor.role.value))
    return kinds


def can_transition(actor: Actor, transition: Transition, department_id: int | None,
                   *, within_window: bool = True) -> bool:
    """Return True when the actor may make this move on a report of that department."""
    kinds = _kinds(actor, department_id) & transition.by
    if kinds - {ActorKind.ANYONE}:
        return True
    return bool(kinds) and (transition.public_window is None or within_window)


def can_view_hidden(actor: Actor, department_id: int | None) -> bool:
    """Return True when the actor may see a report held for review (or its photos)."""
    return actor.role in (Role.MODERATOR, Role.ADMIN) or is_routed_staff(actor, department_id)


def can_view_report(actor: Actor, status: str, department_id: int | None) -> bool:
    """Return True when the actor may see a report: public ones, or held ones they review."""
    return is_public(status) or can_view_hidden(actor, department_id)


def can_view_contact(actor: Actor, department_id: int | None) -> bool:
    """Return True when the actor may see the reporter's contact details."""
    return actor.role in (Role.MODERATOR, Role.ADMIN) or is_routed_staff(actor, department_id)


def can_moderate(actor: Actor) -> bool:
    """Return True when the actor may publish, hide or close held reports."""
    return actor.role in (Role.MODERATOR, Role.ADMIN)


def can_reassign(actor: Actor, department_id: int | None) -> bool:
    """Return True when the actor may route a report to another department."""
    return actor.role in (Role.MODERATOR, Role.ADMIN) or is_routed_staff(actor, department_id)


def can_view_queue(actor: Actor, department_id: int | None) -> bool:
    """Return True when the actor may work the queue of that department (None: every one)."""
    if actor.role in (Role.MODERATOR, Role.ADMIN):
        return True
    return department_id is not None and is_routed_staff(actor, department_id)


def can_confirm_fix(actor: Actor, department_id: int | None) -> bool:
    """Return True when the actor may confirm a fix: anyone but the department that made it."""
    return not is_routed_staff(actor, department_id)


def can_manage_accounts(actor: Actor) -> bool:
    """Return True when the actor may create accounts and departments."""
    return actor.role == Role.ADMIN


def can_record_walk(actor: Actor) -> bool:
    """Return True when the actor may record patrol walks and tag reports with one."""
    return actor.role in (Role.OFFICER, Role.ADMIN)


def can_view_walk(actor: Actor, officer_id: int | None) -> bool:
    """Return True when the actor may see that officer's walks (None: every officer's).

    Supervisors (moderators, admins) see every walk; an officer sees their own while they
    may still record walks.
    """
    if actor.role in (Role.MODERATOR, Role.ADMIN):
        return True
    return (officer_id is not None and can_record_walk(actor)
            and actor.user_id == officer_id)


def submission_source(actor: Actor) -> str:
    """Return the source a new report records: officers' reports are marked as such."""
    return "officer" if actor.role == Role.OFFICER else "app"
