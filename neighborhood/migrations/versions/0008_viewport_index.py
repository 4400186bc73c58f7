"""Viewport reads: idx_report_location covers the public list's filter, for index-only scans.

Revision ID: a4c81f0e5d67
Revises: 9e4a1c7d2f53
Create Date: 2026-11-22 10:30:00

"""
from alembic import op

from neighborhood.core.migration_ops import is_postgres

# revision identifiers, used by Alembic.
revision = 'a4c81f0e5d67'
down_revision = '9e4a1c7d2f53'
branch_labels = None
depends_on = None


# PostgreSQL: the map's page of ids (reports.queries.public_page_ids) then reads the index
# alone, not one heap page per report in the view (docs/benchmarks.md, "Viewport reads").
# `location` is included as well as indexed: a GiST key holds only its bounding box.
# SQLite: nothing to do; a SpatiaLite R*Tree cannot carry columns.


def upgrade():
    if is_postgres():
        op.execute('DROP INDEX idx_report_location')
        op.execute('CREATE INDEX idx_report_location ON report USING gist (location) '
                   'INCLUDE (id, status, category_id, created_at, location)')


def downgrade():
    if is_postgres():
        op.execute('DROP INDEX idx_report_location')
        op.execute('CREATE INDEX idx_report_location ON report USING gist (location)')
