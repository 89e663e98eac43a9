"""The daemon: sources crawled on their cadence, the outbox dispatched, the digest on its cron.

APScheduler 3.11 runs three jobs in a small thread pool, so alerts keep flowing while a crawl
runs. Every job catches failures at its boundary and logs them; the next run tries again
(the engine's pre-ping reconnects after a database restart). SIGTERM and SIGINT stop the
scheduler after the running jobs finish their transactions.

With ``executor = "celery"`` the crawl job sends the due sources to the workers as tasks
(monitor/executor/) instead of crawling here; dispatch and the digest stay in this process.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from types import FrameType
from typing import TYPE_CHECKING

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from monitor.config import Settings
from monitor.cycle import check
from monitor.notify.dispatch import dispatch_due
from monitor.notify.email import send_due_digest
from monitor.notify.slack import open_sender
from monitor.schedule.due import due_sources
from monitor.schedule.lock import daemon_lock
from monitor.schedule.triggers import digest_trigger, time_zone
from monitor.store.catalog import sync_sources
from monitor.store.engine import session_factory, transaction
from monitor.store.held import confirmations_due
from monitor.store.schedule import fetch_times
from monitor.types import Catalog, Outcome

if TYPE_CHECKING:
    from monitor.executor.enqueue import Enqueuer

log = logging.getLogger(__name__)
DISPATCH_EVERY = 5.0
_UNREACHABLE = {Outcome.DNS.value, Outcome.CONNECT.value, Outcome.TIMEOUT.value}
MISFIRE_GRACE = 3600


class Daemon:
    """The jobs of ``regionwatch run``, callable one by one (``--once``) or on a schedule."""

    def __init__(self, settings: Settings, catalog: Catalog, engine: Engine, *, clock: Callable[[], datetime]) -> None:
        self.settings, self.catalog, self.engine, self.clock = settings, catalog, engine, clock
        self.sessions = session_factory(engine)
        self.sender = open_sender(settings.slack)
        self._dispatching = threading.Lock()
        self._offline = False
        self.enqueuer = _enqueuer(settings)
        self._synced = False

    def crawl_due(self) -> int:
        """Crawl, as one batch, every source whose cadence has come round and every source whose
        held change is due for its confirming read (``detect.confirm_after`` after it was first
        seen, not at the source's cadence); returns how many."""
        now = self.clock()
        with self.sessions() as session:
            confirming = set(confirmations_due(session, now))
            times = fetch_times(session)
            cadence = set(due_sources(self.catalog, times, now))
        due = [s.id for s in self.catalog.sources if s.id in cadence or (s.id in confirming and s.enabled)]
        if confirming & set(due):
            log.info("daemon: %d source(s) due for a confirming read", len(confirming & set(due)))
        if due and self.enqueuer is not None:
            if not self._synced:  # once, here: workers that each added new sources would collide
                with transaction(self.sessions) as session:
                    sync_sources(session, self.catalog, now=now)
                self._synced = True
            return self.enqueuer.crawl(self.catalog, due, now=now, last_fetch={i: t[0] for i, t in times.items()})
        if due:
            report = check(self.settings, self.catalog, due, now=now, sessions=self.sessions)
            self._note_offline(report.counts())
            self.dispatch()  # a change found now is on Slack within seconds, not at the next tick
        return len(due)

    def _note_offline(self, counts: Mapping[str, int]) -> None:
        """Say once that the machine looks offline (every source failed to resolve or connect), and
        once when sources answer again."""
        offline = bool(counts) and set(counts) <= _UNREACHABLE
        if offline and not self._offline:
            log.warning(
                "daemon: every source failed to resolve or connect: this machine looks offline "
                "(checks go on at their cadence)"
            )
        elif self._offline and not offline:
            log.warning("daemon: sources answer again")
        self._offline = offline

    def dispatch(self) -> None:
        with self._dispatching:  # the crawl job and the dispatch job never send side by side
            dispatch_due(self.sessions, self.settings, now=self.clock(), sender=self.sender)

    def digest(self) -> None:
        result = send_due_digest(self.sessions, self.settings, self.catalog, now=self.clock())
        log.info("digest %s: %s", result.period, result.status)

    def once(self) -> None:
        """One full cycle: crawl what is due, detect, dispatch, and the digest if one is owed."""
        self.crawl_due()
        self.dispatch()
        self.digest()

    def run_forever(self, *, tick: float) -> None:
        """Until SIGTERM or SIGINT."""
        scheduler = self._scheduler(tick)
        stop = _stopper(scheduler)
        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        log.info(
            "daemon: %d sources, crawl check every %.0fs, dispatch every %.0fs, digest %r (%s)",
            len(self.catalog.sources),
            tick,
            DISPATCH_EVERY,
            self.settings.digest.cron,
            self.settings.timezone,
        )
        try:
            scheduler.start()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        log.info("daemon: stopped")

    def _scheduler(self, tick: float) -> BlockingScheduler:
        zone = time_zone(self.settings.timezone)
        scheduler = BlockingScheduler(
            timezone=zone,
            executors={"default": ThreadPoolExecutor(3)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE},
        )
        now = self.clock()
        scheduler.add_job(
            _guarded(self.crawl_due),
            IntervalTrigger(seconds=tick),
            id="crawl",
            name="crawl due sources",
            next_run_time=now,
        )
        scheduler.add_job(
            _guarded(self.dispatch),
            IntervalTrigger(seconds=DISPATCH_EVERY),
            id="dispatch",
            name="dispatch alerts",
            next_run_time=now,
        )
        scheduler.add_job(
            _guarded(self.digest),
            digest_trigger(self.settings.digest.cron, self.settings.timezone),
            id="digest",
            name="weekly digest",
        )
        # A digest missed while the daemon was down goes out once now.
        scheduler.add_job(_guarded(self.digest), id="digest-catch-up", name="digest catch-up", next_run_time=now)
        return scheduler


def _enqueuer(settings: Settings) -> Enqueuer | None:
    """The task sender in celery mode (Celery is imported only then), else None."""
    if settings.executor != "celery":
        return None
    from monitor.executor.enqueue import Enqueuer

    return Enqueuer(settings)


def _guarded(job: Callable[[], object]) -> Callable[[], None]:
    """The job boundary: a failure is logged and the schedule goes on."""

    def run() -> None:
        try:
            job()
        except Exception:  # the job boundary: recorded here, retried at the next run
            log.exception("job %s failed; it runs again on schedule", getattr(job, "__name__", job))

    run.__name__ = getattr(job, "__name__", "job")
    return run


def _stopper(scheduler: BlockingScheduler) -> Callable[[int, FrameType | None], None]:
    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("daemon: %s received, finishing running jobs", signal.Signals(signum).name)
        threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}, daemon=True).start()

    return stop


__all__ = ["Daemon", "daemon_lock"]
