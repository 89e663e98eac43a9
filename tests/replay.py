"""Replaying pages through detection the way a crawl does, for store and CLI tests."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from monitor.detect.normalize import content_hash, normalize_text, quick_hash
from monitor.sources.catalog import parse_catalog
from monitor.store.availability import as_of
from monitor.store.batch import begin, release
from monitor.store.catalog import sync_sources
from monitor.store.detections import DIFF_CHARS, SIGNAL_LOOKBACK, PageObservation, apply_page
from monitor.store.engine import transaction
from monitor.store.models import ChangeRow, SnapshotRow

CATALOG_TOML = """
[[source]]
id = "acme-api"
kind = "page"
url = "https://acme.example/countries"
provider = "acme"
product = "api"
[source.availability]
select = "ul.countries li"
exclude = ["nav", "footer"]

[[route]]
providers = ["acme"]
countries = ["HK", "MO"]
slack_channel = "#ai-access"
"""

CATALOG = parse_catalog(CATALOG_TOML, origin="test")
SOURCE = CATALOG.sources[0]
T0 = datetime(2024, 6, 1, tzinfo=UTC)


class Replayer:
    """Feeds page bodies to apply_page the way the crawl does for new content.

    With ``batch``, each observation runs inside a one-page detection batch (store/batch.py),
    as a crawl runs it: reads preloaded, set changes written at the batch's end.
    """

    def __init__(self, sessions: sessionmaker[Session], *, batch: bool = False) -> None:
        self.sessions = sessions
        self.batch = batch
        self.last: tuple[int, str] | None = None
        with transaction(sessions) as s:
            sync_sources(s, CATALOG, now=T0)

    def observe(self, body: bytes, at: datetime, *, diff_chars: int = DIFF_CHARS) -> list[ChangeRow]:
        text = normalize_text(body, content_type="text/html")
        with transaction(self.sessions) as s:
            snap = SnapshotRow(source_id=SOURCE.id, content_hash=content_hash(text), raw_hash=quick_hash(body),
                               raw_body=zlib.compress(body), text=text, first_seen=at, last_seen=at)
            s.add(snap)
            s.flush()
            obs = PageObservation(source=SOURCE, snapshot_id=snap.id, body=body, text=text, observed_at=at,
                                  previous_snapshot_id=self.last[0] if self.last else None,
                                  previous_text=self.last[1] if self.last else None, diff_chars=diff_chars)
            if not self.batch:
                changes = apply_page(s, obs, routes=CATALOG.routes)
            else:
                batch = begin(s, source_ids=[SOURCE.id],
                              snapshot_ids=[snap.id, *([self.last[0]] if self.last else [])],
                              products=[(SOURCE.provider, SOURCE.product_key)], earliest=at,
                              signal_lookback=SIGNAL_LOOKBACK)
                try:
                    changes = apply_page(s, obs, routes=CATALOG.routes)
                    batch.write(s)
                finally:
                    release(s)
            self.last = (snap.id, text)
            return changes


def codes_at(sessions: sessionmaker[Session], at: datetime) -> set[str]:
    with sessions() as s:
        return {i.country for i in as_of(s, at, provider="acme", product="api")}
