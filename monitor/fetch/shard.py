"""Splitting one crawl batch across several Scrapy processes without changing what a site sees.

One Scrapy process is bound to one core; a large batch can use more. ``shard`` deals the
batch's targets to ``k`` processes so that each domain still gets at most ``fetch.per_domain``
requests in flight in all, and never less spacing than ``fetch.delay``:

- a domain stays whole, in one process, unless splitting it keeps those promises: only when
  ``fetch.delay`` is 0 (no spacing promised) and ``fetch.per_domain`` is at least ``k``;
- a split domain's sources are dealt round-robin, and each process gets ``per_domain // k`` of
  its concurrency (a per-domain download slot), so the sum stays within ``per_domain``;
- whole domains go to the process with the fewest targets so far, biggest domain first;
- ``fetch.concurrency`` (requests in flight in all) is divided among the processes too.

``fetch.processes`` picks ``k``: 0 (the default) is one process per ``SOURCES_PER_PROCESS``
targets, at most one less than the machine's CPU count, since the parent needs a core of its
own to record and detect while the crawl runs (on 2 cores one crawl process was faster than
two, measured with bench/compare.py: the parent, two crawl processes and the site compete).
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from monitor.fetch.records import FetchTarget

#: Targets per process when ``fetch.processes`` is 0 (auto).
SOURCES_PER_PROCESS = 1000


@dataclass(frozen=True, slots=True, kw_only=True)
class Shard:
    """One crawl process's part of the batch, and its Scrapy settings."""

    targets: tuple[FetchTarget, ...]
    scrapy_settings: Mapping[str, Any]


def process_count(configured: int, targets: int, cpus: int | None = None) -> int:
    """How many crawl processes a batch of ``targets`` gets (``configured`` 0 = auto)."""
    if targets <= 0:
        return 1
    if configured > 0:
        return min(configured, targets)
    spare = (cpus or os.cpu_count() or 1) - 1  # one core for the parent
    return max(1, min(spare, math.ceil(targets / SOURCES_PER_PROCESS)))


def shard(targets: Sequence[FetchTarget], settings: Mapping[str, Any], count: int) -> list[Shard]:
    """The batch dealt to at most ``count`` processes; ``settings`` are the one-process settings."""
    if count <= 1 or len(targets) <= 1:
        return [Shard(targets=tuple(targets), scrapy_settings=settings)]
    per_domain = int(settings["CONCURRENT_REQUESTS_PER_DOMAIN"])
    splittable = float(settings["DOWNLOAD_DELAY"]) == 0 and per_domain >= count
    domains: dict[str, list[FetchTarget]] = defaultdict(list)
    for target in targets:
        domains[_domain(target.url)].append(target)
    parts: list[list[FetchTarget]] = [[] for _ in range(count)]
    split: set[str] = set()
    for domain, members in sorted(domains.items(), key=lambda item: -len(item[1])):
        if splittable and len(members) >= 2 * count:
            split.add(domain)
            for index, target in enumerate(members):
                parts[index % count].append(target)
        else:
            min(parts, key=len).extend(members)
    used = [part for part in parts if part]
    return [Shard(targets=tuple(part), scrapy_settings=_settings(settings, len(used), split)) for part in used]


def _settings(settings: Mapping[str, Any], count: int, split: set[str]) -> dict[str, Any]:
    per_domain = int(settings["CONCURRENT_REQUESTS_PER_DOMAIN"])
    share = max(1, per_domain // count)
    slots = dict(settings.get("DOWNLOAD_SLOTS") or {})
    slots.update({domain: {"concurrency": share, "delay": 0.0} for domain in split})
    return {
        **settings,
        "CONCURRENT_REQUESTS": max(1, math.ceil(int(settings["CONCURRENT_REQUESTS"]) / count)),
        "DOWNLOAD_SLOTS": slots,
    }


def _domain(url: str) -> str:
    """The download slot Scrapy gives a URL: its host name."""
    return (urlsplit(url).hostname or "").lower()
