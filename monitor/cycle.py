"""One check cycle: crawl the chosen sources, then detect, in the crawl's transaction.

The CLI's ``regionwatch crawl``, ``regionwatch run`` and the demo all call ``check``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from monitor.config import Settings
from monitor.fetch.crawl import Detect, run_crawl
from monitor.fetch.process import Warm
from monitor.fetch.records import CrawlReport, SourceResult
from monitor.store.batch import Batch, begin, release
from monitor.store.detections import (
    DIFF_CHARS,
    SIGNAL_LOOKBACK,
    note_failing,
    observe_changed,
    observe_news,
    recheck_pending,
)
from monitor.types import Catalog, Outcome, SourceKind

log = logging.getLogger(__name__)


def check(settings: Settings, catalog: Catalog, source_ids: Sequence[str], *, now: datetime,
          sessions: sessionmaker[Session] | None = None, warm: Warm | None = None) -> CrawlReport:
    """Fetch, record and detect for the given sources: one batch, detected chunk by chunk."""
    detect = detector(catalog, diff_chars=settings.limits.diff_chars)
    return run_crawl(settings, catalog, source_ids, now=now, sessions=sessions, detect=detect, warm=warm)


def detector(catalog: Catalog, *, diff_chars: int = DIFF_CHARS) -> Detect:
    """The detection hook the crawl runs on its recorded batch before committing."""

    def detect(session: Session, results: list[SourceResult]) -> dict[str, Outcome]:
        changes = 0
        batch = _begin(session, results)
        try:
            for result in results:
                changes += len(_detect_one(session, catalog, result, diff_chars))
            batch.write(session)
            held = dict.fromkeys(batch.held, Outcome.SUSPECT)
        finally:
            release(session)
        if changes or held:
            log.info("detect: %d changes recorded, %d sources held as suspect", changes, len(held))
        return held

    return detect


def _begin(session: Session, results: list[SourceResult]) -> Batch:
    """The rows and sets detection will read for this batch, read in a few queries (store/batch.py)."""
    pages = [r for r in results if r.source.availability is not None]
    return begin(
        session,
        source_ids=[r.source.id for r in results],
        snapshot_ids=[i for r in results for i in (r.snapshot_id, r.previous_snapshot_id) if i is not None],
        products=[(r.source.provider, r.source.product_key) for r in pages],
        earliest=min((r.fetched_at for r in pages if r.outcome is Outcome.CHANGED), default=None),
        signal_lookback=SIGNAL_LOOKBACK,
    )


def _detect_one(session: Session, catalog: Catalog, result: SourceResult, diff_chars: int) -> list[object]:
    source = result.source
    if not result.outcome.ok:
        return list(note_failing(session, source, now=result.fetched_at, routes=catalog.routes))
    if source.kind is SourceKind.FEED:
        ids = (*result.new_items, *result.edited_items)
        return list(observe_news(session, source, ids, now=result.fetched_at, routes=catalog.routes))
    if result.outcome is Outcome.CHANGED and result.snapshot_id is not None and result.body is not None:
        return list(observe_changed(
            session, source, snapshot_id=result.snapshot_id, body=result.body, text=result.text or "",
            observed_at=result.fetched_at, previous_snapshot_id=result.previous_snapshot_id, claim=result.claim,
            fetch_id=result.fetch_id, routes=catalog.routes, diff_chars=diff_chars,
        ))
    if result.outcome in (Outcome.UNCHANGED, Outcome.NOT_MODIFIED):
        return list(recheck_pending(session, source, observed_at=result.fetched_at, fetch_id=result.fetch_id,
                                    routes=catalog.routes))
    return []
