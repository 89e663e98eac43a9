"""One check cycle: crawl the chosen sources, then detect, in the crawl's transactions.

The CLI's ``regionwatch crawl``, ``regionwatch run`` and the demo all call ``check``. Each chunk
of recorded captures is detected in its transaction: failing sources may tell the operator,
feeds are read for signals first (a list change confirmed in the same chunk sees them), then
every availability page's read goes through ``detect.decide`` against what the store knows,
and ``store.decisions`` carries the decisions out in bulk. A set change that waits for a
confirming read whose time has come by the end of the crawl is re-fetched at once, fresh.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from monitor.announcements import observe_news, observe_text_page
from monitor.config import Settings
from monitor.detect.decide import Decision, DecisionKind, FetchFacts, Observation, Rules, decide
from monitor.detect.textdiff import text_diff
from monitor.fetch.crawl import Detect, run_crawl
from monitor.fetch.process import Warm
from monitor.fetch.records import CrawlReport, SourceResult
from monitor.store.cluster import lock_products
from monitor.store.decisions import Applied, PageRead, apply_decisions
from monitor.store.detections import note_failing
from monitor.store.engine import make_engine, session_factory
from monitor.store.held import confirmations_due, needing_rereads
from monitor.store.known import ChunkKnown, load_known
from monitor.timeutil import diff_deadline, http_date
from monitor.types import Catalog, Outcome, Source, SourceKind

log = logging.getLogger(__name__)

_READ = (Outcome.CHANGED, Outcome.UNCHANGED, Outcome.NOT_MODIFIED)


def rules(settings: Settings, source: Source | None = None) -> Rules:
    """The detection rules the settings (and a source's own limits) set."""
    return Rules(
        confirm_after=settings.detect.confirm_after,
        max_removed_fraction=settings.detect.max_removed_fraction,
        max_unmapped=source.availability.max_unmapped if source and source.availability else 3,
    )


def check(
    settings: Settings,
    catalog: Catalog,
    source_ids: Sequence[str],
    *,
    now: datetime,
    sessions: sessionmaker[Session] | None = None,
    warm: Warm | None = None,
    sync: bool = True,
) -> CrawlReport:
    """Fetch, record and detect for the given sources; then re-fetch, fresh, any held change
    whose confirming read is due by the end of the crawl (one more pass at most). ``sync``: see
    fetch.crawl.run_crawl."""
    if sessions is None:
        engine = make_engine(settings.database_url)
        try:
            return check(settings, catalog, source_ids, now=now, sessions=session_factory(engine), warm=warm, sync=sync)
        finally:
            engine.dispose()
    detect = detector(catalog, settings)
    report = run_crawl(settings, catalog, source_ids, now=now, sessions=sessions, detect=detect, warm=warm, sync=sync)
    later = now + timedelta(seconds=report.elapsed)
    with sessions() as session:
        due = confirmations_due(session, later, among=source_ids)
    if not due:
        return report
    log.info("crawl: %d held change(s) due for a confirming read: fetching again", len(due))
    again = run_crawl(settings, catalog, due, now=later, sessions=sessions, detect=detect, sync=sync)
    replaced = {r.source_id: r for r in again.results}
    return replace(
        report,
        elapsed=report.elapsed + again.elapsed,
        results=tuple(replaced.get(r.source_id, r) for r in report.results),
    )


def detector(catalog: Catalog, settings: Settings) -> Detect:
    """The detection hook the crawl runs on each recorded chunk before committing."""
    diff_chars = settings.limits.diff_chars

    def detect(session: Session, results: list[SourceResult]) -> dict[str, Outcome]:
        changes = sum(len(_other(session, catalog, result, diff_chars)) for result in results)
        applied = detect_pages(session, catalog, results, settings=settings)
        changes += len(applied.changes)
        if changes or applied.outcomes:
            counted = Counter(o.value for o in applied.outcomes.values())
            log.info(
                "detect: %d changes recorded%s",
                changes,
                "".join(f", {n} {what}" for what, n in sorted(counted.items())),
            )
        return applied.outcomes

    return detect


def detect_pages(session: Session, catalog: Catalog, results: Sequence[SourceResult], *, settings: Settings) -> Applied:
    """Decide every availability page read of a chunk and apply the decisions in bulk."""
    pages = [r for r in results if r.source.availability is not None and r.outcome in _READ]
    rereads = needing_rereads(session, [r.source.id for r in pages if r.outcome is not Outcome.CHANGED])
    pages = [r for r in pages if r.outcome is Outcome.CHANGED or r.source.id in rereads]
    if not pages:
        return Applied()
    # workers on one PostgreSQL database decide a product one at a time (a no-op on SQLite)
    lock_products(session, [(r.source.provider, r.source.product) for r in pages])
    known = load_known(
        session,
        sources=[r.source for r in pages],
        snapshot_ids=[i for r in pages for i in (r.snapshot_id, r.previous_snapshot_id) if i],
    )
    reads = []
    for result in pages:
        obs = observation(result, known)
        decision = decide(known.known(result.source), obs, rules(settings, result.source))
        if decision.kind in (DecisionKind.BASELINE, DecisionKind.CONFIRM):
            known.decided(result.source, decision.kind, obs.claim.codes if obs.claim else frozenset())
        reads.append(_page_read(result, obs, decision, known, settings.limits.diff_chars))
    return apply_decisions(session, known, reads, routes=catalog.routes, confirm_after=settings.detect.confirm_after)


def observation(result: SourceResult, known: ChunkKnown) -> Observation:
    """A crawl result as a read: a new body's claim, or the stored claim of the body read again."""
    changed = result.outcome is Outcome.CHANGED
    snapshot = result.snapshot_id if changed else result.previous_snapshot_id
    stored = known.snapshots.get(snapshot) if snapshot is not None else None
    complete = result.complete if changed else bool((stored.claims or {}).get("complete", True) if stored else True)
    return Observation(
        claim=result.claim if changed else known.claim(snapshot),
        facts=FetchFacts(
            final_url=result.final_url,
            fresh=result.outcome is not Outcome.NOT_MODIFIED,
            conditional=result.conditional,
            complete=complete,
            last_modified=http_date(result.last_modified),
        ),
        observed_at=result.fetched_at,
    )


def _page_read(
    result: SourceResult, obs: Observation, decision: Decision, known: ChunkKnown, diff_chars: int
) -> PageRead:
    changed = result.outcome is Outcome.CHANGED
    snapshot = result.snapshot_id if changed else result.previous_snapshot_id
    return PageRead(
        source=result.source,
        decision=decision,
        observed_at=result.fetched_at,
        fetch_id=result.fetch_id,
        snapshot_id=snapshot,
        new_snapshot=changed,
        claim=obs.claim,
        complete=obs.facts.complete,
        final_url=result.final_url,
        last_modified=obs.facts.last_modified,
        diff=_diff(result, decision, known, diff_chars),
    )


def _diff(result: SourceResult, decision: Decision, known: ChunkKnown, diff_chars: int) -> dict[str, object] | None:
    """The text diff a decision records: the page's new text against the last good read's (a text
    change), or the held change's first read against the good read before it (a confirmation)."""
    if decision.kind is DecisionKind.SAME and result.outcome is Outcome.CHANGED:
        state = known.sources.get(result.source.id)
        old, new = known.text(state.good_snapshot_id if state else None), result.text
        return _text_diff(old, new, diff_chars) if old != new else None
    if decision.kind is DecisionKind.CONFIRM and (held := known.held.get(result.source.id)) is not None:
        return (
            _text_diff(known.text(held.from_snapshot_id), known.text(held.snapshot_id) or result.text, diff_chars) or {}
        )
    return None


def _text_diff(old: str | None, new: str | None, diff_chars: int) -> dict[str, object] | None:
    if old is None or new is None:
        return None
    return text_diff(old, new, max_chars=diff_chars, deadline=diff_deadline())


def _other(session: Session, catalog: Catalog, result: SourceResult, diff_chars: int) -> list[object]:
    """Everything but availability pages: failing sources, feeds, pages without a list."""
    source = result.source
    if not result.outcome.ok:
        return list(note_failing(session, source, now=result.fetched_at, routes=catalog.routes))
    if source.kind is SourceKind.FEED:
        ids = (*result.new_items, *result.edited_items)
        return list(
            observe_news(
                session, source, ids, now=result.fetched_at, routes=catalog.routes, providers=catalog.providers
            )
        )
    if source.availability is None and result.outcome is Outcome.CHANGED and result.snapshot_id is not None:
        return list(
            observe_text_page(
                session,
                source,
                snapshot_id=result.snapshot_id,
                text=result.text or "",
                observed_at=result.fetched_at,
                previous_snapshot_id=result.previous_snapshot_id,
                routes=catalog.routes,
                diff_chars=diff_chars,
                providers=catalog.providers,
            )
        )
    return []
