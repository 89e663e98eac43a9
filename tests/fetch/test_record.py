"""Recording a batch: fetch rows, failure streaks, validators, Retry-After, news edits, isolation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.fetch import record
from monitor.fetch.record import record_batch
from monitor.fetch.records import SourceResult
from monitor.store.catalog import sync_sources
from monitor.store.engine import make_engine, session_factory, transaction
from monitor.store.models import FetchRow, NewsItemRow, SnapshotRow, SourceRow
from monitor.types import Capture, Catalog, Outcome, Source, SourceKind

T0 = datetime(2025, 9, 4, 12, 0, tzinfo=UTC)
PAGES = tuple(Source(id=f"p{i}", kind=SourceKind.PAGE, url=f"http://x/{i}", provider="x") for i in range(7))
NEWS = Source(id="news", kind=SourceKind.FEED, url="http://x/feed", provider="x")
CATALOG = Catalog(sources=(*PAGES, NEWS))


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    factory = session_factory(engine)
    with transaction(factory) as session:
        sync_sources(session, CATALOG, now=T0)
    yield factory
    engine.dispose()


def cap(source: str, body: bytes = b"", *, at: datetime = T0, **extra: object) -> Capture:
    return Capture(
        source_id=source,
        url=f"http://x/{source}",
        final_url=f"http://x/{source}",
        fetched_at=at,
        elapsed=0.25,
        body=body,
        headers={"content-type": "text/html"},
        **extra,
    )  # type: ignore[arg-type]


def html(text: str) -> bytes:
    return f"<html><body><p>{text}</p></body></html>".encode()


def batch(sessions: sessionmaker[Session], *captures: Capture) -> list[SourceResult]:
    with transaction(sessions) as session:
        return record_batch(session, captures, CATALOG.by_id())


def source(sessions: sessionmaker[Session], ident: str) -> SourceRow:
    with sessions() as session:
        row = session.get(SourceRow, ident)
        assert row is not None
        return row


def test_failures_are_counted_even_when_the_failure_page_is_identical(sessions: sessionmaker[Session]) -> None:
    page = html("Just a moment...")
    for n in range(3):
        (result,) = batch(
            sessions,
            cap("p0", page, at=T0 + timedelta(hours=n), status=403, outcome=Outcome.BLOCKED, error="challenge"),
        )
        assert result.outcome is Outcome.BLOCKED and result.snapshot_id is None
    row = source(sessions, "p0")
    assert (row.consecutive_failures, row.failing_since, row.last_success_at) == (3, T0, None)
    with sessions() as session:
        fetches = session.execute(
            select(FetchRow.outcome, FetchRow.error_class, FetchRow.body_hash, FetchRow.http_status)
        ).all()
        assert session.scalar(select(func.count()).select_from(SnapshotRow)) == 0
    assert len(fetches) == 3 and len(set(fetches)) == 1 and fetches[0][:2] == ("blocked", "blocked")
    batch(sessions, cap("p0", html("Albania"), at=T0 + timedelta(hours=4), status=200))
    row = source(sessions, "p0")
    assert (row.consecutive_failures, row.failing_since) == (0, None)
    assert row.last_success_at == T0 + timedelta(hours=4)


def test_validators_are_kept_by_a_304_and_untouched_by_failures(sessions: sessionmaker[Session]) -> None:
    (first,) = batch(
        sessions, cap("p1", html("A"), status=200, etag='"v1"', last_modified="Wed, 03 Sep 2025 10:00:00 GMT")
    )
    batch(sessions, cap("p1", status=503, outcome=Outcome.HTTP_5XX, etag='"oops"'))
    assert (source(sessions, "p1").etag, source(sessions, "p1").last_modified) == (
        '"v1"',
        "Wed, 03 Sep 2025 10:00:00 GMT",
    )
    (again,) = batch(sessions, cap("p1", status=304, outcome=Outcome.NOT_MODIFIED, at=T0 + timedelta(hours=2)))
    assert again.outcome is Outcome.NOT_MODIFIED and again.previous_snapshot_id == first.snapshot_id
    assert source(sessions, "p1").etag == '"v1"'
    with sessions() as session:
        snapshot = session.get(SnapshotRow, first.snapshot_id)
        assert snapshot is not None and snapshot.last_seen == T0 + timedelta(hours=2)
        assert snapshot.first_seen == T0


def test_rate_limited_sources_get_a_not_before(sessions: sessionmaker[Session]) -> None:
    results = batch(
        sessions,
        cap("p2", status=429, outcome=Outcome.RATE_LIMITED, retry_after=120.0),
        cap("p3", status=429, outcome=Outcome.RATE_LIMITED),
    )
    assert source(sessions, "p2").next_due_at == T0 + timedelta(seconds=120)
    assert source(sessions, "p3").next_due_at == T0 + record.DEFAULT_RETRY_AFTER
    assert results[0].not_before == T0 + timedelta(seconds=120)


def test_only_new_content_becomes_a_snapshot_across_chunks(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(record, "CHUNK", 3)
    first = batch(sessions, *(cap(p.id, html(f"text {p.id}"), status=200) for p in PAGES))
    assert [r.outcome for r in first] == [Outcome.CHANGED] * 7
    assert [r.text for r in first] == [f"text {p.id}" for p in PAGES]
    assert len({r.snapshot_id for r in first}) == 7 and first[0].body == html("text p0")
    later = T0 + timedelta(hours=1)
    second = batch(
        sessions, *(cap(p.id, html(f"text {p.id}" if p.id != "p6" else "new"), at=later, status=200) for p in PAGES)
    )
    assert [r.outcome for r in second] == [Outcome.UNCHANGED] * 6 + [Outcome.CHANGED]
    assert second[6].previous_snapshot_id == first[6].snapshot_id
    assert second[0].body is None and second[0].text is None
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(SnapshotRow)) == 8
        assert session.scalar(select(func.count()).select_from(FetchRow)) == 14


def test_one_source_that_cannot_be_judged_does_not_stop_the_batch(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = record.assess

    def flaky(capture: Capture, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if capture.source_id == "p4":
            raise RuntimeError("bug")
        return real(capture, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(record, "assess", flaky)
    results = batch(sessions, cap("p4", html("x"), status=200), cap("p5", html("y"), status=200))
    assert [r.outcome for r in results] == [Outcome.DECODE, Outcome.CHANGED]
    assert results[0].error is not None and "internal error" in results[0].error


def rss(*items: tuple[str, str]) -> bytes:
    body = "".join(f"<item><guid>{key}</guid><title>{title}</title></item>" for key, title in items)
    return f"<rss version='2.0'><channel><title>n</title>{body}</channel></rss>".encode()


def test_an_edited_entry_is_an_edit_not_a_new_item(sessions: sessionmaker[Session]) -> None:
    feed = {"content-type": "application/rss+xml"}

    def fetch(body: bytes, at: datetime) -> SourceResult:
        (result,) = batch(
            sessions,
            Capture(
                source_id="news",
                url="http://x/feed",
                final_url="http://x/feed",
                fetched_at=at,
                elapsed=0.1,
                status=200,
                headers=feed,
                body=body,
            ),
        )
        return result

    first = fetch(rss(("a", "Alpha"), ("b", "Beta")), T0)
    assert len(first.new_items) == 2 and first.edited_items == ()
    later = T0 + timedelta(hours=1)
    second = fetch(rss(("a", "Alpha, corrected"), ("b", "Beta"), ("c", "Gamma")), later)
    assert len(second.new_items) == 1 and len(second.edited_items) == 1
    with sessions() as session:
        edited = session.get(NewsItemRow, second.edited_items[0])
        assert edited is not None
        assert (edited.entry_key, edited.title, edited.edits, edited.edited_at) == ("a", "Alpha, corrected", 1, later)
        assert edited.published_guessed and edited.published_at == T0
        assert session.scalar(select(func.count()).select_from(NewsItemRow)) == 3
