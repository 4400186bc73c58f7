"""Viewport reads: report ids by H3 cell, newest first, for a small view's page.

Revision ID: c2d9e6a1b834
Revises: a4c81f0e5d67
Create Date: 2026-11-22 18:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c2d9e6a1b834'
down_revision = 'a4c81f0e5d67'
branch_labels = None
depends_on = None


# PostgreSQL reads each cell of a small view backwards by id and merges them
# (reports.queries._merged_page_ids), from this index alone: it INCLUDEs what the public
# list filters on, as idx_report_location does. SpatiaLite pages read the R*Tree
# (core.spatial.Newest); there the index serves look-ups by cell, as ix_report_h3_r9 did.
# It replaces ix_report_h3_r9 on both: its first column answers the same look-ups.


def upgrade():
    op.create_index('ix_report_h3_r9_id', 'report', ['h3_r9', 'id'],
                    postgresql_include=['status', 'category_id', 'created_at', 'location'])
    op.drop_index('ix_report_h3_r9', table_name='report')


def downgrade():
    op.create_index('ix_report_h3_r9', 'report', ['h3_r9'])
    op.drop_index('ix_report_h3_r9_id', table_name='report')
