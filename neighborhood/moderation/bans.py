"""The ban-list check intake and follows call: small, so reports can import it."""

from flask_babel import gettext as _
from sqlalchemy import select

from neighborhood.core.errors import Forbidden
from neighborhood.extensions import db
from neighborhood.moderation.models import BannedContact
from neighborhood.moderation.rules import is_banned


_ALL_PATTERNS = select(BannedContact.pattern)  # built once: intake runs it on every report


def banned_patterns() -> set[str]:
    """Return every pattern on the ban list."""
    return set(db.session.scalars(_ALL_PATTERNS))


def refuse_banned(*emails: str | None) -> None:
    """Raise Forbidden when any of these addresses is on the ban list."""
    if not any(emails):
        return
    patterns = banned_patterns()
    if patterns and any(is_banned(e, patterns) for e in emails):
        raise Forbidden(_("Reports and follows from this address are not accepted."))
