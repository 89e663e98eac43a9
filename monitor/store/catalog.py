"""Syncing the catalog into the sources table: upsert, and never delete history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store.models import SourceRow
from monitor.types import Catalog, Source


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncResult:
    added: tuple[str, ...]
    updated: tuple[str, ...]
    removed: tuple[str, ...]


def sync_sources(session: Session, catalog: Catalog, *, now: datetime) -> SyncResult:
    """Make the sources table match the catalog; removed entries are marked, not deleted."""
    rows = {row.id: row for row in session.scalars(select(SourceRow))}
    added: list[str] = []
    updated: list[str] = []
    for source in catalog.sources:
        row = rows.get(source.id)
        if row is None:
            session.add(_new_row(source, now))
            added.append(source.id)
        elif _apply(row, source, now):
            updated.append(source.id)
    known = catalog.by_id()
    removed = [row.id for row in rows.values() if row.removed_at is None and row.id not in known]
    for ident in removed:
        rows[ident].removed_at = now
        rows[ident].enabled = False
        rows[ident].updated_at = now
    return SyncResult(added=tuple(added), updated=tuple(updated), removed=tuple(removed))


def _columns(source: Source) -> dict[str, Any]:
    return {
        "kind": source.kind.value,
        "url": source.url,
        "provider": source.provider,
        "product": source.product,
        "every_seconds": int(source.every.total_seconds()),
        "settings": _settings(source),
        "enabled": source.enabled,
    }


def _settings(source: Source) -> dict[str, Any]:
    settings: dict[str, Any] = {"ignore": list(source.ignore), "language": source.language}
    if source.availability is not None:
        spec = source.availability
        settings["availability"] = {
            "select": spec.select,
            "exclude": list(spec.exclude),
            "max_unmapped": spec.max_unmapped,
        }
    return settings


def _new_row(source: Source, now: datetime) -> SourceRow:
    return SourceRow(id=source.id, created_at=now, updated_at=now, consecutive_failures=0, **_columns(source))


def _apply(row: SourceRow, source: Source, now: datetime) -> bool:
    changed = row.removed_at is not None
    row.removed_at = None
    for key, value in _columns(source).items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    if changed:
        row.updated_at = now
    return changed
