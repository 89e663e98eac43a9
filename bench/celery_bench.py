"""Local executor vs Celery workers, in one run: N pages on loopback, recorded into PostgreSQL.

    REGIONWATCH_BENCH_POSTGRES=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/celery_bench.py [--pages 10000] [--domains 10] [--broker redis://127.0.0.1:6379/0]

Pages are bench/crawl_bench.py's (~12 KB country lists), served from one server process that
listens on ``--domains`` loopback addresses (127.0.0.2, 127.0.0.3, ...: Linux routes all of
127/8 to lo), so the sources fall into that many domains. Each mode crawls every page once,
cold, into a fresh migrated PostgreSQL database:

    local       monitor.cycle.check on the whole batch (what `regionwatch run` does by default)
    celery-1    the daemon's Enqueuer sends shard tasks; one `regionwatch worker` process
    celery-2    the same with two worker processes

Wall time runs from the start of the crawl (or the first task sent) until every source has a
recorded fetch. Fetch settings: delay 0, per_domain 64, concurrency 64, retries 1. The ratios
to the local executor are printed at the end; the machine's core count too (two workers on two
cores share them with the page server and PostgreSQL).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crawl_bench import _Server, write_pages

from monitor.config import Settings
from monitor.cycle import check
from monitor.executor.enqueue import Enqueuer
from monitor.store import migrate
from monitor.store.catalog import sync_sources
from monitor.store.engine import make_engine, session_factory, transaction
from monitor.store.models import SourceRow
from monitor.types import Catalog, Source, SourceKind

FETCH = {
    "delay": 0,
    "per_domain": 64,
    "concurrency": 64,
    "timeout": 30,
    "retries": 1,
    "crawl_timeout": 1800,
    "allow_private": True,
    "obey_robots": False,
}


def serve(root: str, hosts: list[str], port_out: Any) -> None:
    """Files by name on every host, one thread per listening address."""
    base = Path(root)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = base / self.path.lstrip("/").split("?")[0]
            body = path.read_bytes() if path.is_file() else b""
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    servers = [_Server((host, 0), Handler) for host in hosts]
    port_out.send([s.server_address[1] for s in servers])
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def new_database(admin: str) -> str:
    name = f"rw_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(make_url(admin).set(drivername="postgresql").render_as_string(False), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    return url


def drop_database(admin: str, url: str) -> None:
    name = make_url(url).database
    with psycopg.connect(make_url(admin).set(drivername="postgresql").render_as_string(False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_local(settings: Settings, catalog: Catalog) -> float:
    engine = make_engine(settings.database_url)
    started = time.perf_counter()
    check(settings, catalog, [s.id for s in catalog.sources], now=datetime.now(UTC), sessions=session_factory(engine))
    wall = time.perf_counter() - started
    engine.dispose()
    return wall


def run_celery(settings: Settings, catalog: Catalog, workers: int, catalog_file: Path, workdir: Path) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGIONWATCH_")}
    env.update(
        {
            "REGIONWATCH_DATABASE_URL": settings.database_url,
            "REGIONWATCH_EXECUTOR": "celery",
            "REGIONWATCH_SOURCES": str(catalog_file),
            "REGIONWATCH_LOG_LEVEL": "WARNING",
            "REGIONWATCH_CELERY__BROKER_URL": settings.celery.broker_url,
            "REGIONWATCH_CELERY__QUEUE": settings.celery.queue,
            "REGIONWATCH_CELERY__BATCH": str(settings.celery.batch),
            **{
                f"REGIONWATCH_FETCH__{k.upper()}": str(v).lower() if isinstance(v, bool) else str(v)
                for k, v in FETCH.items()
            },
        }
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "monitor", "worker", "-n", f"bench{i}@%h"],
            env=env,
            cwd=workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(workers)
    ]
    engine = make_engine(settings.database_url)
    sessions = session_factory(engine)
    try:
        time.sleep(3)  # the workers connect; their start-up is not the crawl's
        now = datetime.now(UTC)
        started = time.perf_counter()
        with transaction(sessions) as session:
            sync_sources(session, catalog, now=now)
        Enqueuer(settings).crawl(catalog, [s.id for s in catalog.sources], now=now, last_fetch={})
        done = select(func.count()).select_from(SourceRow).where(SourceRow.last_fetch_at >= now)
        while True:
            with engine.connect() as conn:
                if conn.execute(done).scalar() == len(catalog.sources):
                    break
            time.sleep(0.2)
        return time.perf_counter() - started
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--domains", type=int, default=10)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--modes", default="local,celery-1,celery-2")
    args = parser.parse_args()
    admin = os.environ.get("REGIONWATCH_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
    hosts = [f"127.0.0.{k + 2}" for k in range(args.domains)]
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="regionwatch-celery-bench-") as tmp:
        root = Path(tmp)
        pages = root / "pages"
        pages.mkdir()
        write_pages(pages, args.pages, version=1)
        receive, send = multiprocessing.Pipe(duplex=False)
        server = multiprocessing.Process(target=serve, args=(str(pages), hosts, send), daemon=True)
        server.start()
        ports = receive.recv()
        sources = tuple(
            Source(
                id=f"page-{i:05d}",
                kind=SourceKind.PAGE,
                provider="bench",
                url=f"http://{hosts[i % len(hosts)]}:{ports[i % len(hosts)]}/{i}.html",
            )
            for i in range(args.pages)
        )
        catalog_file = root / "sources.toml"
        catalog_file.write_text(
            "".join(
                f'[[source]]\nid = "{s.id}"\nkind = "page"\nurl = "{s.url}"\nprovider = "bench"\n' for s in sources
            ),
            encoding="utf-8",
        )
        from monitor.sources.catalog import load_catalog

        catalog = load_catalog(catalog_file)
        for mode in args.modes.split(","):
            url = new_database(admin)
            settings = Settings(
                database_url=url,
                fetch=FETCH,
                executor="local" if mode == "local" else "celery",
                sources=catalog_file,
                celery={"broker_url": args.broker, "queue": f"bench-{uuid.uuid4().hex[:8]}", "batch": args.batch},
            )
            try:
                if mode == "local":
                    results[mode] = run_local(settings, catalog)
                else:
                    results[mode] = run_celery(settings, catalog, int(mode.split("-")[1]), catalog_file, root)
            finally:
                drop_database(admin, url)
            print(f"{mode:<10}{results[mode]:>8.1f} s {args.pages / results[mode]:>7.0f} pages/s", flush=True)
        server.terminate()
    base = results.get("local")
    print(
        f"\n{args.pages} pages of ~12 KB, {args.domains} loopback domains, {os.cpu_count()} cores, "
        f"PostgreSQL, broker {args.broker.split('://')[0]}, celery.batch {args.batch}"
    )
    for mode, wall in results.items():
        ratio = f"{base / wall:.2f}x the local executor's throughput" if base else ""
        print(f"  {mode:<10}{wall:>8.1f} s  {args.pages / wall:>6.0f} pages/s  {ratio}")


if __name__ == "__main__":
    main()
