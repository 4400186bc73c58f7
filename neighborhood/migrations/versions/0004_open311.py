"""Open311: api_keys, batch tokens, category questions and report answers; timeline FK indexes.

Revision ID: 5b1d0e6f7a20
Revises: acd7cd26c63f
Create Date: 2026-11-22 09:10:00

"""
from alembic import op
import sqlalchemy as sa

import neighborhood.core.db
from neighborhood.core.migration_ops import add_fk_column

# revision identifiers, used by Alembic.
revision = '5b1d0e6f7a20'
down_revision = 'acd7cd26c63f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('open311_api_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=8), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', neighborhood.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', neighborhood.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', neighborhood.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('digest'),
    sa.UniqueConstraint('name')
    )
    op.create_table('open311_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('created_at', neighborhood.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token')
    )
    op.create_index('ix_open311_token_report_id', 'open311_token', ['report_id'], unique=False)

    # Plain ADD COLUMN on both engines (see core.migration_ops).
    op.add_column('category', sa.Column('questions', sa.JSON(), nullable=True))
    op.add_column('category', sa.Column(
        'updated_at', neighborhood.core.db.UTCDateTime(timezone=True), nullable=False,
        server_default=sa.text("'2015-01-01 00:00:00.000000'")))
    op.add_column('report', sa.Column('answers', sa.JSON(), nullable=True))
    add_fk_column('report', 'api_key_id', 'open311_api_key')
    op.create_index('ix_report_api_key_id', 'report', ['api_key_id'], unique=False)
    # Deleting reports or photos checks these foreign keys: without an index, a scan per row.
    op.create_index('ix_status_change_duplicate_of_id', 'status_change', ['duplicate_of_id'],
                    unique=False)
    op.create_index('ix_status_change_photo_id', 'status_change', ['photo_id'], unique=False)


def downgrade():
    op.drop_index('ix_status_change_photo_id', table_name='status_change')
    op.drop_index('ix_status_change_duplicate_of_id', table_name='status_change')
    op.drop_index('ix_report_api_key_id', table_name='report')
    op.drop_column('report', 'api_key_id')
    op.drop_column('report', 'answers')
    op.drop_column('category', 'updated_at')
    op.drop_column('category', 'questions')
    op.drop_index('ix_open311_token_report_id', table_name='open311_token')
    op.drop_table('open311_token')
    op.drop_table('open311_api_key')
