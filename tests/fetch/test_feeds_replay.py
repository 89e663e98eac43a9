"""Feeds through the real fetch path: a real newsroom feed replayed, feedparser's whole corpus."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.fetch.crawl import run_crawl
from monitor.fetch.record import record_batch
from monitor.fetch.records import SourceResult
from monitor.store.catalog import sync_sources
from monitor.store.engine import make_engine, session_factory, transaction
from monitor.store.models import NewsItemRow, SnapshotRow
from monitor.types import Capture, Catalog, Outcome, Source, SourceKind
from tests.fetch.conftest import Crawler, feed
from tests.fetch.server import LocalServer

RESTRICTION = "Updating restrictions of sales to unsupported regions"
#: New items per capture, in order (see shared/realdata/README.md). The 09-06 copy is stale: the
#: README calls it byte-identical, but its <lastBuildDate> differs; its entries are the same.
EXPECTED_NEW = {"da198d77": 107, "501cc51b": 0, "d07277bc": 3, "30512d44": 74}


def _restriction_items(crawler: Crawler) -> int:
    with crawler.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(NewsItemRow).where(NewsItemRow.title == RESTRICTION)
            ).scalar_one()
        )


def test_anthropic_feed_replayed_in_order_gives_exactly_the_new_items(
    realdata: Path, site: LocalServer, crawler: Crawler
) -> None:
    files = sorted((realdata / "feeds" / "anthropic-news-olshansk").glob("*.xml"))
    assert [f.stem.rsplit("_", 1)[1] for f in files] == list(EXPECTED_NEW)
    catalog = crawler.catalog(feed("anthropic-news", site.url("/news.xml"), provider="anthropic"))
    settings = crawler.settings()
    sessions = session_factory(crawler.engine)
    seen_by_detect: list[tuple[int, ...]] = []

    def detect(session: Session, results: list[SourceResult]) -> None:
        assert session.in_transaction()
        seen_by_detect.extend(r.new_items for r in results)

    now = datetime(2025, 9, 3, 23, 30, tzinfo=UTC)
    for round_ in range(2):  # in order, then every file replayed again: nothing new
        for path in files:
            now += timedelta(hours=1)
            site.set("/news.xml", path.read_bytes(), content_type="application/rss+xml")
            report = run_crawl(settings, catalog, ["anthropic-news"], now=now, sessions=sessions, detect=detect)
            (result,) = report.results
            want = EXPECTED_NEW[path.stem.rsplit("_", 1)[1]] if round_ == 0 else 0
            assert result.new_items == want, path.name
            assert result.outcome in (Outcome.CHANGED, Outcome.UNCHANGED)
            assert len(seen_by_detect[-1]) == want
            is_last = path is files[-1]
            assert _restriction_items(crawler) == (1 if is_last or round_ else 0)
    with crawler.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(NewsItemRow)).scalar_one() == 184
        assert conn.execute(select(func.sum(NewsItemRow.edits))).scalar_one() == 0
        published = conn.execute(
            select(NewsItemRow.published_at, NewsItemRow.published_guessed).where(NewsItemRow.title == RESTRICTION)
        ).one()
    assert published == (datetime(2025, 9, 4, tzinfo=UTC), False)


def test_a_stale_feed_copy_is_unchanged_and_identical_bytes_are_not_parsed(
    realdata: Path, site: LocalServer, crawler: Crawler, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = realdata / "feeds" / "anthropic-news-olshansk"
    first = (folder / "feed_anthropic_news@2025-09-03_da198d77.xml").read_bytes()
    stale = (folder / "feed_anthropic_news@2025-09-06_501cc51b.xml").read_bytes()
    catalog = crawler.catalog(feed("anthropic-news", site.url("/news.xml")))
    sessions = session_factory(crawler.engine)

    def crawl(body: bytes, *, etag: bool) -> Outcome:
        site.set("/news.xml", body, content_type="application/rss+xml", etag=etag)
        report = run_crawl(
            crawler.settings(), catalog, ["anthropic-news"], now=datetime(2025, 9, 6, tzinfo=UTC), sessions=sessions
        )
        return report.results[0].outcome

    assert crawl(first, etag=True) is Outcome.CHANGED
    # The 09-06 copy differs only in <lastBuildDate>: same entries, so no new snapshot.
    assert crawl(stale, etag=True) is Outcome.UNCHANGED
    assert crawl(stale, etag=True) is Outcome.NOT_MODIFIED  # its ETag was sent back: 304
    monkeypatch.setattr("monitor.fetch.assess.parse_feed", _must_not_parse)
    assert crawl(first, etag=False) is Outcome.UNCHANGED  # the snapshot's own bytes: no parsing
    with crawler.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(SnapshotRow)).scalar_one() == 1


def _must_not_parse(*_args: object) -> None:
    raise AssertionError("a body seen before was parsed again")


def test_feedparser_corpus_goes_through_the_feed_path(realdata: Path, sqlite_url: str) -> None:
    files = sorted((realdata / "feeds" / "feedparser-tests").rglob("*.xml"))
    assert len(files) > 2000
    sources = tuple(
        Source(id=f"corpus-{i:04d}", kind=SourceKind.FEED, provider="corpus", url=f"http://127.0.0.1/{i}.xml")
        for i in range(len(files))
    )
    catalog = Catalog(sources=sources)
    now = datetime(2025, 1, 1, tzinfo=UTC)
    engine = make_engine(sqlite_url)
    sessions = session_factory(engine)
    started = time.monotonic()
    with transaction(sessions) as session:
        sync_sources(session, catalog, now=now)
    captures = (
        Capture(
            source_id=source.id,
            url=source.url,
            final_url=source.url,
            fetched_at=now,
            elapsed=0.0,
            status=200,
            headers={"content-type": "application/xml"},
            body=path.read_bytes(),
        )
        for source, path in zip(sources, files, strict=True)
    )
    with transaction(sessions) as session:
        results = record_batch(session, captures, catalog.by_id())
    elapsed = time.monotonic() - started
    outcomes = Counter(r.outcome for r in results)
    assert len(results) == len(files)
    assert set(outcomes) <= {Outcome.CHANGED, Outcome.DECODE}
    assert not [r for r in results if r.error and r.error.startswith("internal error")]
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(NewsItemRow)).scalar_one()
        bozo_kept = conn.execute(
            select(func.count()).select_from(NewsItemRow).where(NewsItemRow.bozo.is_(True))
        ).scalar_one()
    assert stored == sum(len(r.new_items) for r in results) > 1000
    assert bozo_kept > 0  # ill-formed feeds that still had entries were kept, and flagged
    assert outcomes[Outcome.DECODE] > 0  # and those with none are failed fetches
    assert elapsed < 60
    engine.dispose()
