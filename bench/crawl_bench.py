"""Crawl throughput: N pages of ~12 KB on loopback, fetched and recorded by run_crawl.

    .venv/bin/python bench/crawl_bench.py [--pages 1000] [--per-domain 64] [--concurrency 64]

Each page is a ``<ul class="countries">`` list among navigation, script and footer noise. A
loopback server (its own process, so its CPU is not counted) serves them with ETags. Four
cycles run through ``monitor.fetch.crawl.run_crawl`` on a fresh SQLite database:

    cold            every page new: fetched, normalised, snapshotted
    unchanged-304   the ETags sent back, every page answers 304
    unchanged-200   ETags ignored by the server: 200s whose bytes match the last snapshot
    changed         every page's list edited: new snapshots

Reported per cycle: wall seconds, pages/s, and CPU seconds per 1,000 checks, counting this
process (the parent: sync, recording) and the crawl process (Scrapy), via RUSAGE_CHILDREN;
then the peak memory of each.
Settings: delay 0, AutoThrottle on (as always), retries 1, timeout 30 s, robots.txt obeyed.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import random
import resource
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from monitor.config import FetchSettings, Settings
from monitor.fetch.crawl import run_crawl
from monitor.store import migrate
from monitor.store.engine import make_engine, session_factory
from monitor.types import Catalog, Source, SourceKind

COUNTRIES = """Albania Algeria Andorra Angola Argentina Armenia Australia Austria Azerbaijan Bahamas
Bangladesh Barbados Belgium Belize Benin Bhutan Bolivia Botswana Brazil Brunei Bulgaria Burundi
Cambodia Cameroon Canada Chad Chile Colombia Comoros Croatia Cyprus Czechia Denmark Djibouti
Dominica Ecuador Egypt Estonia Eswatini Ethiopia Fiji Finland France Gabon Gambia Georgia Germany
Ghana Greece Grenada Guatemala Guinea Guyana Haiti Honduras Hungary Iceland India Indonesia Iraq
Ireland Israel Italy Jamaica Japan Jordan Kazakhstan Kenya Kiribati Kosovo Kuwait Laos Latvia
Lebanon Lesotho Liberia Libya Liechtenstein Lithuania Luxembourg Madagascar Malawi Malaysia
Maldives Mali Malta Mauritania Mauritius Mexico Micronesia Moldova Monaco Mongolia Montenegro
Morocco Mozambique Myanmar Namibia Nauru Nepal Netherlands Nicaragua Niger Nigeria Norway Oman
Pakistan Palau Panama Paraguay Peru Philippines Poland Portugal Qatar Romania Rwanda Samoa
Senegal Serbia Seychelles Singapore Slovakia Slovenia Somalia Spain Sudan Suriname Sweden
Switzerland Taiwan Tajikistan Tanzania Thailand Togo Tonga Tunisia Türkiye Tuvalu Uganda Ukraine
Uruguay Uzbekistan Vanuatu Vietnam Yemen Zambia Zimbabwe""".split()


def make_page(i: int, version: int) -> bytes:
    """About 12 KB: a country list among nav, script and footer noise."""
    rng = random.Random(i * 7919 + version)
    names = sorted(rng.sample(COUNTRIES, 140))
    items = "".join(f'<li class="country-item"><span>{n}</span></li>\n' for n in names)
    nav = "".join(f'<li><a href="/docs/section-{k}">Section {k}</a></li>' for k in range(60))
    script = "var config = {" + ",".join(f'"k{k}": {rng.randint(0, 10**9)}' for k in range(90)) + "};"
    return (
        f"<!doctype html><html><head><title>Supported countries {i}</title>"
        f"<script>{script}</script><style>.country-item{{margin:0}}</style></head><body>"
        f"<header><nav><ul>{nav}</ul></nav></header><main><h1>Supported countries</h1>"
        f'<p>Revision {version}.</p><ul class="countries">\n{items}</ul></main>'
        f"<footer><p>© 2025 Example, Inc.</p><a href='/privacy'>Privacy</a></footer>"
        f"</body></html>"
    ).encode()


def write_pages(root: Path, count: int, version: int) -> None:
    for i in range(count):
        (root / f"{i}.html").write_bytes(make_page(i, version))


class _Server(ThreadingHTTPServer):
    """http.server with a real server's listen backlog.

    socketserver's default backlog is 5: with 32 connections opening at once the kernel drops
    SYNs and the client waits out TCP's 1 s (then 3 s, 7 s) retransmit, which stalled whole
    cycles at random and penalised the client with more connections in flight. 128 is far
    below what nginx (511) or Linux (somaxconn 4096) allow.
    """

    daemon_threads = True
    request_queue_size = 128


def serve(root: str, port_out: Any) -> None:
    """The loopback server: files by name, ETag = content hash, 304 while etag.on exists."""
    base = Path(root)
    cache: dict[str, tuple[float, bytes, str]] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = base / self.path.lstrip("/").split("?")[0]
            if self.path == "/robots.txt" or not path.is_file():
                self._reply(404, b"", None)
                return
            mtime = path.stat().st_mtime
            hit = cache.get(self.path)
            if hit is None or hit[0] != mtime:
                body = path.read_bytes()
                hit = (mtime, body, '"' + hashlib.md5(body).hexdigest() + '"')
                cache[self.path] = hit
            honour = (base / "etag.on").exists()
            if honour and self.headers.get("If-None-Match") == hit[2]:
                self._reply(304, b"", hit[2])
            else:
                self._reply(200, hit[1], hit[2])

        def _reply(self, status: int, body: bytes, etag: str | None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            if etag:
                self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = _Server(("127.0.0.1", 0), Handler)
    port_out.send(httpd.server_address[1])
    httpd.serve_forever()


@dataclass
class Cycle:
    name: str
    wall: float
    parent_cpu: float
    child_cpu: float
    counts: dict[str, int]


def cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def run_cycle(name: str, settings: Settings, catalog: Catalog, sessions: Any, now: datetime) -> Cycle:
    self0, children0 = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    report = run_crawl(settings, catalog, [s.id for s in catalog.sources], now=now, sessions=sessions)
    wall = time.perf_counter() - started
    return Cycle(
        name=name,
        wall=wall,
        parent_cpu=cpu(resource.RUSAGE_SELF) - self0,
        child_cpu=cpu(resource.RUSAGE_CHILDREN) - children0,
        counts=report.counts(),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--per-domain", type=int, default=64)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="regionwatch-bench-") as tmp:
        root = Path(tmp)
        pages = root / "pages"
        pages.mkdir()
        write_pages(pages, args.pages, version=1)
        size = sum(p.stat().st_size for p in pages.glob("*.html")) / args.pages
        (pages / "etag.on").touch()
        receive, send = multiprocessing.Pipe(duplex=False)
        server = multiprocessing.Process(target=serve, args=(str(pages), send), daemon=True)
        server.start()
        port = receive.recv()
        url = f"sqlite:///{root / 'bench.db'}"
        migrate.upgrade(url)
        fetch = FetchSettings(
            delay=0,
            per_domain=args.per_domain,
            concurrency=args.concurrency,
            timeout=30,
            retries=1,
            crawl_timeout=900,
            allow_private=True,
        )
        settings = Settings(database_url=url, fetch=fetch)
        catalog = Catalog(
            sources=tuple(
                Source(
                    id=f"page-{i:05d}", kind=SourceKind.PAGE, provider="bench", url=f"http://127.0.0.1:{port}/{i}.html"
                )
                for i in range(args.pages)
            )
        )
        engine = make_engine(url)
        sessions = session_factory(engine)
        now = datetime(2025, 9, 4, tzinfo=UTC)
        cycles = [run_cycle("cold", settings, catalog, sessions, now)]
        cycles.append(run_cycle("unchanged-304", settings, catalog, sessions, now + timedelta(hours=1)))
        (pages / "etag.on").unlink()
        cycles.append(run_cycle("unchanged-200", settings, catalog, sessions, now + timedelta(hours=2)))
        write_pages(pages, args.pages, version=2)
        (pages / "etag.on").touch()
        cycles.append(run_cycle("changed", settings, catalog, sessions, now + timedelta(hours=3)))
        engine.dispose()
        server.terminate()
        server.join()
    print(
        f"{args.pages} pages of {size / 1024:.1f} KB on loopback; delay 0, "
        f"per_domain {args.per_domain}, concurrency {args.concurrency}, AutoThrottle on, "
        f"retries 1, SQLite"
    )
    print(f"{'cycle':<15}{'wall s':>8}{'pages/s':>9}{'CPU s/1000':>12}{'parent':>8}{'crawl':>8}  outcomes")
    for c in cycles:
        per_k = (c.parent_cpu + c.child_cpu) / args.pages * 1000
        print(
            f"{c.name:<15}{c.wall:>8.2f}{args.pages / c.wall:>9.0f}{per_k:>12.2f}"
            f"{c.parent_cpu:>8.2f}{c.child_cpu:>8.2f}  {c.counts}"
        )
    parent_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: parent {parent_rss:.0f} MB, largest child {child_rss:.0f} MB (the loopback server included)")


if __name__ == "__main__":
    main()
