"""Recording a crawl's captures: fetch rows, new snapshots, news items and source state.

The caller owns the transaction: the captures given, and the detection that follows them,
commit together (the crawl gives one chunk of finished captures at a time). Captures are
handled in chunks, each with a few bulk statements. A capture that cannot be judged (a bug,
never a bad page) is recorded as ``decode`` with the error, and the batch goes on.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from monitor.chunked import chunked
from monitor.extract.feeds import DEFAULT_FEED_LIMITS, FeedLimits
from monitor.fetch.assess import Assessment, assess
from monitor.fetch.records import SourceResult
from monitor.store.fetches import (
    FetchRecord,
    NewSnapshot,
    SourceState,
    SourceUpdate,
    insert_fetches,
    insert_snapshots,
    load_states,
    touch_snapshots,
    update_sources,
)
from monitor.store.news import NewsRecorded, record_entries
from monitor.types import Capture, Outcome, Source, SourceKind

log = logging.getLogger(__name__)

CHUNK = 500
#: How long a 429 without a usable Retry-After keeps a source away; and the longest wait honoured.
DEFAULT_RETRY_AFTER = timedelta(hours=1)
MAX_RETRY_AFTER = timedelta(days=7)
_SEEN_AGAIN = (Outcome.UNCHANGED, Outcome.NOT_MODIFIED)


def record_batch(
    session: Session,
    captures: Iterable[Capture],
    sources: Mapping[str, Source],
    *,
    feed_limits: FeedLimits = DEFAULT_FEED_LIMITS,
) -> list[SourceResult]:
    """Record every capture (one fetch row each); the results in capture order."""
    results: list[SourceResult] = []
    for chunk in chunked(captures, CHUNK):
        results.extend(_record_chunk(session, chunk, sources, feed_limits))
    return results


@dataclass(frozen=True, slots=True)
class _Judged:
    """A capture with its source, the state before it, and what it amounts to."""

    capture: Capture
    source: Source
    state: SourceState
    assessment: Assessment

    @property
    def outcome(self) -> Outcome:
        return self.assessment.outcome


def _record_chunk(
    session: Session, chunk: list[Capture], sources: Mapping[str, Source], feed_limits: FeedLimits
) -> list[SourceResult]:
    states = load_states(session, [c.source_id for c in chunk])
    judged = [_judge(c, sources[c.source_id], states, feed_limits) for c in chunk]
    changed = [j for j in judged if j.outcome is Outcome.CHANGED]
    new_ids = insert_snapshots(session, [_snapshot(j) for j in changed])
    snapshots = {j.source.id: ident for j, ident in zip(changed, new_ids, strict=True)}
    touch_snapshots(
        session,
        [
            (j.state.snapshot_id, j.capture.fetched_at)
            for j in judged
            if j.outcome in _SEEN_AGAIN and j.state.snapshot_id is not None
        ],
    )
    news = {j.source.id: _news(session, j) for j in changed if j.source.kind is SourceKind.FEED}
    fetch_ids = insert_fetches(session, [_fetch(j, snapshots.get(j.source.id)) for j in judged])
    update_sources(session, [_source_update(j) for j in judged])
    return [
        _result(j, fetch_id, snapshots.get(j.source.id), news.get(j.source.id))
        for j, fetch_id in zip(judged, fetch_ids, strict=True)
    ]


def _judge(capture: Capture, source: Source, states: Mapping[str, SourceState], feed_limits: FeedLimits) -> _Judged:
    state = states.get(capture.source_id) or SourceState(source_id=capture.source_id)
    try:
        assessment = assess(
            capture, source, raw_hash=state.raw_hash, last_hash=state.content_hash, feed_limits=feed_limits
        )
    except Exception as exc:
        log.exception("source %s: could not judge the capture", capture.source_id)
        assessment = Assessment(outcome=Outcome.DECODE, error=f"internal error: {exc!r}"[:500])
    return _Judged(capture, source, state, assessment)


def _snapshot(judged: _Judged) -> NewSnapshot:
    capture, assessment = judged.capture, judged.assessment
    assert assessment.text is not None and assessment.content_hash is not None
    return NewSnapshot(
        source_id=capture.source_id,
        content_hash=assessment.content_hash,
        raw_hash=assessment.body_hash or "",
        raw_body=zlib.compress(capture.body, 6),
        content_type=_truncate(capture.headers.get("content-type"), 200),
        final_url=capture.final_url,
        text=assessment.text.replace("\x00", ""),
        first_seen=capture.fetched_at,
        last_seen=capture.fetched_at,
    )


def _news(session: Session, judged: _Judged) -> NewsRecorded:
    return record_entries(
        session, judged.source.id, judged.assessment.entries, bozo=judged.assessment.bozo, now=judged.capture.fetched_at
    )


def _fetch(judged: _Judged, snapshot_id: int | None) -> FetchRecord:
    capture, outcome = judged.capture, judged.outcome
    return FetchRecord(
        source_id=capture.source_id,
        started_at=capture.fetched_at - timedelta(seconds=capture.elapsed),
        finished_at=capture.fetched_at,
        http_status=capture.status,
        outcome=outcome.value,
        error_class=None if outcome.ok else outcome.value,
        error=judged.assessment.error,
        bytes=len(capture.body),
        duration_ms=round(capture.elapsed * 1000),
        final_url=capture.final_url,
        etag=capture.etag,
        last_modified=capture.last_modified,
        body_hash=judged.assessment.body_hash,
        snapshot_id=snapshot_id,
    )


def _source_update(judged: _Judged) -> SourceUpdate:
    capture, state, ok = judged.capture, judged.state, judged.outcome.ok
    etag, modified = _validators(judged)
    return SourceUpdate(
        id=capture.source_id,
        etag=etag,
        last_modified=modified,
        last_fetch_at=capture.fetched_at,
        last_success_at=capture.fetched_at if ok else state.last_success_at,
        last_outcome=judged.outcome.value,
        consecutive_failures=0 if ok else state.consecutive_failures + 1,
        failing_since=None if ok else (state.failing_since or capture.fetched_at),
        next_due_at=_not_before(judged) or state.next_due_at,
    )


def _validators(judged: _Judged) -> tuple[str | None, str | None]:
    """Validators to send next time: a read body's own; kept on a 304; untouched on failure."""
    capture, state = judged.capture, judged.state
    if judged.outcome is Outcome.NOT_MODIFIED:
        return capture.etag or state.etag, capture.last_modified or state.last_modified
    if judged.outcome.ok:
        return capture.etag, capture.last_modified
    return state.etag, state.last_modified


def _not_before(judged: _Judged) -> datetime | None:
    """When a rate-limited source may be fetched again: its Retry-After, within bounds."""
    if judged.outcome is not Outcome.RATE_LIMITED:
        return None
    seconds = judged.capture.retry_after
    wait = DEFAULT_RETRY_AFTER if seconds is None else min(timedelta(seconds=seconds), MAX_RETRY_AFTER)
    return judged.capture.fetched_at + wait


def _result(judged: _Judged, fetch_id: int, snapshot_id: int | None, news: NewsRecorded | None) -> SourceResult:
    capture, assessment = judged.capture, judged.assessment
    changed = judged.outcome is Outcome.CHANGED
    result = SourceResult(
        source=judged.source,
        outcome=judged.outcome,
        http_status=capture.status,
        elapsed=capture.elapsed,
        fetched_at=capture.fetched_at,
        fetch_id=fetch_id,
        error=assessment.error,
        snapshot_id=snapshot_id,
        previous_snapshot_id=judged.state.snapshot_id,
        text=assessment.text if changed else None,
        body=capture.body if changed else None,
        claim=assessment.claim if changed else None,
        content_type=capture.headers.get("content-type"),
        final_url=capture.final_url,
        new_items=news.new if news else (),
        edited_items=news.edited if news else (),
        not_before=_not_before(judged),
        conditional=capture.conditional,
        complete=assessment.complete,
        last_modified=capture.last_modified,
    )
    _log(result)
    return result


def _log(result: SourceResult) -> None:
    level = logging.DEBUG if result.outcome.ok else logging.INFO
    status = f"HTTP {result.http_status}" if result.http_status else "no response"
    log.log(
        level,
        "source %s: %s (%s) in %.2fs%s",
        result.source.id,
        result.outcome.value,
        status,
        result.elapsed,
        f": {result.error}" if result.error else "",
    )


def _truncate(text: str | None, limit: int) -> str | None:
    return text[:limit] if text is not None else None
