"""Carrying out detection's decisions for a chunk of page reads, in bulk, in the caller's transaction.

One write path for every decision (``detect.decide`` takes them; nothing here judges a read):

- baseline: intervals opened with the snapshot as evidence, nobody alerted;
- same: the read becomes the last good read (unless it came from a moved URL); a held change
  is dropped as ``reverted``; a changed text is a low-severity text change;
- hold: a held change is written (or its reads counted), the fetch says ``held``, and a new
  damage signature tells the operator once;
- confirm: the held change becomes an availability change from its first sighting, with its
  outbox rows, and the fetch says ``confirmed``;
- reject: the fetch says ``suspect``; a rejection that persists tells the operator once.

The caller's fetch rows, snapshots' stored claims and sources' state are updated in a few
executemany statements; changes and their outbox rows in one multi-row INSERT each.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from monitor.detect.decide import Decision, DecisionKind, HoldReason, RejectReason
from monitor.store.availability import SetChange, apply_set_changes
from monitor.store.changes import change_row, record_change, record_changes
from monitor.store.known import ChunkKnown, claim_json
from monitor.store.models import AvailabilityRow, ChangeRow, FetchRow, HeldChangeRow, HeldStatus
from monitor.timeutil import start_of_day
from monitor.types import RESTRICTIVE_ACTIONS, Change, ChangeKind, Claim, Outcome, Route, Severity, Source

log = logging.getLogger(__name__)

SIGNAL_LOOKBACK = timedelta(days=60)


@dataclass(frozen=True, slots=True, kw_only=True)
class PageRead:
    """One read of an availability page and the decision taken on it."""

    source: Source
    decision: Decision
    observed_at: datetime
    fetch_id: int | None
    snapshot_id: int | None  # the snapshot holding what was read (new, or the latest one)
    new_snapshot: bool  # True when this read stored that snapshot
    claim: Claim | None
    complete: bool
    final_url: str | None
    last_modified: datetime | None = None
    #: The text diff to record: a text change's (SAME) or a confirmed change's (CONFIRM).
    diff: Mapping[str, object] | None = None


@dataclass(slots=True, kw_only=True)
class Applied:
    """What carrying out a chunk's decisions wrote."""

    changes: list[ChangeRow] = field(default_factory=list)
    outcomes: dict[str, Outcome] = field(default_factory=dict)


_OUTCOME = {
    DecisionKind.HOLD: Outcome.HELD,
    DecisionKind.CONFIRM: Outcome.CONFIRMED,
    DecisionKind.REJECT: Outcome.SUSPECT,
}


def apply_decisions(
    session: Session, known: ChunkKnown, reads: Sequence[PageRead], *, routes: Sequence[Route], confirm_after: timedelta
) -> Applied:
    """Carry out every read's decision (see the module docstring)."""
    done = Applied()
    baselines: list[SetChange] = []
    holds: list[tuple[PageRead, HeldChangeRow]] = []
    confirmed: list[_Confirmed] = []
    for read in reads:
        kind = read.decision.kind
        if read.new_snapshot and read.claim is not None:
            _store_claim(known, read)
        if kind in _OUTCOME:
            done.outcomes[read.source.id] = _OUTCOME[kind]
        if kind is DecisionKind.BASELINE:
            baselines.append(_baseline(read))
            _good(known, read)
        elif kind is DecisionKind.SAME:
            done.changes += _same(session, known, read, routes)
        elif kind is DecisionKind.HOLD:
            if (row := _hold(known, read, confirm_after)) is not None:
                holds.append((read, row))
        elif kind is DecisionKind.CONFIRM:
            signals = _dated_signals(session, reads) if not confirmed else confirmed[0].signals
            confirmed.append(_confirm(session, known, read, signals))
        else:
            done.changes += _reject(session, known, read, routes)
    session.add_all([row for _, row in holds])
    session.flush()  # the held rows' ids, for the operator's notices
    notices = [_notice(read, row) for read, row in holds if read.decision.notice]
    alerted = [(c.row, c.change, routes) for c in confirmed] + [(row, change, routes) for row, change in notices]
    record_changes(session, alerted)  # the change rows get their ids
    for c in confirmed:
        c.held.change_id = c.row.id
    apply_set_changes(session, [*baselines, *(replace(c.interval, change_id=c.row.id) for c in confirmed)])
    done.changes += [row for row, _, _ in alerted]
    _fetch_outcomes(session, known, reads, done.outcomes)
    return done


@dataclass(frozen=True, slots=True)
class _Confirmed:
    """A held change being applied: its change row (id once written), record and intervals."""

    held: HeldChangeRow
    row: ChangeRow
    change: Change
    interval: SetChange
    signals: Sequence[ChangeRow]  # the chunk's dated announcements, read once


def _store_claim(known: ChunkKnown, read: PageRead) -> None:
    assert read.claim is not None and read.snapshot_id is not None
    snapshot = known.snapshots.get(read.snapshot_id)
    if snapshot is not None:
        stored = claim_json(read.claim, complete=read.complete, last_modified=read.last_modified)
        if read.decision.kind in (DecisionKind.REJECT, DecisionKind.HOLD) and read.decision.reason is not None:
            stored["suspect" if read.decision.kind is DecisionKind.REJECT else "held"] = str(read.decision.reason)
        snapshot.claims = stored


def _good(known: ChunkKnown, read: PageRead) -> None:
    """This read is the last good read now; the source is no longer suspect."""
    state = known.sources[read.source.id]
    if read.snapshot_id is not None:
        state.good_snapshot_id = read.snapshot_id
    state.suspect_since, state.suspect_reason = None, None


def _baseline(read: PageRead) -> SetChange:
    """The first good read: intervals with the snapshot as evidence, nothing to alert."""
    assert read.claim is not None
    return SetChange(
        provider=read.source.provider,
        product=read.source.product_key,
        added=read.decision.added,
        removed=(),
        valid_from=read.observed_at,
        recorded_at=read.observed_at,
        change_id=None,
        snapshot_id=read.snapshot_id,
        caveats=read.claim.caveats,
    )


def _same(session: Session, known: ChunkKnown, read: PageRead, routes: Sequence[Route]) -> list[ChangeRow]:
    state = known.sources[read.source.id]
    before = state.good_snapshot_id
    _resolve_held(known, read, HeldStatus.REVERTED, by="the page read as before")
    if read.decision.good:
        _good(known, read)
    else:
        state.suspect_since, state.suspect_reason = None, None
    if not read.diff:
        return []
    change = Change(
        kind=ChangeKind.TEXT,
        source_id=read.source.id,
        provider=read.source.provider,
        product=read.source.product,
        severity=Severity.LOW,
        url=read.source.url,
        title=f"text changed on {read.source.id}",
        diff=read.diff,
    )
    return [
        record_change(
            session,
            change,
            routes=routes,
            detected_at=read.observed_at,
            from_snapshot_id=before,
            to_snapshot_id=read.snapshot_id,
        )
    ]


def _hold(known: ChunkKnown, read: PageRead, confirm_after: timedelta) -> HeldChangeRow | None:
    """Count a held change's reads, or build the row of a new one (written with the chunk's)."""
    decision, source = read.decision, read.source
    assert isinstance(decision.reason, HoldReason) and read.claim is not None
    if decision.held is not None:
        row = known.held[source.id]
        row.reads += 1
        row.last_seen_at = read.observed_at
        return None
    _resolve_held(known, read, HeldStatus.SUPERSEDED, by="a read with another set")
    state = known.sources[source.id]
    row = HeldChangeRow(
        source_id=source.id,
        provider=source.provider,
        product=source.product_key,
        status=HeldStatus.HELD,
        reason=decision.reason.value,
        damage=decision.reason.damage,
        detail=decision.detail,
        codes=sorted(read.claim.codes),
        added=list(decision.added),
        removed=list(decision.removed),
        first_seen_at=read.observed_at,
        last_seen_at=read.observed_at,
        reads=1,
        confirm_due_at=None if decision.reason.damage else read.observed_at + confirm_after,
        snapshot_id=read.snapshot_id,
        from_snapshot_id=state.good_snapshot_id,
        final_url=read.final_url,
    )
    known.held[source.id] = row
    if decision.reason.damage:
        log.warning("source %s: set change held as damage (%s): %s", source.id, decision.reason.value, decision.detail)
        state.suspect_since = state.suspect_since or read.observed_at
        state.suspect_reason = decision.reason.value
    else:
        log.info("source %s: set change held until a confirming read: %s", source.id, decision.detail)
    return row


def _notice(read: PageRead, row: HeldChangeRow) -> tuple[ChangeRow, Change]:
    """The operator's notice of a new damage signature (its held row has its id)."""
    source, decision = read.source, read.decision
    change = Change(
        kind=ChangeKind.OPERATOR,
        source_id=source.id,
        provider=source.provider,
        product=source.product_key,
        severity=Severity.HIGH,
        url=source.url,
        title=(
            f"held change {row.id} on {source.id} looks like damage ({row.reason}): "
            f"{decision.detail}. Nothing was applied; `regionwatch held accept {row.id}` if it is real, "
            f"`regionwatch held reject {row.id}` if not"
        ),
        diff={"held_change": row.id, "added": list(decision.added), "removed": list(decision.removed)},
    )
    return change_row(change, detected_at=read.observed_at, to_snapshot_id=read.snapshot_id), change


def _confirm(session: Session, known: ChunkKnown, read: PageRead, signals: Sequence[ChangeRow]) -> _Confirmed:
    """The held change as an availability change from its first sighting, and its intervals."""
    held = known.held[read.source.id]
    row, change, interval = availability_change(
        session,
        read.source,
        held,
        now=read.observed_at,
        diff=read.diff or {},
        signals=signals,
        caveats=read.claim.caveats if read.claim else None,
    )
    _resolve_held(known, read, HeldStatus.CONFIRMED, by="a confirming read")
    _good(known, read)
    return _Confirmed(held, row, change, interval, signals)


def _dated_signals(session: Session, reads: Sequence[PageRead]) -> list[ChangeRow]:
    """The dated announcements a chunk's confirmations may cite (read once, at the first one)."""
    earliest = min(r.observed_at for r in reads)
    return dated_signals(session, None, earliest - SIGNAL_LOOKBACK)


def availability_change(
    session: Session,
    source: Source,
    held: HeldChangeRow,
    *,
    now: datetime,
    diff: Mapping[str, object],
    signals: Sequence[ChangeRow] | None = None,
    caveats: Mapping[str, Sequence[str]] | None = None,
    accepted_by: str | None = None,
) -> tuple[ChangeRow, Change, SetChange]:
    """The change row, record and intervals that apply a held change (confirmed or accepted).

    ``signals``: recent dated announcements (``dated_signals``), read here when not given; one
    that announced these countries dates the change from its effective day.
    """
    added, removed = tuple(held.added), tuple(held.removed)
    if signals is None:
        signals = dated_signals(session, source.provider, now - SIGNAL_LOOKBACK)
    signal = _announced(signals, source, added, removed, now)
    valid_from = held.first_seen_at
    dated: dict[str, str] = {}
    if signal is not None and signal.effective_date is not None:
        valid_from = max(start_of_day(signal.effective_date), _latest_start(session, source))
        dated = {"dated_by_signal": str(signal.id)}
        if signal.effective_precision == "month":
            # The text gave a month: the intervals need a moment, and the month's first day is the
            # earliest the change can have taken effect. Said in the change, not hidden.
            dated["dated_from"] = f"{signal.effective_date:%Y-%m}, a month: from its first day"
    elif accepted_by:  # a person may accept late, after other changes of the product: never before them
        valid_from = max(valid_from, _latest_start(session, source))
    how = f"accepted by {accepted_by}" if accepted_by else "confirmed by a fresh read"
    change = Change(
        kind=ChangeKind.AVAILABILITY,
        source_id=source.id,
        provider=source.provider,
        product=source.product_key,
        added=added,
        removed=removed,
        effective_date=signal.effective_date if signal else None,
        severity=Severity.HIGH if removed else Severity.MEDIUM,
        title=f"{source.provider} {source.product_key}: {len(removed)} removed, {len(added)} added",
        url=source.url,
        diff={
            **diff,
            "first_seen": held.first_seen_at.isoformat(),
            "confirmed_at": now.isoformat(),
            "confirmation": how,
            "held_change": held.id,
            **dated,
        },
    )
    row = change_row(change, detected_at=now, from_snapshot_id=held.from_snapshot_id, to_snapshot_id=held.snapshot_id)
    interval = SetChange(
        provider=source.provider,
        product=source.product_key,
        added=added,
        removed=removed,
        valid_from=valid_from,
        recorded_at=now,
        change_id=None,
        snapshot_id=held.snapshot_id,
        caveats=caveats,
    )
    return row, change, interval


def _reject(session: Session, known: ChunkKnown, read: PageRead, routes: Sequence[Route]) -> list[ChangeRow]:
    """A read that is no list: suspect; the operator hears once when it persists."""
    decision, source = read.decision, read.source
    state = known.sources[source.id]
    log.warning("source %s: extraction suspect (%s): %s", source.id, decision.reason, decision.detail)
    first = state.suspect_since is None
    state.suspect_since = state.suspect_since or read.observed_at
    state.suspect_reason = str(decision.reason)
    if first or decision.reason is RejectReason.REJECTED_BEFORE:
        return []
    already = session.scalar(
        select(
            exists().where(
                ChangeRow.kind == ChangeKind.OPERATOR.value,
                ChangeRow.source_id == source.id,
                ChangeRow.detected_at >= state.suspect_since,
            )
        )
    )
    if already:
        return []
    unmapped = list(read.claim.unmapped) if read.claim is not None else []
    change = Change(
        kind=ChangeKind.OPERATOR,
        source_id=source.id,
        provider=source.provider,
        product=source.product_key,
        severity=Severity.HIGH,
        url=source.url,
        title=f"extractor for source {source.id} looks broken ({decision.reason}): {decision.detail}",
        diff={"unmapped": unmapped},
    )
    return [
        record_change(session, change, routes=routes, detected_at=read.observed_at, to_snapshot_id=read.snapshot_id)
    ]


def _resolve_held(known: ChunkKnown, read: PageRead, status: str, *, by: str) -> None:
    row = known.held.pop(read.source.id, None)
    if row is not None:
        row.status, row.resolved_at, row.resolved_by = status, read.observed_at, by


def _fetch_outcomes(
    session: Session, known: ChunkKnown, reads: Sequence[PageRead], outcomes: dict[str, Outcome]
) -> None:
    """The fetch rows, and the sources' last outcome, say what detection made of their reads
    (held, confirmed, suspect)."""
    rows = [
        {"id": r.fetch_id, "outcome": outcomes[r.source.id].value}
        for r in reads
        if r.fetch_id is not None and r.source.id in outcomes
    ]
    if rows:
        session.execute(update(FetchRow), rows)
    for ident, outcome in outcomes.items():
        if (state := known.sources.get(ident)) is not None:
            state.last_outcome = outcome.value


def _announced(
    signals: Sequence[ChangeRow], source: Source, added: tuple[str, ...], removed: tuple[str, ...], now: datetime
) -> ChangeRow | None:
    """A recent signal of the same provider that announced these countries, with a date."""
    touched = set(added) | set(removed)
    for row in signals:
        if row.provider != source.provider or row.detected_at < now - SIGNAL_LOOKBACK:
            continue
        if row.scope == "ownership":
            continue  # companies owned from a country: no country leaves a list for it
        restrictive = row.action in RESTRICTIVE_ACTIONS
        if (restrictive and set(row.countries) & set(removed)) or (not restrictive and set(row.countries) & set(added)):
            if row.effective_date is not None and start_of_day(row.effective_date) <= now and touched:
                return row
    return None


def dated_signals(session: Session, provider: str | None, since: datetime) -> list[ChangeRow]:
    """Signal changes with an effective date detected since ``since`` (one provider's, or all), newest first."""
    query = (
        select(ChangeRow)
        .where(
            ChangeRow.kind == ChangeKind.SIGNAL.value,
            ChangeRow.effective_date.is_not(None),
            ChangeRow.detected_at >= since,
        )
        .order_by(ChangeRow.detected_at.desc())
    )
    if provider is not None:
        query = query.where(ChangeRow.provider == provider)
    return list(session.scalars(query))


def _latest_start(session: Session, source: Source) -> datetime:
    session.flush()
    latest = session.scalar(
        select(AvailabilityRow.valid_from)
        .where(
            AvailabilityRow.provider == source.provider,
            AvailabilityRow.product == source.product_key,
        )
        .order_by(AvailabilityRow.valid_from.desc())
        .limit(1)
    )
    return (latest + timedelta(seconds=1)) if latest is not None else datetime.min.replace(tzinfo=UTC)
