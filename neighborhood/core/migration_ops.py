"""Schema changes that migrations share and that must work on SQLite and PostgreSQL alike."""

import sqlalchemy as sa
from alembic import op


def is_postgres() -> bool:
    """Return True when the migration runs on PostgreSQL."""
    return op.get_bind().dialect.name == "postgresql"


def add_fk_column(table: str, column: str, target: str) -> None:
    """Add a nullable INTEGER column referencing target.id, ON DELETE SET NULL.

    SQLite gets one ADD COLUMN with its REFERENCES clause: a batch rebuild would break
    SpatiaLite's geometry registration of the report table.
    """
    if is_postgres():
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(f'{table}_{column}_fkey', table, target, [column], ['id'],
                              ondelete='SET NULL')
    else:
        op.execute(f'ALTER TABLE {table} ADD COLUMN {column} INTEGER '
                   f'REFERENCES {target} (id) ON DELETE SET NULL')
