"""Fetch bookkeeping: per-source state in, fetch rows, snapshots and source updates out, in bulk.

Every function takes the caller's session and issues a handful of statements for a whole
chunk of sources (executemany, RETURNING), never one round trip per column or per page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from monitor.chunked import chunked
from monitor.store.models import FetchRow, SnapshotRow, SourceRow

_CHUNK = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceState:
    """What earlier crawls left for a source: validators, failure streak, latest snapshot."""

    source_id: str
    etag: str | None = None
    last_modified: str | None = None
    next_due_at: datetime | None = None
    last_success_at: datetime | None = None
    consecutive_failures: int = 0
    failing_since: datetime | None = None
    snapshot_id: int | None = None
    raw_hash: str | None = None
    content_hash: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NewSnapshot:
    """A snapshot row to insert (``raw_body`` already compressed)."""

    source_id: str
    content_hash: str
    raw_hash: str
    raw_body: bytes
    content_type: str | None
    final_url: str | None
    text: str
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchRecord:
    """A fetches row to insert."""

    source_id: str
    started_at: datetime
    finished_at: datetime
    http_status: int | None
    outcome: str
    error_class: str | None
    error: str | None
    bytes: int
    duration_ms: int
    final_url: str | None
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    snapshot_id: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceUpdate:
    """The fetch-state columns of a sources row after a fetch."""

    id: str
    etag: str | None
    last_modified: str | None
    last_fetch_at: datetime
    last_success_at: datetime | None
    last_outcome: str
    consecutive_failures: int
    failing_since: datetime | None
    next_due_at: datetime | None


def load_states(session: Session, source_ids: Sequence[str]) -> dict[str, SourceState]:
    """The state of each source (absent ids are left out), with its latest snapshot's hashes."""
    states: dict[str, SourceState] = {}
    for chunk in chunked(source_ids, _CHUNK):
        states.update(_load_chunk(session, chunk))
    return states


def _load_chunk(session: Session, ids: list[str]) -> dict[str, SourceState]:
    latest = select(func.max(SnapshotRow.id)).where(SnapshotRow.source_id.in_(ids)).group_by(SnapshotRow.source_id)
    snaps = {
        source_id: (ident, raw, content)
        for ident, source_id, raw, content in session.execute(
            select(SnapshotRow.id, SnapshotRow.source_id, SnapshotRow.raw_hash, SnapshotRow.content_hash).where(
                SnapshotRow.id.in_(latest)
            )
        )
    }
    rows = session.execute(
        select(
            SourceRow.id,
            SourceRow.etag,
            SourceRow.last_modified,
            SourceRow.next_due_at,
            SourceRow.last_success_at,
            SourceRow.consecutive_failures,
            SourceRow.failing_since,
        ).where(SourceRow.id.in_(ids))
    )
    states: dict[str, SourceState] = {}
    for ident, etag, modified, due, success, failures, since in rows:
        snap_id, raw, content = snaps.get(ident, (None, None, None))
        states[ident] = SourceState(
            source_id=ident,
            etag=etag,
            last_modified=modified,
            next_due_at=due,
            last_success_at=success,
            consecutive_failures=failures or 0,
            failing_since=since,
            snapshot_id=snap_id,
            raw_hash=raw,
            content_hash=content,
        )
    return states


def insert_snapshots(session: Session, rows: Sequence[NewSnapshot]) -> list[int]:
    """Insert snapshots; their ids, in the order given."""
    if not rows:
        return []
    statement = insert(SnapshotRow).returning(SnapshotRow.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, _rows(rows)))


def touch_snapshots(session: Session, seen: Sequence[tuple[int, datetime]]) -> None:
    """Move last_seen of snapshots whose content was seen again."""
    if seen:
        session.execute(update(SnapshotRow), [{"id": ident, "last_seen": moment} for ident, moment in seen])


def insert_fetches(session: Session, rows: Sequence[FetchRecord]) -> list[int]:
    """Insert fetch rows; their ids, in the order given."""
    if not rows:
        return []
    statement = insert(FetchRow).returning(FetchRow.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, _rows(rows)))


def update_sources(session: Session, rows: Sequence[SourceUpdate]) -> None:
    """Write each source's fetch state (one executemany)."""
    if rows:
        session.execute(update(SourceRow), _rows(rows))


def _rows(records: Sequence[Any]) -> list[dict[str, Any]]:
    """Records as parameter dicts (shallow: dataclasses.asdict deep-copies every value)."""
    names = [f.name for f in fields(records[0])]
    return [{name: getattr(record, name) for name in names} for record in records]
