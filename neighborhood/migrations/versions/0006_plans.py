"""Action plans: plan, plan_version (written once) and plan_commitment (frozen baselines).

Revision ID: 8d3f0b2e5c42
Revises: 7c2e9a1d4b31
Create Date: 2026-11-24 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import neighborhood.core.db
from neighborhood.core.db import in_check

# revision identifiers, used by Alembic.
revision = '8d3f0b2e5c42'
down_revision = '7c2e9a1d4b31'
branch_labels = None
depends_on = None

METRICS = ('median_days_to_resolve', 'within_sla_share', 'open_backlog', 'hotspot_cells',
           'reopen_rate', 'reports_per_1000')
FAMILIES = ('lighting', 'parks', 'signs', 'problem_business', 'other')


def upgrade():
    # New tables only: no ALTER of existing ones, so the same DDL runs on both engines.
    op.create_table('plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('created_at', neighborhood.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id']),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_plan_area_id', 'plan', ['area_id'], unique=False)
    op.create_table('plan_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('meeting_date', sa.Date(), nullable=False),
    sa.Column('participants', sa.JSON(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.Column('baseline_from', sa.Date(), nullable=False),
    sa.Column('baseline_to', sa.Date(), nullable=False),
    sa.Column('author_role', sa.String(length=16), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('change_note', sa.Text(), nullable=False),
    sa.Column('created_at', neighborhood.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint(in_check('author_role', ('system', 'admin')),
                       name='ck_plan_version_author'),
    sa.CheckConstraint('baseline_from < baseline_to', name='ck_plan_version_baseline'),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_id', 'number', name='uq_plan_version_number')
    )
    op.create_index('ix_plan_version_author_id', 'plan_version', ['author_id'], unique=False)
    op.create_index('ix_plan_version_plan_id', 'plan_version', ['plan_id'], unique=False)
    op.create_table('plan_commitment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=40), nullable=False),
    sa.Column('family', sa.String(length=32), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('target', sa.Float(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('owner_kind', sa.String(length=16), nullable=False),
    sa.Column('owner_name', sa.String(length=200), nullable=False),
    sa.Column('owner_department_id', sa.Integer(), nullable=True),
    sa.Column('adopted_on', sa.Date(), nullable=False),
    sa.Column('baseline', sa.Float(), nullable=True),
    sa.Column('baseline_n', sa.Integer(), nullable=False),
    sa.Column('baseline_note', sa.Text(), nullable=True),
    sa.Column('baseline_computed_at', neighborhood.core.db.UTCDateTime(timezone=True),
              nullable=False),
    sa.Column('baseline_recomputed', sa.Boolean(), nullable=False),
    sa.CheckConstraint(in_check('metric', METRICS), name='ck_plan_commitment_metric'),
    sa.CheckConstraint(f"family IS NULL OR {in_check('family', FAMILIES)}",
                       name='ck_plan_commitment_family'),
    sa.CheckConstraint(in_check('owner_kind', ('department', 'group')),
                       name='ck_plan_commitment_owner'),
    sa.ForeignKeyConstraint(['owner_department_id'], ['department.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version_id', 'number', name='uq_plan_commitment_number')
    )
    op.create_index('ix_plan_commitment_owner_department_id', 'plan_commitment',
                    ['owner_department_id'], unique=False)
    op.create_index('ix_plan_commitment_version_id', 'plan_commitment', ['version_id'],
                    unique=False)


def downgrade():
    op.drop_index('ix_plan_commitment_version_id', table_name='plan_commitment')
    op.drop_index('ix_plan_commitment_owner_department_id', table_name='plan_commitment')
    op.drop_table('plan_commitment')
    op.drop_index('ix_plan_version_plan_id', table_name='plan_version')
    op.drop_index('ix_plan_version_author_id', table_name='plan_version')
    op.drop_table('plan_version')
    op.drop_index('ix_plan_area_id', table_name='plan')
    op.drop_table('plan')
