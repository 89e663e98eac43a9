"""Recording what pages without a country list and news items said, inside the crawl's transaction.

(Availability pages go through ``detect.decide`` and ``store.decisions``; what a text or an
announcement says is read in ``monitor.announcements``.) A changed page's text is a
low-severity text change; a signal that only repeats one already recorded (the same event
reported again, in another language or by another outlet) is kept on its news item and
alerts nobody. A source failing for a day tells the operator once per failure streak.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from monitor.store.changes import record_change
from monitor.store.models import ChangeRow, NewsItemRow, SnapshotRow, SourceRow
from monitor.types import RESTRICTIVE_ACTIONS, Change, ChangeKind, Route, Severity, Signal, Source

log = logging.getLogger(__name__)
DIFF_CHARS = 20_000
MIN_SIGNAL_RELEVANCE = 0.5
SIGNAL_REPEAT_WINDOW = timedelta(days=30)  # a report this close to an alerted one may be its echo


def previous_text(session: Session, snapshot_id: int | None) -> str | None:
    """The text of a page's previous snapshot (None: no previous snapshot)."""
    previous = session.get(SnapshotRow, snapshot_id) if snapshot_id else None
    return previous.text if previous is not None else None


def record_text_change(
    session: Session,
    source: Source,
    *,
    diff: Mapping[str, object],
    observed_at: datetime,
    from_snapshot_id: int | None,
    to_snapshot_id: int,
    routes: Sequence[Route],
) -> ChangeRow:
    """A page without a country list changed: a low-severity text change (the digest's, nobody alerted)."""
    change = Change(
        kind=ChangeKind.TEXT,
        source_id=source.id,
        provider=source.provider,
        product=source.product,
        severity=Severity.LOW,
        url=source.url,
        title=f"text changed on {source.id}",
        diff=diff,
    )
    return record_change(
        session,
        change,
        routes=routes,
        detected_at=observed_at,
        from_snapshot_id=from_snapshot_id,
        to_snapshot_id=to_snapshot_id,
    )


def news_items(session: Session, item_ids: Sequence[int]) -> list[NewsItemRow]:
    """The news items a fetch added or edited, in id order."""
    if not item_ids:
        return []
    return list(session.scalars(select(NewsItemRow).where(NewsItemRow.id.in_(item_ids)).order_by(NewsItemRow.id)))


def record_signal(
    session: Session,
    source: Source,
    signal: Signal | None,
    *,
    now: datetime,
    routes: Sequence[Route],
    item: NewsItemRow | None = None,
    to_snapshot_id: int | None = None,
) -> ChangeRow | None:
    """Keep what an announcement was read as on its news item, and record it as a signal change
    unless it is none, too weak, unchanged by an edit, or only repeats one already recorded."""
    stored = _signal_json(signal) if signal is not None else None
    if item is not None:
        if stored == item.signal:
            return None  # an edit that changed nothing the signal says
        item.signal = stored
    if signal is None or signal.relevance < MIN_SIGNAL_RELEVANCE:
        return None
    earlier = _repeated(session, source, signal, now)
    if earlier is not None:
        if item is not None:
            item.signal = {**(stored or {}), "repeats_change": earlier.id}
        return None
    return _record_signal(
        session, source, signal, routes, now, news_item_id=item.id if item else None, to_snapshot_id=to_snapshot_id
    )


def _repeated(session: Session, source: Source, signal: Signal, now: datetime) -> ChangeRow | None:
    """A recent signal change this one adds nothing to: same provider and action, no new country,
    no other effective date. Reports of one event are alerted once, however many outlets carry it."""
    earlier = session.scalars(
        select(ChangeRow)
        .where(
            ChangeRow.kind == ChangeKind.SIGNAL.value,
            ChangeRow.provider == _signal_provider(source, signal),
            ChangeRow.action == signal.action,
            ChangeRow.detected_at >= now - SIGNAL_REPEAT_WINDOW,
            ChangeRow.detected_at <= now,
        )
        .order_by(ChangeRow.id)
    )
    for row in earlier:
        if set(signal.countries) <= set(row.countries) and signal.effective_date in (None, row.effective_date):
            log.info(
                "source %s: %r repeats signal change %d (same event): no new alert",
                source.id,
                signal.title[:80],
                row.id,
            )
            return row
    return None


def _signal_provider(source: Source, signal: Signal) -> str:
    """The provider a signal is about: the source's own when the signal names it."""
    return source.provider if source.provider in signal.providers else signal.providers[0]


def _record_signal(
    session: Session,
    source: Source,
    signal: Signal,
    routes: Sequence[Route],
    now: datetime,
    *,
    news_item_id: int | None,
    to_snapshot_id: int | None = None,
) -> ChangeRow:
    restrictive = signal.action in RESTRICTIVE_ACTIONS
    severity = Severity.HIGH if restrictive and signal.countries else Severity.MEDIUM
    provider = _signal_provider(source, signal)
    change = Change(
        kind=ChangeKind.SIGNAL,
        source_id=source.id,
        provider=provider,
        countries=signal.countries,
        action=signal.action,
        effective_date=signal.effective_date,
        effective_precision=signal.effective_precision,
        scope=signal.scope,
        severity=severity,
        title=signal.title,
        url=signal.url,
        diff={
            "providers": list(signal.providers),
            "relevance": signal.relevance,
            "language": signal.language,
            "groups": list(signal.groups),
            "evidence": list(signal.evidence),
        },
    )
    return record_change(
        session, change, routes=routes, detected_at=now, news_item_id=news_item_id, to_snapshot_id=to_snapshot_id
    )


def _signal_json(signal: Signal) -> dict[str, object]:
    return {
        "providers": list(signal.providers),
        "countries": list(signal.countries),
        "action": signal.action,
        "relevance": signal.relevance,
        "language": signal.language,
        "effective_date": signal.effective_date.isoformat() if signal.effective_date else None,
        "effective_precision": signal.effective_precision,
        "scope": signal.scope,
        "groups": list(signal.groups),
        "evidence": list(signal.evidence),
    }


FAILING_ALERT_AFTER = timedelta(days=1)


def note_failing(session: Session, source: Source, *, now: datetime, routes: Sequence[Route]) -> list[ChangeRow]:
    """One operator alert per failure streak, once a source has failed for a day."""
    state = session.get(SourceRow, source.id)
    if state is None or state.failing_since is None or now - state.failing_since < FAILING_ALERT_AFTER:
        return []
    prefix = f"source {source.id} has been failing"
    already = session.scalar(
        select(
            exists().where(
                ChangeRow.kind == ChangeKind.OPERATOR.value,
                ChangeRow.source_id == source.id,
                ChangeRow.detected_at >= state.failing_since,
                ChangeRow.title.startswith(prefix),
            )
        )
    )
    if already:
        return []
    hours = int((now - state.failing_since).total_seconds() // 3600)
    change = Change(
        kind=ChangeKind.OPERATOR,
        source_id=source.id,
        provider=source.provider,
        product=source.product,
        severity=Severity.HIGH,
        url=source.url,
        title=f"{prefix} for {hours} h: {state.consecutive_failures} attempts in a row, last {state.last_outcome}",
    )
    return [record_change(session, change, routes=routes, detected_at=now)]
