"""Changes and their outbox rows, written together in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from monitor.routing import destinations
from monitor.store.models import AlertRow, ChangeRow
from monitor.types import Change, Route


def record_change(
    session: Session,
    change: Change,
    *,
    routes: Sequence[Route],
    detected_at: datetime,
    from_snapshot_id: int | None = None,
    to_snapshot_id: int | None = None,
    news_item_id: int | None = None,
    correction: bool = False,
    dedup: str | None = None,
) -> ChangeRow:
    """Store a change and, unless it is a correction, one outbox row per destination."""
    row = change_row(
        change,
        detected_at=detected_at,
        from_snapshot_id=from_snapshot_id,
        to_snapshot_id=to_snapshot_id,
        news_item_id=news_item_id,
        correction=correction,
    )
    session.add(row)
    session.flush()
    if not correction:
        enqueue(session, row, change, routes=routes, now=detected_at, dedup=dedup)
    return row


def record_changes(session: Session, changes: Sequence[tuple[ChangeRow, Change, Sequence[Route]]]) -> None:
    """Store built change rows (see ``change_row``) and their outbox rows, in a few statements."""
    if not changes:
        return
    session.add_all([row for row, _, _ in changes])
    session.flush()  # one multi-row INSERT ... RETURNING for the ids
    alerts = [alert for row, change, routes in changes for alert in _alerts(row, change, routes, row.detected_at, None)]
    if alerts:
        session.execute(insert(AlertRow), alerts)


def change_row(
    change: Change,
    *,
    detected_at: datetime,
    from_snapshot_id: int | None = None,
    to_snapshot_id: int | None = None,
    news_item_id: int | None = None,
    correction: bool = False,
) -> ChangeRow:
    """The row for a change, not yet added to a session."""
    return ChangeRow(
        kind=change.kind.value,
        source_id=change.source_id,
        provider=change.provider,
        product=change.product,
        added=list(change.added),
        removed=list(change.removed),
        countries=list(change.countries),
        action=change.action,
        effective_date=change.effective_date,
        effective_precision=change.effective_precision,
        scope=change.scope,
        detected_at=detected_at,
        severity=int(change.severity),
        correction=correction,
        title=change.title,
        url=change.url,
        diff=dict(change.diff) or None,
        from_snapshot_id=from_snapshot_id,
        to_snapshot_id=to_snapshot_id,
        news_item_id=news_item_id,
    )


def enqueue(
    session: Session,
    row: ChangeRow,
    change: Change,
    *,
    routes: Sequence[Route],
    now: datetime,
    dedup: str | None = None,
) -> int:
    """Outbox rows for a stored change; the dedup key makes a second enqueue impossible."""
    rows = _alerts(row, change, routes, now, dedup)
    if rows:
        session.execute(insert(AlertRow), rows)
    return len(rows)


def _alerts(
    row: ChangeRow, change: Change, routes: Sequence[Route], now: datetime, dedup: str | None
) -> list[dict[str, object]]:
    base = dedup or f"change:{row.id}"
    return [
        {
            "change_id": row.id,
            "channel": d.channel,
            "destination": d.target,
            "dedup_key": f"{base}:{d.channel}:{d.target}",
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for d in destinations(change, routes)
    ]


def list_changes(
    session: Session,
    *,
    since: datetime | None = None,
    kind: str | None = None,
    provider: str | None = None,
    limit: int | None = None,
) -> list[ChangeRow]:
    """Stored changes, newest first."""
    query = select(ChangeRow).order_by(ChangeRow.detected_at.desc(), ChangeRow.id.desc())
    if since is not None:
        query = query.where(ChangeRow.detected_at >= since)
    if kind is not None:
        query = query.where(ChangeRow.kind == kind)
    if provider is not None:
        query = query.where(ChangeRow.provider == provider)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))
