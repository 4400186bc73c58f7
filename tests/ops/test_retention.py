"""`flask retention anonymize`: old reporters' contacts and old followers go, nothing else."""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from neighborhood.core.db import utcnow
from neighborhood.extensions import db
from neighborhood.ops.services import OperationFailed, anonymize_contacts
from neighborhood.reports.models import Follower, Report
from tests.ops.conftest import CONTACT, REPORTS, City, snapshot, submit

CONTACT_FIELDS = ("contact_email", "contact_name", "contact_phone")


@dataclass(frozen=True)
class Aged:
    """The city's reports, aged: which keep their contact and followers at 365 days."""

    city: City
    fresh: int  # made today, open: keeps everything

    @property
    def ids(self) -> list[int]:
        return [self.city.resolved, self.city.reassigned, self.city.closed, self.fresh]


@pytest.fixture
def aged(app, client, city, dummy_report_body) -> Aged:
    """resolved: made 400 days ago, resolved 380 days ago (3 followers);
    reassigned: made 400 days ago, still open (2 followers);
    closed: made 400 days ago, closed 10 days ago (1 follower added here);
    fresh: made today with a full contact (the reporter follows it)."""
    now = utcnow()
    fresh = submit(client, {**dummy_report_body, "contact": CONTACT}, description="Fresh.")
    with app.app_context():
        for report_id, closed_days in ((city.resolved, 380), (city.reassigned, None),
                                       (city.closed, 10)):
            values = {"created_at": now - timedelta(days=400)}
            if closed_days is not None:
                values["closed_at"] = now - timedelta(days=closed_days)
            db.session.execute(update(Report).where(Report.id == report_id).values(**values))
        db.session.add(Follower(report_id=city.closed, email="keeper@example.org",
                                confirmed_at=now, created_at=now))
        db.session.commit()
    return Aged(city, fresh)


def contacts(app) -> dict[int, tuple]:
    with app.app_context():
        return {row.id: tuple(getattr(row, f) for f in CONTACT_FIELDS)
                for row in db.session.scalars(select(Report))}


def followers(app) -> dict[int, set[str]]:
    with app.app_context():
        found: dict[int, set[str]] = {}
        for follower in db.session.scalars(select(Follower)):
            found.setdefault(follower.report_id, set()).add(follower.email)
        return found


def counts_in(output: str) -> dict[str, int]:
    return {m[1]: int(m[2].replace(",", ""))
            for m in re.finditer(r"^([a-z ]+): ([\d,]+)$", output, re.MULTILINE)}


def cleared(contacts: int, followers: int, unconfirmed: int = 0, outbox: int = 0) -> dict:
    return {"reporter contacts cleared": contacts, "followers removed": followers,
            "unconfirmed followers removed": unconfirmed, "outbox messages deleted": outbox}


def to_clear(contacts: int, followers: int, unconfirmed: int = 0, outbox: int = 0) -> dict:
    return {"reporter contacts to clear": contacts, "followers to remove": followers,
            "unconfirmed followers to remove": unconfirmed, "outbox messages to delete": outbox}


def public_outputs(client, aged: Aged) -> dict[str, bytes]:
    """Every public view of these reports: JSON API (list and detail) and Open311."""
    ids = ",".join(map(str, aged.ids))
    urls = [REPORTS, *(f"{REPORTS}/{report_id}" for report_id in aged.ids),
            f"/open311/v2/requests.json?service_request_id={ids}",
            f"/open311/v2/requests.xml?service_request_id={ids}",
            f"/open311/v2/servicerequestupdates.json?service_request_id={ids}"]
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.data)
        pages[url] = response.data
    return pages


def test_old_contacts_are_cleared_and_recent_ones_kept(app, runner, aged):
    city = aged.city
    result = runner.invoke(args=["retention", "anonymize", "--days", "365"])
    assert result.exit_code == 0, result.output
    assert counts_in(result.stdout) == cleared(3, 3)

    after = contacts(app)
    for old in (city.resolved, city.reassigned, city.closed):
        assert after[old] == (None, None, None)
    assert after[aged.fresh] == (CONTACT["email"], CONTACT["name"], CONTACT["phone"])
    kept = followers(app)
    assert city.resolved not in kept  # closed 380 days ago: confirmed and unconfirmed go
    assert kept[city.reassigned] == {"other@example.org", "watcher@example.org"}  # still open
    assert kept[city.closed] == {"keeper@example.org"}  # closed only 10 days ago
    assert kept[aged.fresh] == {CONTACT["email"]}


def test_timeline_notes_and_other_columns_are_untouched(app, runner, aged):
    before = snapshot(app)
    assert any("resident@example.org" in (step["note"] or "")
               for step in before["status_change"])
    assert runner.invoke(args=["retention", "anonymize"]).exit_code == 0
    after = snapshot(app)
    assert after["status_change"] == before["status_change"]
    assert after["photo"] == before["photo"]

    def without_contact(rows):
        return [{k: v for k, v in row.items() if k not in CONTACT_FIELDS} for row in rows]

    # updated_at included: the public "last changed" and the hotspot data version stay put.
    assert without_contact(after["report"]) == without_contact(before["report"])


def test_public_outputs_are_unchanged(app, client, runner, aged):
    before = public_outputs(client, aged)
    assert before == public_outputs(client, aged)  # stable to begin with
    assert runner.invoke(args=["retention", "anonymize"]).exit_code == 0
    assert public_outputs(client, aged) == before


def test_dry_run_counts_and_changes_nothing(app, runner, aged):
    before = snapshot(app)
    result = runner.invoke(args=["retention", "anonymize", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert counts_in(result.stdout) == to_clear(3, 3)
    assert "dry run: nothing was changed" in result.stdout
    assert snapshot(app) == before


def test_it_is_idempotent(app, runner, aged):
    first = runner.invoke(args=["retention", "anonymize"])
    assert counts_in(first.stdout) == cleared(3, 3)
    once = snapshot(app)
    again = runner.invoke(args=["retention", "anonymize"])
    assert again.exit_code == 0, again.output
    assert counts_in(again.stdout) == cleared(0, 0)
    assert snapshot(app) == once


def test_the_period_comes_from_the_config_by_default(app, runner, aged):
    app.config["REPORTER_CONTACT_RETENTION_DAYS"] = 5
    result = runner.invoke(args=["retention", "anonymize", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "retention period: 5 days" in result.output
    # Now the report closed 10 days ago loses its follower too; today's report keeps all.
    assert counts_in(result.stdout) == to_clear(3, 4)


def test_the_service_takes_a_clock_and_returns_counts(app, aged):
    with app.app_context():
        later = anonymize_contacts(365, now=utcnow() + timedelta(days=400), dry_run=True)
        assert (later.contacts_cleared, later.followers_removed) == (4, 4)
        assert later.dry_run
        done = anonymize_contacts(365)
        db.session.commit()
        assert (done.contacts_cleared, done.followers_removed) == (3, 3)
        assert anonymize_contacts(365).contacts_cleared == 0
        with pytest.raises(OperationFailed):
            anonymize_contacts(0)


def test_zero_days_is_refused_by_the_command(runner, aged):
    result = runner.invoke(args=["retention", "anonymize", "--days", "0"])
    assert result.exit_code == 2
    assert "0 is not in the range x>=1" in result.output
