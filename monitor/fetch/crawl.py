"""One crawl = one batch: sync the catalog, fetch in crawl processes, record and detect as captures arrive.

    report = run_crawl(settings, catalog, ["openai-api-countries"], now=utcnow())

The chosen sources are fetched together by a Scrapy process (pages and feeds side by side,
concurrent across domains; a large batch may be split across several, see shard.py) that is
stopped at ``fetch.crawl_timeout``; the sources it did not finish are recorded as ``timeout``.
A source still inside a Retry-After window from an earlier 429 is not fetched and is reported
``rate_limited`` (no fetch row: there was no attempt). While the crawl runs, the parent records
each chunk of finished captures and runs ``detect`` on it, one transaction per chunk.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from monitor.config import Settings
from monitor.errors import CatalogError, FetchError
from monitor.extract.feeds import FeedLimits
from monitor.fetch.process import ChildExit, Warm, run_children
from monitor.fetch.record import record_batch
from monitor.fetch.records import CrawlJob, CrawlReport, FetchTarget, SourceReport, SourceResult
from monitor.fetch.settings import scrapy_settings
from monitor.fetch.shard import process_count, shard
from monitor.fetch.transfer import SUFFIX, CaptureTail
from monitor.fetch.workdir import crawl_workdir
from monitor.store.catalog import sync_sources
from monitor.store.engine import make_engine, session_factory, transaction
from monitor.store.fetches import SourceState, load_states
from monitor.store.held import awaiting_confirmation
from monitor.store.migrate import require_head
from monitor.types import Capture, Catalog, Outcome, Source

log = logging.getLogger(__name__)

#: Finished captures recorded (and detected) per transaction while the crawl runs.
RECORD_EVERY = 100
#: The most captures one transaction takes (when recording falls behind the crawl, chunks grow
#: up to this, which spends less on each chunk's fixed costs).
RECORD_MAX = 400
#: The detection hook: runs inside each chunk's transaction; may say which sources it held as suspect.
Detect = Callable[[Session, list[SourceResult]], Mapping[str, Outcome] | None]


def run_crawl(
    settings: Settings,
    catalog: Catalog,
    source_ids: Sequence[str],
    *,
    now: datetime,
    sessions: sessionmaker[Session] | None = None,
    detect: Detect | None = None,
    warm: Warm | None = None,
    sync: bool = True,
) -> CrawlReport:
    """Fetch the given sources once and record them; ``detect`` runs in each chunk's transaction.

    ``warm``: crawl processes started earlier (see process.Warm), used before new ones.
    ``sync=False``: the catalog is known to be in the store already (a Celery worker's task: the
    scheduler synced it; syncing reads every source row, which a task of a few hundred should not).
    """
    chosen = choose(catalog, source_ids)
    if sessions is None:
        engine = make_engine(settings.database_url)
        require_head(engine, settings.database_url)
        try:
            return run_crawl(
                settings,
                catalog,
                source_ids,
                now=now,
                sessions=session_factory(engine),
                detect=detect,
                warm=warm,
                sync=sync,
            )
        finally:
            engine.dispose()
    started = time.monotonic()
    with transaction(sessions) as session:
        if sync:
            sync_sources(session, catalog, now=now)
        states = load_states(session, [s.id for s in chosen])
        fresh = awaiting_confirmation(session, [s.id for s in chosen])
    waiting = [s for s in chosen if _waiting(states.get(s.id), now)]
    held = {s.id for s in waiting}
    due = [s for s in chosen if s.id not in held]
    recorded, timed_out = _fetch_and_record(settings, due, states, fresh, now, sessions, detect, warm)
    reports = {r.source_id: r for r in recorded}
    reports.update({s.id: _deferred(s, states[s.id]) for s in waiting})
    report = CrawlReport(
        started_at=now,
        elapsed=time.monotonic() - started,
        results=tuple(reports[s.id] for s in chosen),
        timed_out=timed_out,
    )
    log.info("crawl: %s", report.summary())
    return report


def choose(catalog: Catalog, source_ids: Sequence[str]) -> list[Source]:
    """The catalog entries for the ids, in catalog order; CatalogError names unknown ids."""
    known = catalog.by_id()
    unknown = [ident for ident in source_ids if ident not in known]
    if unknown:
        raise CatalogError([f"unknown source {ident!r} (see 'regionwatch sources list')" for ident in unknown])
    wanted = set(source_ids)
    chosen = [s for s in catalog.sources if s.id in wanted]
    if not chosen:
        raise FetchError("no sources to crawl: name some with --source ID, or use --all")
    return chosen


def _fetch_and_record(
    settings: Settings,
    due: list[Source],
    states: dict[str, SourceState],
    fresh: set[str],
    now: datetime,
    sessions: sessionmaker[Session],
    detect: Detect | None,
    warm: Warm | None,
) -> tuple[list[SourceReport], bool]:
    if not due:
        return [], False
    # A source whose held change waits for a confirming read is fetched without validators:
    # only a body read now can confirm (a 304 never does).
    targets = tuple(_target(s, None if s.id in fresh else states.get(s.id)) for s in due)
    with crawl_workdir() as workdir:
        jobs = _jobs(settings, targets, workdir, now)
        limits = FeedLimits(title=settings.limits.feed_title_chars, summary=settings.limits.feed_summary_chars)
        recorder = _Recorder(workdir, sessions, {s.id: s for s in due}, limits, detect)
        try:
            ended = run_children(jobs, timeout=settings.fetch.crawl_timeout, meanwhile=recorder.poll, warm=warm)
            _check(ended, workdir)
            recorder.finish(_unfinished(targets, ended, now, recorder.seen))
        finally:
            recorder.close()
    return recorder.reports, ended.timed_out


def _jobs(
    settings: Settings, targets: tuple[FetchTarget, ...], workdir: Path, now: datetime
) -> list[tuple[CrawlJob, Path]]:
    """One job per crawl process, each writing into its own directory under ``workdir``."""
    count = process_count(settings.fetch.processes, len(targets))
    jobs = []
    for index, part in enumerate(shard(targets, scrapy_settings(settings.fetch, log_level=_level()), count)):
        output = workdir / f"shard-{index}"
        output.mkdir()
        jobs.append(
            (
                CrawlJob(
                    targets=part.targets, output_dir=str(output), started_at=now, scrapy_settings=part.scrapy_settings
                ),
                output,
            )
        )
    if len(jobs) > 1:
        log.info("crawl: %d sources split across %d processes", len(targets), len(jobs))
    return jobs


class _Recorder:
    """Records and detects the captures the crawl process finishes, while it goes on fetching.

    Once ``RECORD_EVERY`` finished captures wait, they (up to ``RECORD_MAX``) are recorded and
    run through detection in one transaction (fetch rows, snapshots, changes, intervals and
    outbox rows commit together), so the parent's work overlaps the fetching, its memory holds
    one chunk of bodies at a time, and a crawl stopped half-way keeps the chunks it committed.
    """

    def __init__(
        self,
        workdir: Path,
        sessions: sessionmaker[Session],
        sources: dict[str, Source],
        limits: FeedLimits,
        detect: Detect | None,
    ) -> None:
        self.sessions, self.sources, self.limits, self.detect = sessions, sources, limits, detect
        self.tail = CaptureTail(workdir)
        self.seen: set[str] = set()
        self.pending: list[Capture] = []
        self.reports: list[SourceReport] = []

    def poll(self) -> None:
        """Record chunks while at least ``RECORD_EVERY`` finished captures wait."""
        while self._take() >= RECORD_EVERY:
            self._record()

    def finish(self, more: Iterable[Capture]) -> None:
        """Record everything left, then ``more`` (read after that: the sources the crawl process
        did not finish)."""
        while self._take():
            self._record()
        self.pending += [c for c in more if c.source_id not in self.seen]
        while self.pending:
            self._record()

    def _take(self) -> int:
        """Read finished captures until ``RECORD_MAX`` wait (never the whole backlog); how many wait."""
        for capture in self.tail.poll(limit=max(0, RECORD_MAX - len(self.pending))):
            if capture.source_id in self.seen:
                log.warning("source %s: second capture in one crawl ignored", capture.source_id)
                continue
            self.seen.add(capture.source_id)
            self.pending.append(capture)
        return len(self.pending)

    def _record(self) -> None:
        """Record (and detect) the first ``RECORD_MAX`` pending captures in one transaction."""
        chunk, self.pending = self.pending[:RECORD_MAX], self.pending[RECORD_MAX:]
        with transaction(self.sessions) as session:
            results = record_batch(session, chunk, self.sources, feed_limits=self.limits)
            overrides = (self.detect(session, results) or {}) if self.detect is not None else {}
        self.reports += [
            SourceReport.of(replace(r, outcome=overrides[r.source.id]) if r.source.id in overrides else r)
            for r in results
        ]

    def close(self) -> None:
        self.tail.close()


def _target(source: Source, state: SourceState | None) -> FetchTarget:
    return FetchTarget(
        source_id=source.id,
        kind=source.kind,
        url=source.url,
        etag=state.etag if state else None,
        last_modified=state.last_modified if state else None,
    )


def _check(ended: ChildExit, workdir: Path) -> None:
    """A crawl process that failed by itself and left nothing is a crawl that did not run."""
    wrote = any(p.stat().st_size for p in workdir.rglob(f"*{SUFFIX}"))
    if not ended.timed_out and ended.returncode != 0 and not wrote:
        raise FetchError(
            f"the crawl process failed (exit status {ended.returncode}): see its log above; nothing was fetched"
        )


def _unfinished(targets: Sequence[FetchTarget], ended: ChildExit, now: datetime, done: set[str]) -> Iterator[Capture]:
    """A capture for every source the crawl process left without one (``timeout`` if killed)."""
    if ended.timed_out:
        outcome, reason = Outcome.TIMEOUT, "the crawl reached its time limit first"
    else:  # a bug, not a bad page: the process ended without a word about this source
        outcome = Outcome.CONNECT
        reason = f"the crawl process (exit status {ended.returncode}) gave no result; see its log"
    for target in targets:
        if target.source_id not in done:
            yield Capture(
                source_id=target.source_id,
                url=target.url,
                final_url=target.url,
                fetched_at=now + timedelta(seconds=ended.elapsed),
                elapsed=ended.elapsed,
                outcome=outcome,
                error=f"not fetched: {reason}",
            )


def _waiting(state: SourceState | None, now: datetime) -> bool:
    return state is not None and state.next_due_at is not None and state.next_due_at > now


def _deferred(source: Source, state: SourceState) -> SourceReport:
    return SourceReport(
        source_id=source.id,
        kind=source.kind,
        outcome=Outcome.RATE_LIMITED,
        http_status=None,
        elapsed=0.0,
        not_before=state.next_due_at,
        error=f"not fetched: Retry-After until {state.next_due_at:%Y-%m-%d %H:%M}Z",
        fetched=False,
    )


def _level() -> str:
    """Scrapy logs warnings and up, unless Regionwatch is debugging."""
    return "DEBUG" if logging.getLogger("monitor").isEnabledFor(logging.DEBUG) else "WARNING"
