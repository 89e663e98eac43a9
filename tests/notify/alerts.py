"""Changes with their outbox rows, written the way detection writes them (record_change)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.store.changes import record_change
from monitor.store.engine import transaction
from monitor.store.models import AlertRow
from monitor.types import Change, ChangeKind, Route, Severity

T = datetime(2024, 7, 9, 6, 0, tzinfo=UTC)


def change(n: int = 0, **fields: object) -> Change:
    values: dict[str, object] = {
        "kind": ChangeKind.AVAILABILITY,
        "source_id": None,
        "provider": "acme",
        "product": "api",
        "removed": ("HK",),
        "added": ("VN",),
        "severity": Severity.HIGH,
        "title": f"acme api change {n}",
        "url": "https://acme.example/countries",
    }
    values.update(fields)
    return Change(**values)  # type: ignore[arg-type]


def add(sessions: sessionmaker[Session], *changes: Change, routes: Sequence[Route] = (), at: datetime = T) -> list[int]:
    """Store changes (and their outbox rows); the ids of the changes."""
    with transaction(sessions) as s:
        return [record_change(s, c, routes=routes, detected_at=at).id for c in changes]


def rows(sessions: sessionmaker[Session], **where: object) -> list[AlertRow]:
    with sessions() as s:
        query = select(AlertRow).order_by(AlertRow.id)
        for key, value in where.items():
            query = query.where(getattr(AlertRow, key) == value)
        return list(s.scalars(query))


def one(sessions: sessionmaker[Session], alert_id: int) -> AlertRow:
    with sessions() as s:
        row = s.get(AlertRow, alert_id)
        assert row is not None
        return row
