"""Due sources as crawl tasks (pure): a domain's sources together, so its politeness holds across workers.

Each task holds an advisory lock per domain it fetches (store/cluster.py), so two tasks never
fetch one domain at once anywhere in the cluster, and within a task Scrapy keeps
``fetch.per_domain`` and ``fetch.delay`` as on one machine. Domains are packed into tasks of at
most ``celery.batch`` sources, biggest first; a domain bigger than a batch is cut into several
tasks, which then take turns on its lock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from monitor.types import Source


def domain_of(url: str) -> str:
    """The host a URL is fetched from (Scrapy's download slot)."""
    return (urlsplit(url).hostname or "").lower()


def domains(sources: Iterable[Source]) -> set[str]:
    """Every domain the sources are fetched from."""
    return {domain_of(s.url) for s in sources}


def plan(sources: Sequence[Source], batch: int) -> list[list[str]]:
    """The sources' ids as tasks: whole domains packed, biggest first, into tasks of at most ``batch``."""
    by_domain: dict[str, list[str]] = defaultdict(list)
    for source in sources:
        by_domain[domain_of(source.url)].append(source.id)
    tasks: list[list[str]] = []
    open_task: list[str] = []
    for _domain, ids in sorted(by_domain.items(), key=lambda item: (-len(item[1]), item[0])):
        for start in range(0, len(ids), batch):
            part = ids[start : start + batch]
            if len(open_task) + len(part) > batch:
                tasks.append(open_task)
                open_task = []
            open_task.extend(part)
    if open_task:
        tasks.append(open_task)
    return tasks
