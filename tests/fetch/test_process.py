"""Crawl processes started ahead of their jobs: used when given one, ended cleanly when not."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from monitor.config import FetchSettings
from monitor.fetch.process import Warm, run_children
from monitor.fetch.records import CrawlJob, FetchTarget
from monitor.fetch.settings import scrapy_settings
from monitor.fetch.transfer import read_captures
from monitor.types import SourceKind
from tests.fetch.server import LocalServer

NOW = datetime(2025, 9, 4, tzinfo=UTC)


def test_warm_processes_take_jobs_and_the_spare_one_ends(site: LocalServer, tmp_path: Path) -> None:
    site.set("/a", "<html><body>Albania</body></html>")
    settings = scrapy_settings(FetchSettings(delay=0, allow_private=True, obey_robots=False))
    job = CrawlJob(
        targets=(FetchTarget(source_id="a", kind=SourceKind.PAGE, url=site.url("/a")),),
        output_dir=str(tmp_path),
        started_at=NOW,
        scrapy_settings=settings,
    )
    with Warm.start(2) as warm:
        spare = warm.procs[1]
        ended = run_children([(job, tmp_path)], timeout=60, warm=warm)
        assert warm.procs == [spare]
    assert (ended.returncode, ended.timed_out) == (0, False)
    assert spare.returncode == 0  # told there is no job: it ended by itself
    assert [c.source_id for c in read_captures(tmp_path)] == ["a"]
