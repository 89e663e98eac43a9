"""What the daemon asks the database: when each source was last fetched."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store.models import SourceRow


def fetch_times(session: Session) -> dict[str, tuple[datetime | None, datetime | None]]:
    """Per source id: (last fetch attempt, not-before from a Retry-After)."""
    rows = session.execute(select(SourceRow.id, SourceRow.last_fetch_at, SourceRow.next_due_at))
    return {ident: (last, not_before) for ident, last, not_before in rows}
