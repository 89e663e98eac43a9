"""Who served whom when, and what changed: rows ready to print or serve."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from monitor.extract.countries import country_name
from monitor.store import availability as store_availability
from monitor.store import reads
from monitor.store.changes import list_changes
from monitor.store.models import ChangeRow


def availability(
    sessions: sessionmaker[Session],
    *,
    at: datetime,
    provider: str | None = None,
    product: str | None = None,
    country: str | None = None,
) -> list[dict[str, Any]]:
    """One row per (provider, product, country) available at the moment."""
    with sessions() as session:
        rows = store_availability.as_of(session, at, provider=provider, product=product, country=country)
    return [
        {
            "provider": r.provider,
            "product": r.product,
            "country": r.country,
            "name": country_name(r.country),
            "valid_from": r.valid_from,
            "valid_to": r.valid_to,
            "caveats": list(r.caveats),
        }
        for r in rows
    ]


def changes(
    sessions: sessionmaker[Session],
    *,
    since: datetime | None = None,
    kind: str | None = None,
    provider: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Detected changes, newest first (corrections included and marked)."""
    with sessions() as session:
        rows = list_changes(session, since=since, kind=kind, provider=provider, limit=limit)
        return [change_dict(row) for row in rows]


def change_dict(row: ChangeRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "source": row.source_id,
        "provider": row.provider,
        "product": row.product,
        "added": list(row.added),
        "removed": list(row.removed),
        "countries": list(row.countries),
        "action": row.action,
        "effective_date": row.effective_date,
        "effective_precision": row.effective_precision,
        "scope": row.scope,
        "detected_at": row.detected_at,
        "severity": row.severity,
        "correction": row.correction,
        "url": row.url,
        "title": row.title,
    }


def intervals(
    sessions: sessionmaker[Session],
    *,
    provider: str | None = None,
    product: str | None = None,
    country: str | None = None,
    since: datetime | None = None,
) -> list[dict[str, Any]]:
    """Every availability interval, oldest first, with when it started and ended and why."""
    with sessions() as session:
        rows = reads.intervals(session, provider=provider, product=product, country=country, since=since)
    return [interval_dict(r) for r in rows]


def interval_dict(r: reads.EvidencedInterval) -> dict[str, Any]:
    opened, closed = r.opened_by, r.closed_by
    return {
        "provider": r.provider,
        "product": r.product,
        "country": r.country,
        "name": country_name(r.country),
        "valid_from": r.valid_from,
        "valid_to": r.valid_to,
        "recorded_at": r.recorded_at,
        "closed_at": r.closed_at,
        "change_id": opened.id if opened else None,
        "change_title": opened.title if opened else None,
        "snapshot_id": r.snapshot_id,
        "closed_by_change_id": closed.id if closed else None,
        "closed_by_title": closed.title if closed else None,
        "evidence": _evidence(opened, r.snapshot_id),
        "ended_by": _evidence(closed, None) if r.closed_at else None,
        "caveats": list(r.caveats),
    }


def _evidence(change: reads.ChangeRef | None, snapshot_id: int | None) -> str | None:
    if change is not None:
        return f"change {change.id}: {change.title}" + (" (correction)" if change.correction else "")
    if snapshot_id is not None:
        return f"snapshot {snapshot_id} (first observation)"
    return None


def change(sessions: sessionmaker[Session], change_id: int) -> dict[str, Any] | None:
    """One change with its countries named, its evidence and its text diff; None when unknown."""
    with sessions() as session:
        row = reads.get_change(session, change_id)
        if row is None:
            return None
        shots = reads.snapshots(session, (row.from_snapshot_id, row.to_snapshot_id))
        news = reads.news_item(session, row.news_item_id) if row.news_item_id is not None else None
    detail = change_dict(row)
    detail["names"] = {str(c): country_name(str(c)) for c in (*row.added, *row.removed, *row.countries)}
    diff = row.diff or {}
    detail["diff"] = {
        "lines": str(diff.get("lines") or ""),
        "words": _words(diff.get("words")),
        "truncated": bool(diff.get("truncated")),
        "unmapped": list(diff.get("unmapped") or []),
    }
    detail["evidence"] = {
        "from_snapshot": _snapshot(shots.get(row.from_snapshot_id) if row.from_snapshot_id else None),
        "to_snapshot": _snapshot(shots.get(row.to_snapshot_id) if row.to_snapshot_id else None),
        "news_item": news,
    }
    return detail


def _words(value: Any) -> list[list[Any]]:
    """The stored word diff as [[op, text], ...] with op -1, 0 or 1; anything else dropped."""
    if not isinstance(value, list):
        return []
    return [
        [int(op), str(text)]
        for op, text in (p for p in value if isinstance(p, list) and len(p) == 2)
        if op in (-1, 0, 1)
    ]


def _snapshot(ref: reads.SnapshotRef | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    return {"id": ref.id, "first_seen": ref.first_seen, "last_seen": ref.last_seen, "final_url": ref.final_url}
