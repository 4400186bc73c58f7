"""Officer walks: the walk table and report.walk_uuid (no foreign key: reports may come first).

Revision ID: 7c2e9a1d4b31
Revises: 5b1d0e6f7a20
Create Date: 2026-11-23 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import neighborhood.core.db

# revision identifiers, used by Alembic.
revision = '7c2e9a1d4b31'
down_revision = '5b1d0e6f7a20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('walk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('started_at', neighborhood.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', neighborhood.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('track', sa.JSON(), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=False),
    sa.Column('created_at', neighborhood.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', neighborhood.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['officer_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('uuid')
    )
    op.create_index('ix_walk_officer_id', 'walk', ['officer_id'], unique=False)
    op.create_index('ix_walk_started_at', 'walk', ['started_at'], unique=False)

    # Plain ADD COLUMN on both engines (see core.migration_ops): no batch rebuild of report.
    op.add_column('report', sa.Column('walk_uuid', sa.String(length=36), nullable=True))
    op.create_index('ix_report_walk_uuid', 'report', ['walk_uuid'], unique=False)


def downgrade():
    op.drop_index('ix_report_walk_uuid', table_name='report')
    op.drop_column('report', 'walk_uuid')
    op.drop_index('ix_walk_started_at', table_name='walk')
    op.drop_index('ix_walk_officer_id', table_name='walk')
    op.drop_table('walk')
