"""The scheduler's side in celery mode: due sources sent as crawl tasks, each source once per due time.

The daemon ticks every minute; a task may wait in the queue or run longer than that. A source
sent is not sent again while its task may still be on its way (``in_flight``: until its fetch is
recorded, or ``task_time_limit`` has passed); if the daemon restarts meanwhile and sends it again,
the copy finds the source fetched after its due time and skips it (work.py).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from monitor.config import Settings
from monitor.executor.app import make_app, send_crawl
from monitor.executor.shards import plan
from monitor.executor.work import catalog_digest
from monitor.types import Catalog

log = logging.getLogger(__name__)


class Enqueuer:
    """Sends crawl and dispatch tasks to the broker; remembers what it sent and when."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = make_app(settings)
        self.sent: dict[str, datetime] = {}
        self.horizon = timedelta(seconds=float(self.app.conf.task_time_limit))
        self._digest: tuple[Catalog, str] | None = None  # the last catalog's fingerprint (O(catalog) to make)

    def crawl(
        self, catalog: Catalog, due: Sequence[str], *, now: datetime, last_fetch: Mapping[str, datetime | None]
    ) -> int:
        """Send the due sources not already on their way, as shard tasks; how many sources were sent."""
        fresh = [i for i in due if not self._in_flight(i, now, last_fetch.get(i))]
        if not fresh:
            return 0
        wanted = set(fresh)
        tasks = plan([s for s in catalog.sources if s.id in wanted], self.settings.celery.batch)
        if self._digest is None or self._digest[0] is not catalog:
            self._digest = (catalog, catalog_digest(catalog))
        digest = self._digest[1]
        for ids in tasks:
            send_crawl(self.app, self.settings, ids, now, digest)
        self.sent.update({i: now for i in fresh})
        log.info("daemon: %d source(s) sent to the workers in %d task(s)", len(fresh), len(tasks))
        return len(fresh)

    def _in_flight(self, source_id: str, now: datetime, last: datetime | None) -> bool:
        sent = self.sent.get(source_id)
        if sent is None:
            return False
        if (last is not None and last >= sent) or now - sent > self.horizon:
            del self.sent[source_id]
            return False
        return True
