"""Which sources are due now (pure): each on its cadence, with a stable per-source jitter."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta

from monitor.types import Catalog, Source

JITTER_FRACTION = 0.1


def jitter(source: Source) -> timedelta:
    """Up to a tenth of the cadence, fixed per source id, so sources spread out and stay put."""
    digest = hashlib.blake2b(source.id.encode(), digest_size=2).digest()
    fraction = int.from_bytes(digest, "big") / 0xFFFF
    return source.every * JITTER_FRACTION * fraction


def due_sources(
    catalog: Catalog, times: Mapping[str, tuple[datetime | None, datetime | None]], now: datetime
) -> list[str]:
    """Enabled sources never fetched, or whose cadence (plus jitter) has passed since the last fetch."""
    due: list[str] = []
    for source in catalog.sources:
        if not source.enabled:
            continue
        last, not_before = times.get(source.id, (None, None))
        if not_before is not None and not_before > now:
            continue
        if last is None or last + source.every + jitter(source) <= now:
            due.append(source.id)
    return due
