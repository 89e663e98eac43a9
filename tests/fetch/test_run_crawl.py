"""run_crawl as the scheduler calls it: the detect hook's transaction, deferral, bad choices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from monitor.errors import CatalogError, FetchError
from monitor.fetch.crawl import run_crawl
from monitor.fetch.records import SourceResult
from monitor.store.engine import session_factory, transaction
from monitor.store.models import FetchRow, SnapshotRow, SourceRow
from monitor.types import Outcome
from tests.fetch.conftest import Crawler, page
from tests.fetch.server import LocalServer

NOW = datetime(2025, 9, 4, 12, 0, tzinfo=UTC)


def test_a_failing_detect_hook_rolls_its_chunk_back(site: LocalServer, sqlite_crawler: Crawler) -> None:
    site.set("/a", "<html><body>Albania</body></html>")
    catalog = sqlite_crawler.catalog(page("a", site.url("/a")))
    sessions = session_factory(sqlite_crawler.engine)

    def detect(session: Session, results: list[SourceResult]) -> None:
        assert results[0].outcome is Outcome.CHANGED and results[0].text == "Albania"
        assert session.scalar(select(func.count()).select_from(SnapshotRow)) == 1
        raise RuntimeError("detection failed")

    with pytest.raises(RuntimeError, match="detection failed"):
        run_crawl(sqlite_crawler.settings(), catalog, ["a"], now=NOW, sessions=sessions, detect=detect)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(FetchRow)) == 0
        assert session.scalar(select(func.count()).select_from(SnapshotRow)) == 0
        assert session.get(SourceRow, "a") is not None  # the catalog sync stands on its own


def test_captures_are_recorded_in_chunks_while_the_crawl_runs(
    site: LocalServer, sqlite_crawler: Crawler, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each chunk of finished captures is recorded and detected in its own transaction; a chunk
    whose detection fails is rolled back, the chunks committed before it stay."""
    monkeypatch.setattr("monitor.fetch.crawl.RECORD_EVERY", 3)
    monkeypatch.setattr("monitor.fetch.crawl.RECORD_MAX", 3)
    for n in range(7):
        site.set(f"/p{n}", f"<html><body>Page {n}: Albania</body></html>")
    catalog = sqlite_crawler.catalog(*(page(f"p{n}", site.url(f"/p{n}")) for n in range(7)))
    sessions = session_factory(sqlite_crawler.engine)
    chunks: list[list[str]] = []

    def detect(session: Session, results: list[SourceResult]) -> None:
        assert session.in_transaction()
        chunks.append([r.source.id for r in results])

    report = run_crawl(
        sqlite_crawler.settings(), catalog, [s.id for s in catalog.sources], now=NOW, sessions=sessions, detect=detect
    )
    assert [r.source_id for r in report.results] == [f"p{n}" for n in range(7)]
    assert {r.outcome for r in report.results} == {Outcome.CHANGED}
    assert [len(c) for c in chunks] == [3, 3, 1] and sorted(s for c in chunks for s in c) == [f"p{n}" for n in range(7)]

    for n in range(7):
        site.set(f"/p{n}", f"<html><body>Page {n}: Algeria</body></html>")
    seen: list[str] = []

    def failing(session: Session, results: list[SourceResult]) -> None:
        if seen:
            raise RuntimeError("detection failed")
        seen.extend(r.source.id for r in results)

    with pytest.raises(RuntimeError, match="detection failed"):
        run_crawl(
            sqlite_crawler.settings(),
            catalog,
            [s.id for s in catalog.sources],
            now=NOW + timedelta(hours=1),
            sessions=sessions,
            detect=failing,
        )
    with sessions() as session:
        second = session.scalars(select(FetchRow.source_id).where(FetchRow.started_at > NOW + timedelta(minutes=30)))
        assert sorted(second) == sorted(seen) and len(seen) == 3


def test_a_source_in_its_retry_after_window_is_not_fetched(site: LocalServer, sqlite_crawler: Crawler) -> None:
    site.set("/a", "<html><body>Albania</body></html>")
    catalog = sqlite_crawler.catalog(page("a", site.url("/a")))
    sessions = session_factory(sqlite_crawler.engine)
    settings = sqlite_crawler.settings()
    run_crawl(settings, catalog, ["a"], now=NOW, sessions=sessions)
    with transaction(sessions) as session:
        session.execute(update(SourceRow).values(next_due_at=NOW + timedelta(hours=2)))
    report = run_crawl(settings, catalog, ["a"], now=NOW + timedelta(hours=1), sessions=sessions)
    (result,) = report.results
    assert (result.outcome, result.fetched) == (Outcome.RATE_LIMITED, False)
    assert result.not_before == NOW + timedelta(hours=2)
    assert len([h for h in site.hits() if h.path == "/a"]) == 1
    later = run_crawl(settings, catalog, ["a"], now=NOW + timedelta(hours=3), sessions=sessions)
    assert later.results[0].outcome is Outcome.UNCHANGED


def test_unknown_or_no_sources_are_errors(sqlite_crawler: Crawler) -> None:
    catalog = sqlite_crawler.catalog(page("a", "http://127.0.0.1:9/"))
    with pytest.raises(CatalogError, match="unknown source 'b'"):
        run_crawl(sqlite_crawler.settings(), catalog, ["a", "b"], now=NOW)
    with pytest.raises(FetchError, match="no sources"):
        run_crawl(sqlite_crawler.settings(), catalog, [], now=NOW)
