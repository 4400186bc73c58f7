"""The ban-list check intake and follows call: small, so reports can import it."""

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select

from neighborhood.core.errors import Forbidden
from neighborhood.extensions import db
from neighborhood.moderation.models import BannedContact
from neighborhood.moderation.rules import ban_patterns_of

BAN_CANDIDATES = "ban_candidates"  # the bound parameter of ban_matches(): ban_candidates()


def ban_matches():
    """Return a scalar subquery: how many ban-list patterns are among the candidates bound.

    Intake puts it in its one lookup statement; bind ban_candidates(...) to BAN_CANDIDATES.
    """
    return (select(func.count()).select_from(BannedContact)
            .where(BannedContact.pattern.in_(bindparam(BAN_CANDIDATES, expanding=True)))
            .scalar_subquery())


def ban_candidates(*emails: str | None) -> list[str]:
    """Return every pattern that would ban one of these addresses (sorted: stable SQL)."""
    return sorted(set().union(*(ban_patterns_of(e) for e in emails)))


def refuse_matches(matches: int) -> None:
    """Raise Forbidden when ban_matches() found any pattern."""
    if matches:
        raise Forbidden(_("Reports and follows from this address are not accepted."))


_MATCHES = select(ban_matches())  # built once: follows run it on every request


def refuse_banned(*emails: str | None) -> None:
    """Raise Forbidden when any of these addresses is on the ban list."""
    candidates = ban_candidates(*emails)
    if candidates:
        refuse_matches(db.session.scalar(_MATCHES, {BAN_CANDIDATES: candidates}))
