"""A batch split across crawl processes: every source once, and no site sees more than per_domain."""

from __future__ import annotations

import pytest

from monitor.config import FetchSettings
from monitor.fetch.records import FetchTarget
from monitor.fetch.settings import scrapy_settings
from monitor.fetch.shard import SOURCES_PER_PROCESS, process_count, shard
from monitor.types import SourceKind
from tests.fetch.conftest import Crawler, page
from tests.fetch.server import LocalServer
from tests.pages import page as countries_page


def targets(domain: str, count: int) -> list[FetchTarget]:
    return [
        FetchTarget(source_id=f"{domain}-{i}", kind=SourceKind.PAGE, url=f"https://{domain}/{i}") for i in range(count)
    ]


def test_process_count_auto_leaves_the_parent_a_core() -> None:
    assert process_count(0, 23, cpus=8) == 1
    assert process_count(0, SOURCES_PER_PROCESS + 1, cpus=8) == 2
    assert process_count(0, 100_000, cpus=8) == 7
    assert process_count(0, 10_000, cpus=2) == 1
    assert process_count(0, 10_000, cpus=1) == 1
    assert process_count(3, 10_000, cpus=2) == 3  # set explicitly: as asked
    assert process_count(4, 2, cpus=8) == 2  # never more processes than sources
    assert process_count(0, 0, cpus=8) == 1


def test_with_a_delay_every_domain_stays_whole_in_one_process() -> None:
    batch = targets("big.example", 40) + targets("a.example", 5) + targets("b.example", 3)
    parts = shard(batch, scrapy_settings(FetchSettings(delay=1.0, per_domain=4)), 2)
    assert sorted(t.source_id for p in parts for t in p.targets) == sorted(t.source_id for t in batch)
    homes = {t.url.split("/")[2]: i for i, p in enumerate(parts) for t in p.targets}
    for i, part in enumerate(parts):
        assert all(homes[t.url.split("/")[2]] == i for t in part.targets)
        assert part.scrapy_settings["DOWNLOAD_SLOTS"] == {}
    assert [len(p.targets) for p in parts] == [40, 8]


def test_without_a_delay_a_big_domain_is_split_and_its_concurrency_shared() -> None:
    batch = targets("big.example", 40) + targets("small.example", 3)
    parts = shard(batch, scrapy_settings(FetchSettings(delay=0, per_domain=8, concurrency=32)), 3)
    assert len(parts) == 3
    assert sorted(t.source_id for p in parts for t in p.targets) == sorted(t.source_id for t in batch)
    shares = [p.scrapy_settings["DOWNLOAD_SLOTS"]["big.example"]["concurrency"] for p in parts]
    assert sum(shares) <= 8 and min(shares) >= 1
    assert all("small.example" not in p.scrapy_settings["DOWNLOAD_SLOTS"] for p in parts)
    assert len({i for i, p in enumerate(parts) for t in p.targets if "small" in t.url}) == 1
    assert sum(p.scrapy_settings["CONCURRENT_REQUESTS"] for p in parts) <= 32 + 2  # ceil per process


def test_per_domain_below_the_process_count_keeps_the_domain_whole() -> None:
    parts = shard(targets("big.example", 40), scrapy_settings(FetchSettings(delay=0, per_domain=2)), 3)
    assert [len(p.targets) for p in parts] == [40]


@pytest.mark.parametrize("processes", ["1", "3"])
def test_a_split_crawl_records_every_source_once_within_per_domain(
    site: LocalServer, crawler: Crawler, processes: str
) -> None:
    for i in range(30):
        site.set(f"/p/{i}", countries_page(["France", "Kenya"], title=f"list {i}"), delay=0.05)
    crawler.catalog(*(page(f"p-{i:02d}", site.url(f"/p/{i}")) for i in range(30)))
    out = crawler.run(
        "crawl",
        "--all",
        "--format",
        "json",
        env={"REGIONWATCH_FETCH__PROCESSES": processes, "REGIONWATCH_FETCH__PER_DOMAIN": "6"},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.count('"outcome": "changed"') == 30
    assert sorted(h.path for h in site.hits() if h.path.startswith("/p/")) == sorted(f"/p/{i}" for i in range(30))
    assert 1 <= site.peak_in_flight <= 6
