"""Moderation: content_flag (flags and decisions) and banned_contact (the ban list).

Revision ID: 9e4a1c7d2f53
Revises: 8d3f0b2e5c42
Create Date: 2026-11-22 08:00:00

"""
from alembic import op
import sqlalchemy as sa

import neighborhood.core.db

# revision identifiers, used by Alembic.
revision = '9e4a1c7d2f53'
down_revision = '8d3f0b2e5c42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('content_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('flagger', sa.String(length=80), nullable=False),
    sa.Column('created_at', neighborhood.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', neighborhood.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.String(length=16), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('report_id', 'flagger')
    )
    op.create_index('ix_content_flag_report_id', 'content_flag', ['report_id'], unique=False)
    op.create_table('banned_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pattern', sa.String(length=254), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', neighborhood.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pattern')
    )


def downgrade():
    op.drop_table('banned_contact')
    op.drop_index('ix_content_flag_report_id', table_name='content_flag')
    op.drop_table('content_flag')
