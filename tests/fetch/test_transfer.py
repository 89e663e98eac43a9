"""Captures cross from the crawl process to the parent as flushed pickles; a cut record is dropped."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from monitor.fetch.transfer import CaptureTail, CaptureWriter, read_captures
from monitor.types import Capture, Outcome

NOW = datetime(2025, 9, 4, tzinfo=UTC)


def capture(n: int, **extra: object) -> Capture:
    return Capture(
        source_id=f"s{n}",
        url=f"http://x/{n}",
        final_url=f"http://x/{n}",
        fetched_at=NOW,
        elapsed=0.1,
        status=200,
        headers={"etag": '"a"'},
        body=b"<html>%d</html>" % n,
        etag='"a"',
        **extra,
    )  # type: ignore[arg-type]


def test_round_trip_of_both_spiders_files(tmp_path: Path) -> None:
    pages, feeds = CaptureWriter(tmp_path / "pages.captures"), CaptureWriter(tmp_path / "feeds.captures")
    for writer in (pages, feeds):
        writer.open_spider()
    written = [capture(1), capture(2, outcome=Outcome.TIMEOUT, error="slow"), capture(3)]
    pages.process_item(written[0])
    feeds.process_item(written[1])
    pages.process_item(written[2])
    pages.process_item({"not": "a capture"})
    for writer in (pages, feeds):
        writer.close_spider()
    assert sorted(read_captures(tmp_path), key=lambda c: c.source_id) == written


def test_a_record_cut_by_a_kill_is_dropped_and_the_rest_kept(tmp_path: Path) -> None:
    writer = CaptureWriter(tmp_path / "pages.captures")
    writer.open_spider()
    for n in range(3):
        writer.process_item(capture(n))
    writer.close_spider()
    path = tmp_path / "pages.captures"
    path.write_bytes(path.read_bytes()[:-7])
    assert [c.source_id for c in read_captures(tmp_path)] == ["s0", "s1"]


def test_no_output_reads_as_nothing(tmp_path: Path) -> None:
    assert list(read_captures(tmp_path)) == []


def test_a_poll_takes_at_most_its_limit_and_leaves_a_record_being_written(tmp_path: Path) -> None:
    """A reader that fell behind takes the backlog in bounded pieces; half a record waits."""
    writer = CaptureWriter(tmp_path / "pages.captures")
    writer.open_spider()
    for n in range(5):
        writer.process_item(capture(n))
    writer.close_spider()
    path = tmp_path / "pages.captures"
    whole = path.read_bytes()
    path.write_bytes(whole[:-7])  # the last record still being written
    tail = CaptureTail(tmp_path)
    assert [c.source_id for c in tail.poll(limit=2)] == ["s0", "s1"]
    assert [c.source_id for c in tail.poll(limit=2)] == ["s2", "s3"]
    assert tail.poll(limit=2) == []
    path.write_bytes(whole)  # ... and now finished
    assert [c.source_id for c in tail.poll(limit=2)] == ["s4"]
    tail.close()
