"""What a worker's tasks do, without Celery: crawl a shard once per due time, dispatch, give up visibly.

A crawl task is delivered at least once (``acks_late``: a task whose worker died is given to
another), so its effects must be idempotent:

- it holds its domains' advisory locks (none free: ``DomainBusyError``, asked again later), so a
  redelivered copy never fetches beside a copy still running;
- it skips the sources already fetched at or after the due time it carries: a copy delivered
  again after the first finished records nothing twice;
- detection serialises per (provider, product) and the outbox's dedup keys hold the rest.

A task that keeps failing ends with ``give_up``: every source of it not yet fetched for its due
time gets a failed fetch row saying why, which ``regionwatch sources status`` shows.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import Settings
from monitor.cycle import check
from monitor.errors import RegionwatchError
from monitor.executor.shards import domains
from monitor.fetch.record import record_batch
from monitor.notify.dispatch import dispatch_due
from monitor.notify.slack import Sender, open_sender
from monitor.sources.catalog import load_catalog
from monitor.store.cluster import domain_locks, fetched_since, stored
from monitor.store.engine import make_engine, session_factory, transaction
from monitor.timeutil import utcnow
from monitor.types import Capture, Catalog, Outcome

log = logging.getLogger(__name__)


class DomainBusyError(RegionwatchError):
    """Another task fetches one of this task's domains now."""


class CatalogMismatchError(RegionwatchError):
    """This worker's source catalog is not the scheduler's."""


def catalog_digest(catalog: Catalog) -> str:
    """A fingerprint of the sources and routes (not of where they were read from)."""
    return hashlib.sha256(repr((catalog.sources, catalog.routes)).encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True, kw_only=True)
class CrawlDone:
    """What one crawl task did."""

    fetched: int
    skipped: int  # already fetched for this due time (a redelivered or duplicated task)

    def as_json(self) -> dict[str, int]:
        return {"fetched": self.fetched, "skipped": self.skipped}


class Worker:
    """What a worker process holds between tasks: the settings, the catalog, an engine of its own."""

    def __init__(self, settings: Settings, catalog: Catalog) -> None:
        self.settings, self.catalog = settings, catalog
        self._pid = -1
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
        self._sender: Sender | None = None
        self._digest: str | None = None  # the catalog's, computed once per load (O(catalog))

    @property
    def engine(self) -> Engine:
        """An engine opened in this process (a pool child never uses its parent's connections)."""
        if self._engine is None or self._pid != os.getpid():
            self._pid, self._engine = os.getpid(), make_engine(self.settings.database_url, create=False)
            self._sessions = session_factory(self._engine)
            self._sender = open_sender(self.settings.slack)
        return self._engine

    @property
    def sessions(self) -> sessionmaker[Session]:
        self.engine  # noqa: B018 (opens the engine in this process)
        assert self._sessions is not None
        return self._sessions

    def catalog_for(self, digest: str) -> Catalog:
        """The catalog the scheduler planned with: reloaded once if it changed on disk since start."""
        if self._digest is None:
            self._digest = catalog_digest(self.catalog)
        if self._digest != digest:
            self.catalog = load_catalog(self.settings.sources)
            self._digest = catalog_digest(self.catalog)
            if self._digest != digest:
                raise CatalogMismatchError(
                    "this worker's source catalog differs from the scheduler's: "
                    "deploy the same sources file to every machine"
                )
        return self.catalog

    def crawl(self, source_ids: Sequence[str], due_at: datetime, digest: str) -> CrawlDone:
        """Fetch, record and detect the shard's sources not yet fetched for ``due_at``."""
        catalog = self.catalog_for(digest)
        known = catalog.by_id()
        sources = [known[i] for i in source_ids if i in known]
        with domain_locks(self.engine, domains(sources)) as free:
            if not free:
                raise DomainBusyError(f"a domain of {len(sources)} source(s) is being fetched by another task")
            with self.sessions() as session:
                done = fetched_since(session, [s.id for s in sources], due_at)
                unsynced = len(stored(session, [s.id for s in sources])) < len(sources)
            todo = [s.id for s in sources if s.id not in done]
            if done:
                log.info(
                    "crawl task: %d of %d source(s) already fetched for %s: skipped",
                    len(done),
                    len(sources),
                    due_at.isoformat(),
                )
            if todo:
                # the scheduler synced the catalog before sending (the digest says it is this one); a
                # task sent some other way syncs it here
                report = check(self.settings, catalog, todo, now=utcnow(), sessions=self.sessions, sync=unsynced)
                log.info("crawl task: %s", report.summary())
        if todo:
            self.dispatch()  # a change found now is on Slack within seconds
        return CrawlDone(fetched=len(todo), skipped=len(done))

    def dispatch(self) -> None:
        """Send what is due from the outbox (leases make any number of dispatchers safe)."""
        dispatch_due(self.sessions, self.settings, now=utcnow(), sender=self._sender)

    def give_up(self, source_ids: Sequence[str], due_at: datetime, error: BaseException, attempts: int) -> int:
        """Record a failed fetch for each source still not fetched for ``due_at``; how many."""
        known = self.catalog.by_id()
        sources = {i: known[i] for i in source_ids if i in known}
        now = utcnow()
        reason = f"not fetched: the crawl task failed {attempts} time(s): {type(error).__name__}: {error}"[:500]
        with transaction(self.sessions) as session:
            done = fetched_since(session, list(sources), due_at)
            missing = [i for i in stored(session, list(sources)) if i not in done]
            record_batch(
                session,
                [
                    Capture(
                        source_id=i,
                        url=sources[i].url,
                        final_url=sources[i].url,
                        fetched_at=now,
                        elapsed=0.0,
                        outcome=Outcome.CONNECT,
                        error=reason,
                    )
                    for i in missing
                ],
                sources,
            )
        log.error("crawl task gave up after %d attempt(s) on %d source(s): %s", attempts, len(missing), reason)
        return len(missing)
