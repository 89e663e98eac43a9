"""Recording what pages without a country list and news items say, inside the crawl's transaction.

(Availability pages go through ``detect.decide`` and ``store.decisions``.) A changed page's
text is a low-severity text change; the lines it gained, and new or edited news items, are
read for access signals. A signal that only repeats one already recorded (the same event
reported again, in another language or by another outlet) is kept on its news item and
alerts nobody. A source failing for a day tells the operator once per failure streak.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from monitor.detect.textdiff import text_diff
from monitor.extract.signals import extract_signal
from monitor.store.changes import record_change
from monitor.store.models import ChangeRow, NewsItemRow, SnapshotRow, SourceRow
from monitor.timeutil import diff_deadline
from monitor.types import RESTRICTIVE_ACTIONS, Change, ChangeKind, Route, Severity, Signal, Source

log = logging.getLogger(__name__)
DIFF_CHARS = 20_000
MIN_SIGNAL_RELEVANCE = 0.5
SIGNAL_REPEAT_WINDOW = timedelta(days=30)  # a report this close to an alerted one may be its echo


@dataclass(frozen=True, slots=True, kw_only=True)
class PageObservation:
    """A page's content as fetched now, with what it replaced."""

    source: Source
    snapshot_id: int
    text: str
    observed_at: datetime
    previous_snapshot_id: int | None = None
    previous_text: str | None = None
    diff_chars: int = DIFF_CHARS  # setting limits.diff_chars


def observe_text_page(session: Session, source: Source, *, snapshot_id: int, text: str, observed_at: datetime,
                      previous_snapshot_id: int | None, routes: Sequence[Route],
                      diff_chars: int = DIFF_CHARS) -> list[ChangeRow]:
    """A page without a country list whose content changed: a text change, and the access
    signals its new lines carry (a newsroom or changelog page)."""
    previous = session.get(SnapshotRow, previous_snapshot_id) if previous_snapshot_id else None
    if previous is None or previous.text == text:
        return []
    obs = PageObservation(source=source, snapshot_id=snapshot_id, text=text, observed_at=observed_at,
                          previous_snapshot_id=previous_snapshot_id, previous_text=previous.text,
                          diff_chars=diff_chars)
    return [_record_text_change(session, obs, routes), *_signals_from_page(session, obs, routes)]


def _record_text_change(session: Session, obs: PageObservation, routes: Sequence[Route]) -> ChangeRow:
    assert obs.previous_text is not None
    change = Change(
        kind=ChangeKind.TEXT, source_id=obs.source.id, provider=obs.source.provider,
        product=obs.source.product, severity=Severity.LOW, url=obs.source.url,
        title=f"text changed on {obs.source.id}",
        diff=text_diff(obs.previous_text, obs.text, max_chars=obs.diff_chars, deadline=diff_deadline()),
    )
    return record_change(session, change, routes=routes, detected_at=obs.observed_at,
                         from_snapshot_id=obs.previous_snapshot_id, to_snapshot_id=obs.snapshot_id)


def _signals_from_page(session: Session, obs: PageObservation, routes: Sequence[Route]) -> list[ChangeRow]:
    """Read the lines a newsroom page gained for an access signal."""
    old = set((obs.previous_text or "").splitlines())
    new_lines = [line for line in obs.text.splitlines() if line.strip() and line not in old]
    if not new_lines:
        return []
    signal = extract_signal(title=new_lines[0], text="\n".join(new_lines[1:]), published=obs.observed_at,
                            url=obs.source.url, language=obs.source.language,
                            default_provider=obs.source.provider)
    if signal is None or signal.relevance < MIN_SIGNAL_RELEVANCE:
        return []
    if _repeated(session, obs.source, signal, obs.observed_at) is not None:
        return []
    return [_record_signal(session, obs.source, signal, routes, obs.observed_at, news_item_id=None,
                           to_snapshot_id=obs.snapshot_id)]


def apply_news(session: Session, source: Source, items: Sequence[NewsItemRow], *,
               routes: Sequence[Route], now: datetime) -> list[ChangeRow]:
    """Signals from new or edited news items; an edit alerts only if its signal changed."""
    changes: list[ChangeRow] = []
    for item in items:
        signal = extract_signal(title=item.title, text=item.summary, published=item.published_at,
                                url=item.link, language=item.language or source.language,
                                default_provider=source.provider)
        stored = _signal_json(signal) if signal is not None else None
        if stored == item.signal:
            continue
        item.signal = stored
        if signal is None or signal.relevance < MIN_SIGNAL_RELEVANCE:
            continue
        earlier = _repeated(session, source, signal, now)
        if earlier is not None:
            item.signal = {**(stored or {}), "repeats_change": earlier.id}
            continue
        changes.append(_record_signal(session, source, signal, routes, now, news_item_id=item.id))
    return changes


def _repeated(session: Session, source: Source, signal: Signal, now: datetime) -> ChangeRow | None:
    """A recent signal change this one adds nothing to: same provider and action, no new country,
    no other effective date. Reports of one event are alerted once, however many outlets carry it."""
    earlier = session.scalars(
        select(ChangeRow).where(
            ChangeRow.kind == ChangeKind.SIGNAL.value, ChangeRow.provider == _signal_provider(source, signal),
            ChangeRow.action == signal.action, ChangeRow.detected_at >= now - SIGNAL_REPEAT_WINDOW,
            ChangeRow.detected_at <= now,
        ).order_by(ChangeRow.id)
    )
    for row in earlier:
        if set(signal.countries) <= set(row.countries) and signal.effective_date in (None, row.effective_date):
            log.info("source %s: %r repeats signal change %d (same event): no new alert",
                     source.id, signal.title[:80], row.id)
            return row
    return None


def _signal_provider(source: Source, signal: Signal) -> str:
    """The provider a signal is about: the source's own when the signal names it."""
    return source.provider if source.provider in signal.providers else signal.providers[0]


def _record_signal(
    session: Session, source: Source, signal: Signal, routes: Sequence[Route], now: datetime,
    *, news_item_id: int | None, to_snapshot_id: int | None = None,
) -> ChangeRow:
    restrictive = signal.action in RESTRICTIVE_ACTIONS
    severity = Severity.HIGH if restrictive and signal.countries else Severity.MEDIUM
    provider = _signal_provider(source, signal)
    change = Change(
        kind=ChangeKind.SIGNAL, source_id=source.id, provider=provider,
        countries=signal.countries, action=signal.action, effective_date=signal.effective_date,
        severity=severity, title=signal.title, url=signal.url,
        diff={"providers": list(signal.providers), "relevance": signal.relevance,
              "language": signal.language},
    )
    return record_change(session, change, routes=routes, detected_at=now, news_item_id=news_item_id,
                         to_snapshot_id=to_snapshot_id)


def _signal_json(signal: Signal) -> dict[str, object]:
    return {
        "providers": list(signal.providers), "countries": list(signal.countries),
        "action": signal.action, "relevance": signal.relevance, "language": signal.language,
        "effective_date": signal.effective_date.isoformat() if signal.effective_date else None,
    }


def observe_news(session: Session, source: Source, item_ids: Sequence[int], *, now: datetime,
                 routes: Sequence[Route]) -> list[ChangeRow]:
    """Signals from the feed items a fetch added or edited."""
    if not item_ids:
        return []
    items = session.scalars(select(NewsItemRow).where(NewsItemRow.id.in_(item_ids)).order_by(NewsItemRow.id))
    return apply_news(session, source, list(items), routes=routes, now=now)


FAILING_ALERT_AFTER = timedelta(days=1)


def note_failing(session: Session, source: Source, *, now: datetime, routes: Sequence[Route]) -> list[ChangeRow]:
    """One operator alert per failure streak, once a source has failed for a day."""
    state = session.get(SourceRow, source.id)
    if state is None or state.failing_since is None or now - state.failing_since < FAILING_ALERT_AFTER:
        return []
    prefix = f"source {source.id} has been failing"
    already = session.scalar(select(exists().where(
        ChangeRow.kind == ChangeKind.OPERATOR.value, ChangeRow.source_id == source.id,
        ChangeRow.detected_at >= state.failing_since, ChangeRow.title.startswith(prefix),
    )))
    if already:
        return []
    hours = int((now - state.failing_since).total_seconds() // 3600)
    change = Change(
        kind=ChangeKind.OPERATOR, source_id=source.id, provider=source.provider, product=source.product,
        severity=Severity.HIGH, url=source.url,
        title=f"{prefix} for {hours} h: {state.consecutive_failures} attempts in a row, last {state.last_outcome}",
    )
    return [record_change(session, change, routes=routes, detected_at=now)]
