"""The export's read side on both engines: what it selects, and a connection that cannot write."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from neighborhood.exports.queries import export_statement, read_only_connection
from neighborhood.extensions import db
from neighborhood.reports.queries import ReportFilter

PRIVATE_COLUMNS = ("contact_email", "contact_name", "contact_phone", "reporter_id",
                   "api_key_id")


@pytest.mark.parametrize("flt", [ReportFilter(), ReportFilter(categories=("a",),
                                                              families=("parks",))],
                         ids=["unfiltered", "joined-for-the-category-filter"])
def test_the_statement_never_selects_private_columns(ctx, flt):
    sql = str(export_statement(flt, "America/New_York").compile(db.engine))
    selected = sql.split("\nFROM ", 1)[0]
    assert "report.description" in selected and "ST_X(report.location)" in selected
    for column in PRIVATE_COLUMNS:
        assert column not in sql, column


def test_the_export_connection_refuses_writes(ctx, dummy_category):
    with read_only_connection() as conn:
        assert conn.scalar(text("SELECT count(*) FROM category")) == 1
        with pytest.raises(DBAPIError, match="read-only|readonly"):
            conn.execute(text("UPDATE category SET name = 'Changed'"))
