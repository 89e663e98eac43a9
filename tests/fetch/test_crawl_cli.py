"""`regionwatch crawl` end to end: a loopback server, a catalog file, the real command."""

from __future__ import annotations

import socket
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from monitor.store.models import ChangeRow, FetchRow, SnapshotRow, SourceRow
from tests.fetch.conftest import Crawler, feed, page
from tests.fetch.server import LocalServer, Reply

NOISE = "<nav><a href='/'>Home</a><a href='/docs'>Docs</a></nav><script>var build = 1;</script>"


def countries_page(i: int, *names: str) -> str:
    items = "".join(f"<li>{n}</li>" for n in names or ("France", "Spain", f"Page {i}"))
    return (
        f"<html><head><title>Supported countries {i}</title></head><body>{NOISE}"
        f"<main><ul class='countries'>{items}</ul></main><footer>© 2025</footer></body></html>"
    )


def rss(*titles: str) -> str:
    items = "".join(
        f"<item><title>{t}</title><link>https://example.com/news/{n}</link>"
        f"<guid>https://example.com/news/{n}</guid><pubDate>Thu, 04 Sep 2025 10:00:00 +0000"
        f"</pubDate><description>About {t}</description></item>"
        for n, t in enumerate(titles)
    )
    return (
        f"<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel>"
        f"<title>Example news</title><link>https://example.com/</link>{items}</channel></rss>"
    )


def by_source(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["source"]: row for row in rows}


def source_row(crawler: Crawler, ident: str) -> SourceRow:
    with crawler.engine.connect() as conn:
        row = conn.execute(select(SourceRow).where(SourceRow.id == ident)).one()
    return row  # type: ignore[return-value]


def count(crawler: Crawler, model: Any, **where: Any) -> int:
    query = select(func.count()).select_from(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    with crawler.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_fifty_pages_a_feed_an_error_and_a_robots_refusal_in_one_batch(site: LocalServer, crawler: Crawler) -> None:
    entries = []
    for i in range(50):
        site.set(f"/pages/{i}", countries_page(i), etag=i % 2 == 0)
        entries.append(page(f"page-{i:02d}", site.url(f"/pages/{i}")))
    site.set(
        "/news.xml",
        rss("One", "Two", "Three"),
        content_type="application/rss+xml",
        last_modified="Thu, 04 Sep 2025 10:00:00 GMT",
    )
    site.set("/broken", "<html>oops</html>", status=500)
    site.set("/private/list", countries_page(99))
    crawler.catalog(
        *entries,
        feed("news", site.url("/news.xml")),
        page("broken", site.url("/broken")),
        page("forbidden", site.url("/private/list")),
    )

    first = by_source(crawler.json("crawl", "--all"))
    assert len(first) == 53
    assert {first[f"page-{i:02d}"]["outcome"] for i in range(50)} == {"changed"}
    assert first["news"]["outcome"] == "changed" and first["news"]["new_items"] == 3
    assert (first["broken"]["outcome"], first["broken"]["status"]) == ("http_5xx", 500)
    assert first["forbidden"]["outcome"] == "robots"
    assert site.hits("/private/list") == []
    assert all(site.hits(f"/pages/{i}") for i in range(50))
    assert len(site.hits("/broken")) == 2  # one retry of a transient error
    assert "Regionwatch" in site.hits("/pages/0")[0].headers["User-Agent"]

    second = by_source(crawler.json("crawl", "--all"))
    outcomes = {second[f"page-{i:02d}"]["outcome"] for i in range(50)}
    assert outcomes == {"not_modified", "unchanged"}
    assert second["page-00"]["outcome"] == "not_modified"  # its ETag was sent back
    assert site.hits("/pages/0")[-1].headers["If-None-Match"]
    assert second["news"]["outcome"] == "not_modified"  # Last-Modified was sent back
    assert second["broken"]["outcome"] == "http_5xx" and second["forbidden"]["outcome"] == "robots"
    assert count(crawler, SnapshotRow) == 51
    assert count(crawler, FetchRow) == 106
    assert source_row(crawler, "broken").consecutive_failures == 2
    assert source_row(crawler, "page-01").consecutive_failures == 0


def test_failures_are_named_counted_and_never_snapshotted(site: LocalServer, crawler: Crawler) -> None:
    challenge = "<html><head><title>Just a moment...</title></head><body>Checking</body></html>"
    utf8 = "<html><body><ul><li>Côte d’Ivoire</li><li>Türkiye</li></ul></body></html>"
    site.set("/limited", "slow down", status=429, headers={"Retry-After": "120"})
    site.script("/flaky", [Reply(status=500), Reply(body=countries_page(1).encode())])
    site.set("/slow", countries_page(2), delay=4)
    site.set("/huge", "x" * 300_000)
    site.set("/bomb", b"\0" * 5_000_000, gzip=True)
    site.set("/charset", utf8.encode("utf-8"), content_type="text/html; charset=iso-8859-1")
    site.set("/waf", "denied", status=403, headers={"cf-mitigated": "challenge"})
    site.set("/moment", challenge)
    site.redirect("/loop", "/loop")
    site.redirect("/moved", "/login?next=/moved")
    site.set("/login", "<html><body>Sign in</body></html>")
    site.set("/report.pdf", b"%PDF-1.7 ...", content_type="application/pdf")
    site.set("/api.json", '{"countries": []}', content_type="application/json")
    site.set("/gone", "no", status=404)
    site.set("/not-a-feed.xml", "<html><body>Our news</body></html>")
    site.redirect("/ftp", "ftp://files.example.com/regions.html")
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    refused = f"http://127.0.0.1:{closed.getsockname()[1]}/"
    closed.close()
    names = {
        "limited": "/limited",
        "flaky": "/flaky",
        "slow": "/slow",
        "huge": "/huge",
        "bomb": "/bomb",
        "charset": "/charset",
        "waf": "/waf",
        "moment": "/moment",
        "loop": "/loop",
        "moved": "/moved",
        "pdf": "/report.pdf",
        "json": "/api.json",
        "gone": "/gone",
        "ftp": "/ftp",
    }
    crawler.catalog(
        *(page(n, site.url(p)) for n, p in names.items()),
        feed("not-a-feed", site.url("/not-a-feed.xml")),
        page("refused", refused),
        page("nowhere", "http://nonexistent.invalid/"),
    )

    first = by_source(crawler.json("crawl", "--all"))
    expected = {
        "limited": "rate_limited",
        "flaky": "changed",
        "slow": "timeout",
        "huge": "too_large",
        "bomb": "too_large",
        "charset": "changed",
        "waf": "blocked",
        "moment": "blocked",
        "loop": "http_4xx",
        "moved": "blocked",
        "pdf": "decode",
        "json": "decode",
        "gone": "http_4xx",
        "not-a-feed": "decode",
        "refused": "connect",
        "ftp": "http_4xx",
    }
    assert {k: first[k]["outcome"] for k in expected} == expected
    assert first["nowhere"]["outcome"] in ("dns", "timeout")  # timeout if the resolver hangs
    assert "login" in first["moved"]["error"] and "redirect loop" in first["loop"]["error"]
    assert first["ftp"]["status"] == 302  # a redirect to ftp:// is not followed
    assert count(crawler, SnapshotRow) == 2
    with crawler.engine.connect() as conn:
        text = conn.execute(select(SnapshotRow.text).where(SnapshotRow.source_id == "charset"))
        assert "Côte d’Ivoire" in text.scalar_one()
    limited = source_row(crawler, "limited")
    assert limited.next_due_at is not None and limited.last_fetch_at is not None
    wait = limited.next_due_at - limited.last_fetch_at
    assert timedelta(seconds=119) <= wait <= timedelta(seconds=121)
    moment_since = source_row(crawler, "moment").failing_since

    second = by_source(crawler.json("crawl", "--source", "limited", "--source", "moment", "--source", "waf"))
    assert second["limited"]["outcome"] == "rate_limited" and second["limited"]["fetched"] is False
    assert len(site.hits("/limited")) == 1
    assert count(crawler, FetchRow, source_id="limited") == 1
    moment = source_row(crawler, "moment")
    assert moment.consecutive_failures == 2 and moment.failing_since == moment_since
    with crawler.engine.connect() as conn:
        hashes = conn.execute(
            select(FetchRow.body_hash, FetchRow.error_class).where(FetchRow.source_id == "moment")
        ).all()
    assert len(hashes) == 2 and hashes[0] == hashes[1] and hashes[0][1] == "blocked"
    assert count(crawler, SnapshotRow) == 2


def test_a_hanging_crawl_is_stopped_and_keeps_what_it_finished(site: LocalServer, sqlite_crawler: Crawler) -> None:
    site.set("/stuck", countries_page(0), delay=20)
    for i in range(3):
        site.set(f"/fast/{i}", countries_page(i))
    sqlite_crawler.catalog(
        page("stuck", site.url("/stuck")), *(page(f"fast-{i}", site.url(f"/fast/{i}")) for i in range(3))
    )
    started = time.monotonic()
    rows = by_source(
        sqlite_crawler.json(
            "crawl",
            "--all",
            env={
                "REGIONWATCH_FETCH__CRAWL_TIMEOUT": "5",
                "REGIONWATCH_FETCH__TIMEOUT": "30",
                "REGIONWATCH_FETCH__RETRIES": "0",
            },
        )
    )
    assert time.monotonic() - started < 15
    assert rows["stuck"]["outcome"] == "timeout"
    assert {rows[f"fast-{i}"]["outcome"] for i in range(3)} == {"changed"}
    assert count(sqlite_crawler, FetchRow) == 4


def test_table_output_and_one_line_errors(site: LocalServer, sqlite_crawler: Crawler) -> None:
    site.set("/a", countries_page(1))
    sqlite_crawler.catalog(page("a", site.url("/a")))
    table = sqlite_crawler.run("crawl", "--source", "a")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["source", "kind", "outcome", "status", "time", "detail"]
    assert lines[1].split()[:4] == ["a", "page", "changed", "200"]
    assert lines[-1].startswith("crawled 1 sources in ")
    unknown = sqlite_crawler.run("crawl", "--source", "nope")
    assert unknown.returncode == 1
    assert unknown.stderr.strip().splitlines()[-1].startswith("error: unknown source 'nope'")
    neither = sqlite_crawler.run("crawl")
    assert neither.returncode == 1 and "--all" in neither.stderr


def test_a_crawl_where_nothing_could_be_fetched_exits_3(site: LocalServer, sqlite_crawler: Crawler) -> None:
    sqlite_crawler.catalog(page("gone", site.url("/gone")), page("down", "http://127.0.0.1:9/"))
    result = sqlite_crawler.run("crawl", "--all")
    assert result.returncode == 3, result.stderr
    assert "no source could be fetched" in result.stderr and "http_4xx" in result.stdout
    site.set("/gone", "<html><body><p>back</p></body></html>")
    assert sqlite_crawler.run("crawl", "--all").returncode == 0  # one answered: not a failure of the command


def test_a_catalog_provider_is_heard_in_the_news(site: LocalServer, crawler: Crawler) -> None:
    """A team watches a provider we never listed: its [[provider]] entry names it, and a press
    feed's item about it is recorded as that provider's signal by the real crawl."""
    site.set(
        "/press.xml",
        rss("Acme AI blocks access from Russia starting October 1, 2025", "Acme AI opens a Paris office"),
        content_type="application/rss+xml",
    )
    crawler.catalog(feed("press", site.url("/press.xml"), provider="press"))
    with crawler.catalog_path.open("a", encoding="utf-8") as catalog:
        catalog.write('\n[[provider]]\nslug = "acme"\nname = "Acme AI"\naliases = ["Acme AI", "アクメ"]\n')
    rows = by_source(crawler.json("crawl", "--all"))
    assert rows["press"]["new_items"] == 2
    with crawler.engine.connect() as conn:
        signals = conn.execute(select(ChangeRow).where(ChangeRow.kind == "signal")).all()
    assert [(s.provider, s.countries, s.action) for s in signals] == [("acme", ["RU"], "block")]
