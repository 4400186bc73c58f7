"""The request's one commit: an autocommitted request on PostgreSQL, and what it refuses."""

import pytest
from sqlalchemy import func, select

from neighborhood.core import transaction
from neighborhood.extensions import db
from neighborhood.reports.models import Category, Report
from tests.fixtures.sql import sent_statements
from tests.reports.test_photo_upload import jpeg, post_multipart


@pytest.fixture
def request_ctx(app):
    """A request context, as a view's service runs in."""
    with app.test_request_context("/api/v1/reports", method="POST"):
        yield


def _autocommits() -> bool:
    return db.session.connection().connection.dbapi_connection.autocommit


def _engine(app):
    with app.app_context():
        return db.engine


def _pooled_connection_autocommits(app) -> bool:
    with app.app_context():
        autocommit = _autocommits()
        db.session.rollback()
        db.session.remove()
        assert db.engine.pool.checkedin() == 1  # the one connection the requests used
    return autocommit


@pytest.mark.engines("postgis")
def test_a_json_submission_is_written_autocommitted_in_one_statement(
        app, client, dummy_category, dummy_report_body):
    with sent_statements(_engine(app)) as seen:
        response = client.post("/api/v1/reports", json=dummy_report_body,
                               headers={"Idempotency-Key": "one-statement"})
    assert response.status_code == 201
    writes = [statement for statement, _ in seen if "INSERT" in statement]
    assert len(writes) == 1
    assert all(autocommit for _, autocommit in seen)  # so psycopg sent no BEGIN or COMMIT
    assert not _pooled_connection_autocommits(app)  # the next request has a transaction


@pytest.mark.engines("postgis")
def test_a_submission_with_photos_is_written_in_a_transaction(app, client, dummy_category):
    with sent_statements(_engine(app)) as seen:
        response = post_multipart(client, [("p.jpg", jpeg())])
    assert response.status_code == 201
    assert seen and not any(autocommit for _, autocommit in seen)


@pytest.mark.engines("postgis")
def test_an_untouched_request_is_autocommitted(request_ctx):
    assert transaction.autocommit_if_untouched() is True
    assert _autocommits()


@pytest.mark.engines("postgis")
def test_a_request_that_used_the_database_is_not_autocommitted(request_ctx, dummy_category):
    db.session.scalar(select(Category.id))
    assert transaction.autocommit_if_untouched() is False
    assert not _autocommits()


@pytest.mark.engines("postgis")
def test_nothing_is_autocommitted_outside_a_request(ctx):
    """A CLI command or a test may run many services in one transaction."""
    assert transaction.autocommit_if_untouched() is False
    assert not _autocommits()


@pytest.mark.engines("spatialite")
def test_sqlite_requests_are_never_autocommitted(request_ctx):
    assert transaction.autocommit_if_untouched() is False


@pytest.mark.engines("postgis")
def test_an_autocommitted_request_may_not_flush_orm_changes(request_ctx, dummy_category):
    transaction.autocommit_if_untouched()
    category = db.session.scalars(select(Category)).one()
    stored_sla = category.sla_days
    db.session.flush()  # nothing changed: nothing to refuse
    category.sla_days = stored_sla + 1
    with pytest.raises(transaction.AutocommitFlushRefused):
        db.session.flush()
    db.session.add(Report(description="never written"))
    with pytest.raises(transaction.AutocommitFlushRefused):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(Category.sla_days)) == stored_sla
    assert db.session.scalar(select(func.count()).select_from(Report)) == 0
