"""Applying what extract/ and detect/ found, inside the crawl's transaction.

Pages with an availability selector become claims; a claim passes the guard or is held as
suspect; a confirmed claim is diffed against the open intervals and applied as one change with
its outbox rows. Text changes are recorded low-severity. News items become signals; a signal
that only repeats one already recorded (the same event reported again, in another language or
by another outlet) is kept on its news item and alerts nobody.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from monitor.detect.availability import diff_sets
from monitor.detect.guard import Verdict, assess, confirm
from monitor.detect.textdiff import text_diff
from monitor.errors import ExtractError
from monitor.extract.availability import extract_claim
from monitor.extract.signals import RESTRICTIVE, extract_signal
from monitor.store.availability import SetChange, apply_set_changes, open_codes
from monitor.store.batch import current, dated_signals
from monitor.store.changes import change_row, record_change
from monitor.store.models import AvailabilityRow, ChangeRow, FetchRow, NewsItemRow, SnapshotRow, SourceRow
from monitor.timeutil import start_of_day
from monitor.types import Change, ChangeKind, Claim, Route, Severity, Signal, Source
from monitor.zipped import unzip

log = logging.getLogger(__name__)
SIGNAL_LOOKBACK = timedelta(days=60)
DIFF_CHARS = 20_000
MIN_SIGNAL_RELEVANCE = 0.5
SIGNAL_REPEAT_WINDOW = timedelta(days=30)  # a report this close to an alerted one may be its echo


@dataclass(frozen=True, slots=True, kw_only=True)
class PageObservation:
    """A page's content as fetched now, with what it replaced."""

    source: Source
    snapshot_id: int
    body: bytes
    text: str
    observed_at: datetime
    previous_snapshot_id: int | None = None
    previous_text: str | None = None
    fetch_id: int | None = None
    encoding: str | None = None
    diff_chars: int = DIFF_CHARS  # setting limits.diff_chars
    claim: Claim | None = None  # the list, when the crawl already read it from this body


def apply_page(session: Session, obs: PageObservation, *, routes: Sequence[Route]) -> list[ChangeRow]:
    """Detect and store what a page's new content means; returns the changes recorded."""
    changes: list[ChangeRow] = []
    set_change = None
    if obs.source.availability is not None:
        set_change = _apply_claim(session, obs, routes, changes)
        if _is_held(session, obs.snapshot_id):
            return changes
        obs = _against_last_good(session, obs)
    text_changed = obs.previous_text is not None and obs.previous_text != obs.text
    if text_changed and set_change is None:
        changes.append(_record_text_change(session, obs, routes))
    if text_changed and obs.source.availability is None:
        changes += _signals_from_page(session, obs, routes)
    return changes


def _is_held(session: Session, snapshot_id: int) -> bool:
    snapshot = session.get(SnapshotRow, snapshot_id)
    return snapshot is not None and bool((snapshot.claims or {}).get("suspect"))


def _against_last_good(session: Session, obs: PageObservation) -> PageObservation:
    """Compare with the last content that was not held as suspect (a block page is no baseline)."""
    if obs.previous_snapshot_id is None or not _is_held(session, obs.previous_snapshot_id):
        return obs
    for snapshot in session.scalars(
        select(SnapshotRow).where(SnapshotRow.source_id == obs.source.id,
                                  SnapshotRow.id < obs.snapshot_id).order_by(SnapshotRow.id.desc())
    ):
        if not (snapshot.claims or {}).get("suspect"):
            return replace(obs, previous_snapshot_id=snapshot.id, previous_text=snapshot.text)
    return replace(obs, previous_snapshot_id=None, previous_text=None)


def _claim(obs: PageObservation) -> Claim:
    assert obs.source.availability is not None
    if obs.claim is not None:
        return obs.claim
    try:
        return extract_claim(obs.body, obs.source.availability, encoding=obs.encoding)
    except ExtractError as exc:
        log.warning("source %s: extraction failed: %s", obs.source.id, exc)
        return Claim(codes=frozenset(), unmapped=(), names=0)


def _apply_claim(session: Session, obs: PageObservation, routes: Sequence[Route],
                 changes: list[ChangeRow]) -> ChangeRow | None:
    source, spec = obs.source, obs.source.availability
    assert spec is not None
    claim = _claim(obs)
    snapshot = session.get(SnapshotRow, obs.snapshot_id)
    if snapshot is not None:
        snapshot.claims = _claim_json(claim)
    state = session.get(SourceRow, source.id)
    assert state is not None
    previous = _open_codes(session, source.provider, source.product_key)
    verdict = _verdict(previous, claim, spec.max_unmapped)
    pending = frozenset(state.pending_codes) if state.pending_codes is not None else None
    if verdict.suspect and not (verdict.reason == "collapse" and confirm(pending, claim)):
        _hold(session, obs, state, claim, verdict, routes, changes)
        return None
    state.suspect_since, state.suspect_reason, state.pending_codes = None, None, None
    added, removed = diff_sets(previous or frozenset(), claim.codes)
    if not added and not removed:
        return None
    if previous is None:  # the baseline: intervals with the snapshot as evidence, nothing to alert
        baseline = SetChange(provider=source.provider, product=source.product_key, added=added, removed=(),
                             valid_from=obs.observed_at, recorded_at=obs.observed_at, change_id=None,
                             snapshot_id=obs.snapshot_id, caveats=claim.caveats)
        if (batch := current(session)) is not None:
            batch.defer(baseline)
        else:
            apply_set_changes(session, [baseline])
        return None
    row = _record_set_change(session, obs, claim, added, removed, routes)
    changes.append(row)
    return row


def _verdict(previous: frozenset[str] | None, claim: Claim, max_unmapped: int) -> Verdict:
    verdict = assess(previous, claim, max_unmapped=max_unmapped)
    if not verdict.suspect and claim.unmapped and previous and previous - claim.codes:
        # A removal next to a name we cannot read may be a renamed country, not a removal.
        return Verdict(suspect=True, reason="unmapped",
                       detail=f"removals beside unmapped names: {', '.join(claim.unmapped)}")
    return verdict


def _hold(session: Session, obs: PageObservation, state: SourceRow, claim: Claim, verdict: Verdict,
          routes: Sequence[Route], changes: list[ChangeRow]) -> None:
    """Keep a suspect claim aside; tell the operator once when it persists."""
    log.warning("source %s: extraction suspect (%s): %s", obs.source.id, verdict.reason, verdict.detail)
    if obs.fetch_id is not None and (fetch := session.get(FetchRow, obs.fetch_id)) is not None:
        fetch.outcome = "suspect"
    if (batch := current(session)) is not None:
        batch.held.add(obs.source.id)
    snapshot = session.get(SnapshotRow, obs.snapshot_id)
    if snapshot is not None:
        snapshot.claims = {**(snapshot.claims or {}), "suspect": verdict.reason}
    first = state.suspect_since is None
    state.suspect_reason = verdict.reason
    state.pending_codes = sorted(claim.codes)
    if first:
        state.suspect_since = obs.observed_at
        return
    already = session.scalar(select(exists().where(
        ChangeRow.kind == ChangeKind.OPERATOR.value, ChangeRow.source_id == obs.source.id,
        ChangeRow.detected_at >= state.suspect_since,
    )))
    if not already:
        change = Change(
            kind=ChangeKind.OPERATOR, source_id=obs.source.id, provider=obs.source.provider,
            product=obs.source.product_key, severity=Severity.HIGH, url=obs.source.url,
            title=f"extractor for source {obs.source.id} looks broken ({verdict.reason}): {verdict.detail}",
            diff={"unmapped": list(claim.unmapped)},
        )
        changes.append(record_change(session, change, routes=routes, detected_at=obs.observed_at,
                                     to_snapshot_id=obs.snapshot_id))


def _record_set_change(session: Session, obs: PageObservation, claim: Claim, added: tuple[str, ...],
                       removed: tuple[str, ...], routes: Sequence[Route]) -> ChangeRow:
    source = obs.source
    signal = _announced(session, source, added, removed, obs.observed_at)
    valid_from = obs.observed_at
    if signal is not None and signal.effective_date is not None:
        valid_from = max(start_of_day(signal.effective_date), _latest_start(session, source))
    title = f"{source.provider} {source.product_key}: {len(removed)} removed, {len(added)} added"
    change = Change(
        kind=ChangeKind.AVAILABILITY, source_id=source.id, provider=source.provider,
        product=source.product_key, added=added, removed=removed,
        effective_date=signal.effective_date if signal else None,
        severity=Severity.HIGH if removed else Severity.MEDIUM,
        title=title, url=source.url,
        diff=text_diff(obs.previous_text, obs.text, max_chars=obs.diff_chars) if obs.previous_text is not None else {},
    )
    intervals = SetChange(provider=source.provider, product=source.product_key, added=added, removed=removed,
                          valid_from=valid_from, recorded_at=obs.observed_at, change_id=None,
                          snapshot_id=obs.snapshot_id, caveats=claim.caveats)
    if (batch := current(session)) is not None:  # written with the batch's other changes
        row = change_row(change, detected_at=obs.observed_at, from_snapshot_id=obs.previous_snapshot_id,
                         to_snapshot_id=obs.snapshot_id)
        batch.defer(intervals, row=row, change=change, routes=routes)
        return row
    row = record_change(session, change, routes=routes, detected_at=obs.observed_at,
                        from_snapshot_id=obs.previous_snapshot_id, to_snapshot_id=obs.snapshot_id)
    apply_set_changes(session, [replace(intervals, change_id=row.id)])
    return row


def _open_codes(session: Session, provider: str, product: str) -> frozenset[str] | None:
    """The open availability set, from the batch's memory when detection runs in a batch."""
    batch = current(session)
    return batch.open_codes(session, provider, product) if batch else open_codes(session, provider, product)


def _latest_start(session: Session, source: Source) -> datetime:
    if (batch := current(session)) is not None:
        batch.write(session)  # the queued intervals count too
    latest = session.scalar(
        select(AvailabilityRow.valid_from).where(
            AvailabilityRow.provider == source.provider, AvailabilityRow.product == source.product_key,
        ).order_by(AvailabilityRow.valid_from.desc()).limit(1)
    )
    return (latest + timedelta(seconds=1)) if latest is not None else datetime.min.replace(tzinfo=UTC)


def _announced(session: Session, source: Source, added: tuple[str, ...], removed: tuple[str, ...],
               now: datetime) -> ChangeRow | None:
    """A recent signal of the same provider that announced these countries, with a date."""
    touched = set(added) | set(removed)
    batch = current(session)
    since = now - SIGNAL_LOOKBACK
    candidates = batch.dated_signals(session, source.provider, since) if batch else \
        dated_signals(session, source.provider, since)
    for row in candidates:
        restrictive = row.action in RESTRICTIVE
        if (restrictive and set(row.countries) & set(removed)) or (
            not restrictive and set(row.countries) & set(added)
        ):
            if row.effective_date is not None and start_of_day(row.effective_date) <= now and touched:
                return row
    return None


def _record_text_change(session: Session, obs: PageObservation, routes: Sequence[Route]) -> ChangeRow:
    assert obs.previous_text is not None
    change = Change(
        kind=ChangeKind.TEXT, source_id=obs.source.id, provider=obs.source.provider,
        product=obs.source.product, severity=Severity.LOW, url=obs.source.url,
        title=f"text changed on {obs.source.id}",
        diff=text_diff(obs.previous_text, obs.text, max_chars=obs.diff_chars),
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
    restrictive = signal.action in RESTRICTIVE
    severity = Severity.HIGH if restrictive and signal.countries else Severity.MEDIUM
    provider = _signal_provider(source, signal)
    change = Change(
        kind=ChangeKind.SIGNAL, source_id=source.id, provider=provider,
        countries=signal.countries, action=signal.action, effective_date=signal.effective_date,
        severity=severity, title=signal.title, url=signal.url,
        diff={"providers": list(signal.providers), "relevance": signal.relevance,
              "language": signal.language},
    )
    row = record_change(session, change, routes=routes, detected_at=now, news_item_id=news_item_id,
                        to_snapshot_id=to_snapshot_id)
    if (batch := current(session)) is not None:
        batch.signal_recorded(row)
    return row


def _claim_json(claim: Claim) -> dict[str, object]:
    return {"codes": sorted(claim.codes), "unmapped": list(claim.unmapped),
            "caveats": {k: list(v) for k, v in claim.caveats.items()}, "names": claim.names}


def _signal_json(signal: Signal) -> dict[str, object]:
    return {
        "providers": list(signal.providers), "countries": list(signal.countries),
        "action": signal.action, "relevance": signal.relevance, "language": signal.language,
        "effective_date": signal.effective_date.isoformat() if signal.effective_date else None,
    }



def observe_changed(session: Session, source: Source, *, snapshot_id: int, body: bytes, text: str,
                    observed_at: datetime, previous_snapshot_id: int | None, fetch_id: int | None,
                    routes: Sequence[Route], diff_chars: int = DIFF_CHARS,
                    claim: Claim | None = None) -> list[ChangeRow]:
    """Detection for a page whose fetch stored new content (``claim``: its list, if already read)."""
    previous = session.get(SnapshotRow, previous_snapshot_id) if previous_snapshot_id else None
    obs = PageObservation(source=source, snapshot_id=snapshot_id, body=body, text=text,
                          observed_at=observed_at, previous_snapshot_id=previous_snapshot_id,
                          previous_text=previous.text if previous else None, fetch_id=fetch_id,
                          diff_chars=diff_chars, claim=claim)
    return apply_page(session, obs, routes=routes)


def recheck_pending(session: Session, source: Source, *, observed_at: datetime, fetch_id: int | None,
                    routes: Sequence[Route]) -> list[ChangeRow]:
    """Re-read unchanged content while a suspect claim waits: the second read may confirm it."""
    state = session.get(SourceRow, source.id)
    if state is None or state.pending_codes is None or source.availability is None:
        return []
    latest = session.scalars(
        select(SnapshotRow).where(SnapshotRow.source_id == source.id).order_by(SnapshotRow.id.desc()).limit(1)
    ).first()
    if latest is None:
        return []
    obs = PageObservation(source=source, snapshot_id=latest.id, body=unzip(latest.raw_body), text=latest.text,
                          observed_at=observed_at, fetch_id=fetch_id)
    return apply_page(session, obs, routes=routes)


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
