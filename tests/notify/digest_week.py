"""A week of history for the digest tests, made by the real detection path (tests/replay.py).

Week 2024-W28 (Mon 8 to Sun 14 July 2024, UTC) holds:
- Mon: a text change on acme-api whose diff carries ``<script>`` and ``<img onerror>`` as page text;
- Mon: a signal (stored with record_change): acme blocks CN and HK from 9 July, with a hostile
  title and a ``javascript:`` URL;
- Tue: an availability change: acme api drops HK and MO, adds VN (effective 9 July, from the signal);
- Thu: acme-api held as suspect (a challenge page); Fri: acme-news failing (connection refused).
Outside it: a text change in W27 and a signal in W29, which the W28 digest must not show.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from monitor.fetch.record import record_batch
from monitor.sources.catalog import parse_catalog
from monitor.store.catalog import sync_sources
from monitor.store.changes import record_change
from monitor.store.engine import transaction
from monitor.types import Capture, Change, ChangeKind, Outcome, Severity
from tests.pages import CHALLENGE, FORTY, page
from tests.replay import CATALOG_TOML, T0, Replayer

WEEK = "2024-W28"
MONDAY = datetime(2024, 7, 8, tzinfo=UTC)
AFTER_WEEK = datetime(2024, 7, 15, 8, 0, tzinfo=UTC)  # the Monday the digest goes out
HOSTILE_TITLE = "Acme blocks <script>alert(1)</script> <img src=x onerror=alert(2)> HK & CN"
HOSTILE_URL = "javascript:alert(3)"
SCRIPT_TEXT = "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt;"
READER = "ops@example.com"
OTHER = "cfo@example.com"

DIGEST_CATALOG_TOML = (
    CATALOG_TOML
    + f"""
[[source]]
id = "acme-news"
kind = "feed"
url = "https://acme.example/news.xml"
provider = "acme"

[[route]]
countries = ["HK", "VN"]
email = ["{READER}"]

[[route]]
providers = ["acme"]
countries = ["CN"]
email = ["{READER.upper()}"]
"""
)
DIGEST_CATALOG = parse_catalog(DIGEST_CATALOG_TOML, origin="test")


def fill_week(sessions: sessionmaker[Session]) -> None:
    """Replay the week described in the module docstring into a migrated database."""
    replayer = Replayer(sessions)
    with transaction(sessions) as s:
        sync_sources(s, DIGEST_CATALOG, now=T0)
    without = [n for n in FORTY if n not in ("Hong Kong", "Macao")] + ["Vietnam"]
    replayer.observe(page(FORTY), T0)
    replayer.observe(page(FORTY, title="Supported countries and regions"), MONDAY - timedelta(days=5))
    replayer.observe(page(FORTY, title=f"Supported countries {SCRIPT_TEXT}"), MONDAY + timedelta(hours=10))
    _signal(sessions, MONDAY + timedelta(hours=12), title=HOSTILE_TITLE, url=HOSTILE_URL)
    replayer.observe(page(without, title=f"Supported countries {SCRIPT_TEXT}"), MONDAY + timedelta(days=1, hours=9))
    _signal(sessions, MONDAY + timedelta(days=8), title="next week's news", url="https://acme.example/n")
    replayer.observe(CHALLENGE, MONDAY + timedelta(days=3))
    _failing_fetch(sessions, MONDAY + timedelta(days=4))


def _signal(sessions: sessionmaker[Session], at: datetime, *, title: str, url: str) -> None:
    change = Change(
        kind=ChangeKind.SIGNAL,
        source_id="acme-news",
        provider="acme",
        countries=("CN", "HK"),
        action="block",
        effective_date=date(2024, 7, 9),
        severity=Severity.HIGH,
        title=title,
        url=url,
    )
    with transaction(sessions) as s:
        record_change(s, change, routes=DIGEST_CATALOG.routes, detected_at=at)


def _failing_fetch(sessions: sessionmaker[Session], at: datetime) -> None:
    source = DIGEST_CATALOG.by_id()["acme-news"]
    capture = Capture(
        source_id=source.id,
        url=source.url,
        final_url=source.url,
        fetched_at=at,
        elapsed=0.1,
        outcome=Outcome.CONNECT,
        error="connection refused",
    )
    for attempt in range(2):
        with transaction(sessions) as s:
            record_batch(s, [replace(capture, fetched_at=at + timedelta(hours=attempt))], DIGEST_CATALOG.by_id())
