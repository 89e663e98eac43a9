"""Held set changes: which wait for a confirming read, and a person's accept or reject.

A held change waits in ``held_changes`` with status ``held``. A confirming read (see
``detect.decide``) or a person resolves it: ``confirmed`` and ``accepted`` apply it as an
availability change that alerts like any other, from its first sighting; ``rejected`` keeps
the open set and quiets later reads of the same set; ``reverted`` (the page read as before)
and ``superseded`` (a read with yet another set) drop it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.chunked import chunked
from monitor.errors import RegionwatchError
from monitor.store.availability import apply_set_changes, open_codes
from monitor.store.changes import record_changes
from monitor.store.decisions import availability_change
from monitor.store.models import ChangeRow, HeldChangeRow, HeldStatus, SnapshotRow, SourceRow
from monitor.types import Catalog, Route

_CHUNK = 900


class HeldError(RegionwatchError):
    """A held change that cannot be accepted or rejected as asked."""


@dataclass(frozen=True, slots=True, kw_only=True)
class HeldView:
    """A held change as the CLI and the web view show it."""

    id: int
    source: str
    provider: str
    product: str
    status: str
    reason: str
    damage: bool
    added: tuple[str, ...]
    removed: tuple[str, ...]
    detail: str
    first_seen: datetime
    last_seen: datetime
    reads: int
    confirm_due: datetime | None
    resolved_at: datetime | None
    resolved_by: str | None
    change_id: int | None


def held_changes(
    session: Session,
    *,
    status: HeldStatus | None = HeldStatus.HELD,
    source: str | None = None,
    limit: int | None = None,
) -> list[HeldView]:
    """Held changes, newest first (``status=None``: every one, resolved ones too)."""
    query = select(HeldChangeRow).order_by(HeldChangeRow.first_seen_at.desc(), HeldChangeRow.id.desc())
    if status is not None:
        query = query.where(HeldChangeRow.status == status)
    if source is not None:
        query = query.where(HeldChangeRow.source_id == source)
    if limit is not None:
        query = query.limit(limit)
    return [_view(row) for row in session.scalars(query)]


def held_counts(session: Session) -> Mapping[str, int]:
    """How many open held changes each source has (0 or 1), for status pages."""
    return Counter(session.scalars(select(HeldChangeRow.source_id).where(HeldChangeRow.status == HeldStatus.HELD)))


def confirmations_due(session: Session, now: datetime, *, among: Iterable[str] | None = None) -> list[str]:
    """Sources whose held change waits for a confirming read due by ``now``."""
    query = select(HeldChangeRow.source_id).where(
        HeldChangeRow.status == HeldStatus.HELD, HeldChangeRow.damage.is_(False), HeldChangeRow.confirm_due_at <= now
    )
    due = sorted(set(session.scalars(query)))
    if among is None:
        return due
    wanted = set(among)
    return [ident for ident in due if ident in wanted]


def awaiting_confirmation(session: Session, source_ids: Sequence[str]) -> set[str]:
    """The sources among these whose held change waits for a confirming read: fetched fresh."""
    found: set[str] = set()
    for part in chunked(sorted(set(source_ids)), _CHUNK):
        found.update(
            session.scalars(
                select(HeldChangeRow.source_id).where(
                    HeldChangeRow.source_id.in_(part),
                    HeldChangeRow.status == HeldStatus.HELD,
                    HeldChangeRow.damage.is_(False),
                )
            )
        )
    return found


def needing_rereads(session: Session, source_ids: Sequence[str]) -> set[str]:
    """The sources among these for which reading the same content again can matter: a held
    change waits, or the source is suspect (a second suspect read tells the operator)."""
    found: set[str] = set()
    for part in chunked(sorted(set(source_ids)), _CHUNK):
        found.update(
            session.scalars(
                select(HeldChangeRow.source_id).where(
                    HeldChangeRow.source_id.in_(part), HeldChangeRow.status == HeldStatus.HELD
                )
            )
        )
        found.update(
            session.scalars(select(SourceRow.id).where(SourceRow.id.in_(part), SourceRow.suspect_since.is_not(None)))
        )
    return found


def accept(
    session: Session, held_id: int, *, catalog: Catalog, now: datetime, by: str, diff: Mapping[str, object]
) -> ChangeRow:
    """Apply a held change a person judged real: an availability change from its first sighting,
    alerted like any other. The diff is taken against the open set as it is now."""
    row = _open(session, held_id)
    source = catalog.by_id().get(row.source_id)
    if source is None:
        raise HeldError(f"held change {held_id}: source {row.source_id!r} is no longer in the catalog")
    current = open_codes(session, row.provider, row.product) or frozenset()
    row.added = sorted(set(row.codes) - current)
    row.removed = sorted(current - set(row.codes))
    if not row.added and not row.removed:
        raise HeldError(f"held change {held_id}: the open set already is what it holds; reject it instead")
    change_row, change, interval = availability_change(session, source, row, now=now, diff=diff, accepted_by=by)
    routes: Sequence[Route] = catalog.routes
    record_changes(session, [(change_row, change, routes)])
    apply_set_changes(session, [replace(interval, change_id=change_row.id)])
    row.status, row.resolved_at, row.resolved_by, row.change_id = HeldStatus.ACCEPTED, now, by, change_row.id
    state = session.get(SourceRow, row.source_id)
    if state is not None:
        state.good_snapshot_id = row.snapshot_id or state.good_snapshot_id
        state.suspect_since, state.suspect_reason = None, None
    return change_row


def reject(session: Session, held_id: int, *, now: datetime, by: str) -> HeldView:
    """Drop a held change a person judged false; the same set read again stays quiet."""
    row = _open(session, held_id)
    row.status, row.resolved_at, row.resolved_by = HeldStatus.REJECTED, now, by
    state = session.get(SourceRow, row.source_id)
    if state is not None and state.suspect_reason == row.reason:
        state.suspect_since, state.suspect_reason = None, None
    return _view(row)


def texts_of(session: Session, held_id: int) -> tuple[str | None, str | None]:
    """The text of the good read before a held change and of its first read (for its diff)."""
    row = session.get(HeldChangeRow, held_id)
    if row is None:
        return None, None
    old = session.get(SnapshotRow, row.from_snapshot_id) if row.from_snapshot_id else None
    new = session.get(SnapshotRow, row.snapshot_id) if row.snapshot_id else None
    return (old.text if old else None), (new.text if new else None)


def _open(session: Session, held_id: int) -> HeldChangeRow:
    row = session.get(HeldChangeRow, held_id)
    if row is None:
        raise HeldError(f"no held change {held_id} (see 'regionwatch held list')")
    if row.status != HeldStatus.HELD:
        raise HeldError(f"held change {held_id} is already {row.status}")
    return row


def _view(row: HeldChangeRow) -> HeldView:
    return HeldView(
        id=row.id,
        source=row.source_id,
        provider=row.provider,
        product=row.product,
        status=row.status,
        reason=row.reason,
        damage=row.damage,
        added=tuple(row.added),
        removed=tuple(row.removed),
        detail=row.detail,
        first_seen=row.first_seen_at,
        last_seen=row.last_seen_at,
        reads=row.reads,
        confirm_due=row.confirm_due_at,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        change_id=row.change_id,
    )
