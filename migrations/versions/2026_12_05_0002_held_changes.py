"""held changes: set changes waiting for a confirming read or a person; the last good read

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 04:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import monitor.store.types

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('held_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.String(length=100), nullable=False),
    sa.Column('provider', sa.String(length=100), nullable=False),
    sa.Column('product', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('damage', sa.Boolean(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('codes', _JSON, nullable=False),
    sa.Column('added', _JSON, nullable=False),
    sa.Column('removed', _JSON, nullable=False),
    sa.Column('first_seen_at', monitor.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', monitor.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reads', sa.Integer(), nullable=False),
    sa.Column('confirm_due_at', monitor.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('snapshot_id', sa.Integer(), nullable=True),
    sa.Column('from_snapshot_id', sa.Integer(), nullable=True),
    sa.Column('final_url', sa.Text(), nullable=True),
    sa.Column('resolved_at', monitor.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=100), nullable=True),
    sa.Column('change_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['change_id'], ['changes.id'], name=op.f('fk_held_changes_change_id_changes')),
    sa.ForeignKeyConstraint(['from_snapshot_id'], ['snapshots.id'], name=op.f('fk_held_changes_from_snapshot_id_snapshots')),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshots.id'], name=op.f('fk_held_changes_snapshot_id_snapshots')),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_held_changes_source_id_sources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_held_changes'))
    )
    op.create_index('ix_held_changes_due', 'held_changes', ['status', 'confirm_due_at'], unique=False)
    op.create_index('uq_held_changes_open', 'held_changes', ['source_id'], unique=True,
                    sqlite_where=sa.text("status = 'held'"), postgresql_where=sa.text("status = 'held'"))
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('good_snapshot_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_sources_good_snapshot_id_snapshots'), 'snapshots',
                                    ['good_snapshot_id'], ['id'])
        batch_op.drop_column('pending_codes')


def downgrade() -> None:
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_codes', _JSON, nullable=True))
        batch_op.drop_constraint(batch_op.f('fk_sources_good_snapshot_id_snapshots'), type_='foreignkey')
        batch_op.drop_column('good_snapshot_id')
    op.drop_index('uq_held_changes_open', table_name='held_changes',
                  sqlite_where=sa.text("status = 'held'"), postgresql_where=sa.text("status = 'held'"))
    op.drop_index('ix_held_changes_due', table_name='held_changes')
    op.drop_table('held_changes')
