"""A crawl batch's detection: its reads made once for the whole batch, its set changes written at once.

Detection runs source by source inside the batch's transaction. Without this, every source
costs its own queries: its state row, its new and previous snapshots, its open
availability set, the recent dated announcements of its provider, and then one INSERT for its
change, one for its outbox rows, one UPDATE and one INSERT for its intervals. ``begin`` reads
the batch's rows in a few ``IN`` queries: the ORM rows land in the session's identity map (so
``Session.get`` answers from memory, without a query or an autoflush), and the availability
sets and announcements are kept in a ``Batch`` attached to the session, which detection keeps
current as it goes. Availability changes are queued on the batch (``defer``) and ``write``
stores them together, in the same transaction, before it commits: the changes in one
multi-row INSERT, their outbox rows in another, the intervals in one UPDATE and one INSERT.
``release`` detaches the batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from monitor.chunked import chunked
from monitor.store.availability import SetChange, apply_set_changes, open_codes
from monitor.store.changes import record_changes
from monitor.store.models import AvailabilityRow, ChangeRow, SnapshotRow, SourceRow
from monitor.types import Change, ChangeKind, Route

_KEY = "regionwatch.batch"
_CHUNK = 900  # ids per IN list: well under every backend's bound-parameter limit

Product = tuple[str, str]  # (provider, product)


@dataclass(frozen=True, slots=True)
class _Deferred:
    """An availability change waiting for the batch's write: its row (if it alerts) and its intervals."""

    row: ChangeRow | None
    change: Change | None
    routes: Sequence[Route]
    intervals: SetChange


@dataclass(slots=True, kw_only=True)
class Batch:
    """The availability sets and dated announcements a batch's detection consults, and its queued writes."""

    open_sets: dict[Product, frozenset[str] | None] = field(default_factory=dict)
    signals_since: datetime | None = None
    signals: dict[str, list[ChangeRow]] = field(default_factory=dict)
    #: The loaded ORM rows: the identity map only holds weak references, this keeps them in it.
    rows: list[object] = field(default_factory=list)
    deferred: list[_Deferred] = field(default_factory=list)
    #: Sources whose claim detection held as suspect in this batch.
    held: set[str] = field(default_factory=set)

    def open_codes(self, session: Session, provider: str, product: str) -> frozenset[str] | None:
        """What ``store.availability.open_codes`` would answer now, from memory when loaded."""
        key = (provider, product)
        if key not in self.open_sets:
            self.open_sets[key] = open_codes(session, provider, product)
        return self.open_sets[key]

    def applied(self, provider: str, product: str, added: Iterable[str], removed: Iterable[str]) -> None:
        """Keep the set current after ``apply_set_change`` wrote to the intervals."""
        key = (provider, product)
        before = self.open_sets.get(key) or frozenset()
        self.open_sets[key] = (before - frozenset(removed)) | frozenset(added)

    def dated_signals(self, session: Session, provider: str, since: datetime) -> list[ChangeRow]:
        """The provider's signal changes with an effective date detected since ``since``, newest first."""
        if self.signals_since is None or since < self.signals_since:
            return dated_signals(session, provider, since)
        return [row for row in self.signals.get(provider, ()) if row.detected_at >= since]

    def defer(self, intervals: SetChange, *, row: ChangeRow | None = None, change: Change | None = None,
              routes: Sequence[Route] = ()) -> None:
        """Queue a set change (and the change row that alerts it, built by ``changes.change_row``)."""
        self.deferred.append(_Deferred(row, change, routes, intervals))
        self.applied(intervals.provider, intervals.product, intervals.added, intervals.removed)

    def write(self, session: Session) -> None:
        """Store the queued changes, their outbox rows and their intervals; the queue is then empty."""
        queued, self.deferred = self.deferred, []
        alerted = [(d.row, d.change, d.routes) for d in queued if d.row is not None and d.change is not None]
        record_changes(session, alerted)
        apply_set_changes(session, [
            replace(d.intervals, change_id=d.row.id if d.row is not None else d.intervals.change_id)
            for d in queued
        ])

    def signal_recorded(self, row: ChangeRow) -> None:
        """A signal change written during the batch: later lookups must see it."""
        if row.effective_date is None or row.provider is None:
            return
        rows = self.signals.setdefault(row.provider, [])
        rows.append(row)
        rows.sort(key=lambda r: r.detected_at, reverse=True)


def begin(session: Session, *, source_ids: Sequence[str], snapshot_ids: Sequence[int],
          products: Sequence[Product], earliest: datetime | None, signal_lookback: timedelta) -> Batch:
    """Read the batch's rows in bulk and attach the batch to ``session`` until ``release``."""
    loaded = Batch(open_sets=_open_sets(session, sorted(set(products))))
    for names in chunked(sorted(set(source_ids)), _CHUNK):
        loaded.rows += session.scalars(select(SourceRow).where(SourceRow.id.in_(names)))
    for ids in chunked(sorted(set(snapshot_ids)), _CHUNK):
        loaded.rows += session.scalars(select(SnapshotRow).where(SnapshotRow.id.in_(ids))
                                       .options(defer(SnapshotRow.raw_body)))
    if earliest is not None:
        since = earliest - signal_lookback
        loaded.signals_since = since
        for row in dated_signals(session, None, since):
            loaded.signals.setdefault(row.provider or "", []).append(row)
    session.info[_KEY] = loaded
    return loaded


def current(session: Session) -> Batch | None:
    """The batch whose detection runs on this session, if any."""
    found = session.info.get(_KEY)
    return found if isinstance(found, Batch) else None


def release(session: Session) -> None:
    """Detach the batch and let go of its rows (the session keeps the ones it changed).

    Queued writes not written by then are dropped: ``release`` after an error, whose
    transaction rolls back anyway; call ``Batch.write`` first on success.
    """
    session.info.pop(_KEY, None)


def _open_sets(session: Session, products: Sequence[Product]) -> dict[Product, frozenset[str] | None]:
    """Each product's open countries; frozenset() if it had intervals once, None if never observed.

    One row per product (its open countries joined by the database), not one per interval.
    """
    wanted = set(products)
    sets: dict[Product, frozenset[str] | None] = {}
    for chunk in chunked(sorted({product for _, product in products}), _CHUNK):
        rows = session.execute(
            select(AvailabilityRow.provider, AvailabilityRow.product,
                   func.aggregate_strings(AvailabilityRow.country, ","))
            .where(AvailabilityRow.product.in_(chunk), AvailabilityRow.valid_to.is_(None))
            .group_by(AvailabilityRow.provider, AvailabilityRow.product))
        for provider, product, joined in rows:
            if (provider, product) in wanted:
                sets[(provider, product)] = frozenset(joined.split(","))
    closed_or_new = sorted(wanted - sets.keys())
    for chunk in chunked(sorted({product for _, product in closed_or_new}), _CHUNK):
        seen = set(session.execute(
            select(AvailabilityRow.provider, AvailabilityRow.product)
            .where(AvailabilityRow.product.in_(chunk)).distinct()))
        in_chunk = set(chunk)
        for key in closed_or_new:
            if key[1] in in_chunk:
                sets[key] = frozenset() if key in seen else None
    return sets


def dated_signals(session: Session, provider: str | None, since: datetime) -> list[ChangeRow]:
    """Signal changes with an effective date detected since ``since`` (one provider's, or all), newest first."""
    query = select(ChangeRow).where(
        ChangeRow.kind == ChangeKind.SIGNAL.value, ChangeRow.effective_date.is_not(None),
        ChangeRow.detected_at >= since,
    ).order_by(ChangeRow.detected_at.desc())
    if provider is not None:
        query = query.where(ChangeRow.provider == provider)
    return list(session.scalars(query))


