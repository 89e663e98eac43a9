"""changes: an effective date's precision (day or month) and a restriction's scope (territory or ownership)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 13:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing rows were all read as days and as territory restrictions: the defaults say so.
    op.add_column('changes', sa.Column('effective_precision', sa.String(length=5), nullable=False,
                                       server_default='day'))
    op.add_column('changes', sa.Column('scope', sa.String(length=10), nullable=False, server_default='territory'))


def downgrade() -> None:
    with op.batch_alter_table('changes') as batch:
        batch.drop_column('scope')
        batch.drop_column('effective_precision')
