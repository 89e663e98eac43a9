"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 02:46:47.023114
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import monitor.store.types

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('digests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', monitor.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', monitor.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recipients', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('message_id', sa.String(length=300), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digests')),
    sa.UniqueConstraint('period', name=op.f('uq_digests_period'))
    )
    op.create_table('sources',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('provider', sa.String(length=100), nullable=False),
    sa.Column('product', sa.String(length=100), nullable=True),
    sa.Column('every_seconds', sa.Integer(), nullable=False),
    sa.Column('settings', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', monitor.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', monitor.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('removed_at', monitor.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('etag', sa.Text(), nullable=True),
    sa.Column('last_modified', sa.Text(), nullable=True),
    sa.Column('last_fetch_at', monitor.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', monitor.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_outcome', sa.String(length=20), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('failing_since', monitor.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('suspect_since', monitor.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('suspect_reason', sa.String(length=40), nullable=True),
    sa.Column('pending_codes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('next_due_at', monitor.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sources'))
    )
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sources_provider'), ['provider'], unique=False)

    op.create_table('news_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.String(length=100), nullable=False),
    sa.Column('entry_key', sa.String(length=500), nullable=False),
    sa.Column('link', sa.Text(), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=True),
    sa.Column('published_at', monitor.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_guessed', sa.Boolean(), nullable=False),
    sa.Column('first_seen', monitor.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen', monitor.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('edited_at', monitor.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('edits', sa.Integer(), nullable=False),
    sa.Column('bozo', sa.Boolean(), nullable=False),
    sa.Column('signal', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_news_items_source_id_sources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_news_items')),
    sa.UniqueConstraint('source_id', 'entry_key', name=op.f('uq_news_items_source_id_entry_key'))
    )
    op.create_table('snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.String(length=100), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('raw_hash', sa.String(length=64), nullable=False),
    sa.Column('raw_body', sa.LargeBinary(), nullable=False),
    sa.Column('content_type', sa.String(length=200), nullable=True),
    sa.Column('final_url', sa.Text(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('claims', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('first_seen', monitor.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen', monitor.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_snapshots_source_id_sources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_snapshots'))
    )
    with op.batch_alter_table('snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_snapshots_source_hash', ['source_id', 'content_hash'], unique=False)

    op.create_table('changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.String(length=100), nullable=True),
    sa.Column('provider', sa.String(length=100), nullable=True),
    sa.Column('product', sa.String(length=100), nullable=True),
    sa.Column('from_snapshot_id', sa.Integer(), nullable=True),
    sa.Column('to_snapshot_id', sa.Integer(), nullable=True),
    sa.Column('news_item_id', sa.Integer(), nullable=True),
    sa.Column('added', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('removed', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('countries', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=True),
    sa.Column('effective_date', sa.Date(), nullable=True),
    sa.Column('detected_at', monitor.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('severity', sa.Integer(), nullable=False),
    sa.Column('correction', sa.Boolean(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('diff', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['from_snapshot_id'], ['snapshots.id'], name=op.f('fk_changes_from_snapshot_id_snapshots')),
    sa.ForeignKeyConstraint(['news_item_id'], ['news_items.id'], name=op.f('fk_changes_news_item_id_news_items')),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_changes_source_id_sources')),
    sa.ForeignKeyConstraint(['to_snapshot_id'], ['snapshots.id'], name=op.f('fk_changes_to_snapshot_id_snapshots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_changes'))
    )
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.create_index('ix_changes_detected', ['detected_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_changes_kind'), ['kind'], unique=False)

    op.create_table('fetches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.String(length=100), nullable=False),
    sa.Column('started_at', monitor.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', monitor.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('error_class', sa.String(length=20), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('bytes', sa.Integer(), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('final_url', sa.Text(), nullable=True),
    sa.Column('etag', sa.Text(), nullable=True),
    sa.Column('last_modified', sa.Text(), nullable=True),
    sa.Column('body_hash', sa.String(length=64), nullable=True),
    sa.Column('snapshot_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshots.id'], name=op.f('fk_fetches_snapshot_id_snapshots')),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_fetches_source_id_sources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fetches'))
    )
    with op.batch_alter_table('fetches', schema=None) as batch_op:
        batch_op.create_index('ix_fetches_source_started', ['source_id', 'started_at'], unique=False)

    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('destination', sa.String(length=200), nullable=False),
    sa.Column('dedup_key', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', monitor.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_until', monitor.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lease_owner', sa.String(length=100), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('slack_ts', sa.String(length=40), nullable=True),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', monitor.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', monitor.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['change_id'], ['changes.id'], name=op.f('fk_alerts_change_id_changes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_alerts_dedup_key'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('availability',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=100), nullable=False),
    sa.Column('product', sa.String(length=100), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('valid_from', monitor.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('valid_to', monitor.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recorded_at', monitor.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', monitor.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('snapshot_id', sa.Integer(), nullable=True),
    sa.Column('change_id', sa.Integer(), nullable=True),
    sa.Column('caveats', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['change_id'], ['changes.id'], name=op.f('fk_availability_change_id_changes')),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshots.id'], name=op.f('fk_availability_snapshot_id_snapshots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability'))
    )
    with op.batch_alter_table('availability', schema=None) as batch_op:
        batch_op.create_index('ix_availability_asof', ['provider', 'product', 'valid_from', 'valid_to'], unique=False)
        batch_op.create_index('ix_availability_country', ['country', 'valid_from'], unique=False)
        batch_op.create_index('uq_availability_open', ['provider', 'product', 'country'], unique=True, sqlite_where=sa.text('valid_to IS NULL'), postgresql_where=sa.text('valid_to IS NULL'))



def downgrade() -> None:
    with op.batch_alter_table('availability', schema=None) as batch_op:
        batch_op.drop_index('uq_availability_open', sqlite_where=sa.text('valid_to IS NULL'), postgresql_where=sa.text('valid_to IS NULL'))
        batch_op.drop_index('ix_availability_country')
        batch_op.drop_index('ix_availability_asof')

    op.drop_table('availability')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_due')

    op.drop_table('alerts')
    with op.batch_alter_table('fetches', schema=None) as batch_op:
        batch_op.drop_index('ix_fetches_source_started')

    op.drop_table('fetches')
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_changes_kind'))
        batch_op.drop_index('ix_changes_detected')

    op.drop_table('changes')
    with op.batch_alter_table('snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_snapshots_source_hash')

    op.drop_table('snapshots')
    op.drop_table('news_items')
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sources_provider'))

    op.drop_table('sources')
    op.drop_table('digests')
