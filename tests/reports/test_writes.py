"""Intake's INSERTs: all of a report's rows, or none of them when its key was taken."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from neighborhood.core.spatial import point_element
from neighborhood.extensions import db
from neighborhood.reports.models import Category, Follower, IdempotencyKey, Report
from neighborhood.reports.services import h3_cells
from neighborhood.reports.writes import NewReport, insert_report
from neighborhood.workflow.models import StatusChange
from tests.fixtures.sql import sent_statements

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def dummy_new_report(ctx, dummy_category):
    """Return a factory of a new lighting report's rows, with or without key and follower."""
    category_id = db.session.scalar(select(Category.id).where(Category.code == dummy_category))

    r8, r9 = h3_cells(-71.0589, 42.3601)

    def make(key: str | None = "key-1", follower: str | None = "resident@example.org"):
        report = {
            "category_id": category_id, "description": "Dark street",
            "location": point_element(-71.0589, 42.3601), "status": "open",
            "source": "web", "contact_email": follower, "created_at": NOW, "updated_at": NOW,
            "h3_r8": r8, "h3_r9": r9,
        }
        step = {"kind": "status", "from_status": None, "to_status": "open",
                "to_department_id": None, "actor_role": "visitor", "actor_id": None,
                "at": NOW}
        return NewReport(
            report=report, step=step,
            key={"scope": "anonymous", "key": key, "fingerprint": "f" * 64,
                 "created_at": NOW} if key else None,
            follower={"email": follower, "user_id": None, "is_reporter": True,
                      "confirmed_at": NOW, "created_at": NOW} if follower else None)
    return make


def _count(model, report_id: int) -> int:
    column = model.id if model is Report else model.report_id
    return db.session.scalar(select(func.count()).where(column == report_id))


def test_a_new_report_is_written_with_its_key_first_step_and_follower(dummy_new_report):
    report_id = insert_report(db.session.connection(), dummy_new_report())
    stored = db.session.get(Report, report_id)
    assert stored.description == "Dark street"
    # Columns the row leaves out get the model's defaults, inside the CTE too.
    assert (stored.support_count, stored.reopen_count, stored.fixed_count) == (0, 0, 0)
    key = db.session.scalars(select(IdempotencyKey).where(IdempotencyKey.key == "key-1")).one()
    assert key.report_id == report_id and key.created_at == NOW
    step = db.session.scalars(select(StatusChange).where(
        StatusChange.report_id == report_id)).one()
    assert (step.to_status, step.actor_role, step.at) == ("open", "visitor", NOW)
    follower = db.session.scalars(select(Follower).where(Follower.report_id == report_id)).one()
    assert (follower.email, follower.is_reporter) == ("resident@example.org", True)


def test_a_report_without_key_or_contact_gets_its_first_step_only(dummy_new_report):
    report_id = insert_report(db.session.connection(),
                              dummy_new_report(key=None, follower=None))
    assert _count(Report, report_id) == 1
    assert _count(StatusChange, report_id) == 1
    assert _count(Follower, report_id) == 0
    assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


def test_a_key_claimed_first_leaves_nothing_of_the_second_report(dummy_new_report):
    sql = db.session.connection()
    first_id = insert_report(sql, dummy_new_report())
    reports_before = db.session.scalar(select(func.count()).select_from(Report))
    assert insert_report(sql, dummy_new_report()) is None
    assert db.session.scalar(select(func.count()).select_from(Report)) == reports_before
    assert db.session.scalar(select(func.count()).select_from(StatusChange)) == 1
    assert db.session.scalar(select(func.count()).select_from(Follower)) == 1
    key = db.session.scalars(select(IdempotencyKey).where(IdempotencyKey.key == "key-1")).one()
    assert key.report_id == first_id
    assert (_count(StatusChange, first_id), _count(Follower, first_id)) == (1, 1)


@pytest.mark.engines("postgis")
def test_postgresql_writes_all_of_a_report_in_one_statement(dummy_new_report):
    sql = db.session.connection()
    with sent_statements(sql.engine) as sent:
        insert_report(sql, dummy_new_report())
    assert len(sent) == 1
    assert sent[0].statement.count("INSERT INTO") == 4


def test_columns_a_row_leaves_out_get_the_models_defaults_scalar_and_computed(
        dummy_new_report):
    new = dummy_new_report()
    follower = {"email": "resident@example.org", "user_id": None, "confirmed_at": NOW}
    report_id = insert_report(db.session.connection(),
                              NewReport(report=new.report, step=new.step, key=new.key,
                                        follower=follower))
    stored = db.session.scalars(select(Follower).where(Follower.report_id == report_id)).one()
    assert stored.is_reporter is False  # a scalar default
    assert stored.created_at is not None  # utcnow, a callable default
