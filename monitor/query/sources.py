"""Source health: per source, how its last fetch ended, its failure streak, suspicion, last change."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from monitor.store import reads
from monitor.store.held import held_changes
from monitor.store.models import SourceRow


def status(sessions: sessionmaker[Session], *, provider: str | None = None) -> list[dict[str, Any]]:
    """One row per source of the current catalog, by provider and id."""
    with sessions() as session:
        rows = reads.sources(session, provider=provider)
        latest = reads.latest_change_by_source(session, [r.id for r in rows])
        waiting = {v.source: v for v in held_changes(session)}
    result = []
    for row in rows:
        change = latest.get(row.id)
        result.append({
            "id": row.id, "provider": row.provider, "product": row.product, "kind": row.kind, "url": row.url,
            "enabled": row.enabled, "health": health(row), "last_outcome": row.last_outcome,
            "last_fetch_at": row.last_fetch_at, "last_success_at": row.last_success_at,
            "consecutive_failures": row.consecutive_failures or 0, "failing_since": row.failing_since,
            "suspect": row.suspect_since is not None, "suspect_reason": row.suspect_reason,
            "suspect_since": row.suspect_since, "last_change_id": change.id if change else None,
            "last_change_at": change.detected_at if change else None,
            "last_change_title": change.title if change else None,
            "held_change_id": waiting[row.id].id if row.id in waiting else None,
            "held_reason": waiting[row.id].reason if row.id in waiting else None,
        })
    return result


def health(row: SourceRow) -> str:
    """One word: disabled, suspect, failing, never fetched or ok."""
    if not row.enabled:
        return "disabled"
    if row.suspect_since is not None:
        return "suspect"
    if row.consecutive_failures:
        return "failing"
    if row.last_fetch_at is None:
        return "never fetched"
    return "ok"
