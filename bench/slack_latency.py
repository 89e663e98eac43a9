"""Change -> Slack latency with the daemon running: detected_at to the fake Slack's post (p50, p95).

    .venv/bin/python bench/slack_latency.py [--sources 10] [--edits 1]

Starts crawl_bench's loopback page server with N availability pages (compare.py's pages: a
country list that swaps two names out and two in per edit), tests.fakes.slack.FakeSlack, and
``regionwatch run --tick 1`` on a fresh SQLite database with a catalog of N page sources
(``every = "1m"``), each routed to its own channel so Slack's one-message-per-second pace per
channel does not queue them behind each other. After every source's first crawl (the
baseline) all pages are edited; each source's next crawl, due a minute later plus its fixed
jitter, detects a change. Latency = the time the fake recorded the post (its ``ts``) minus
``changes.detected_at``. Goal: p95 <= 2 s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent)]
from compare import RW_BIN, Pages  # noqa: E402
from crawl_bench import serve  # noqa: E402

from tests.fakes.slack import FakeSlack  # noqa: E402


def catalog(port: int, count: int) -> str:
    sources = "".join(
        f'[[source]]\nid = "page-{i:02d}"\nkind = "page"\nurl = "http://127.0.0.1:{port}/{i}.html"\n'
        f'provider = "bench"\nproduct = "p{i:02d}"\nevery = "1m"\n'
        f'[source.availability]\nselect = "ul.countries li"\n\n'
        for i in range(count)
    )
    routes = "".join(f'[[route]]\nproducts = ["p{i:02d}"]\nslack_channel = "#bench-{i:02d}"\n\n' for i in range(count))
    return sources + routes


def wait_until(what: str, test: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if test():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}")


def query(db: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql, args).fetchall()


def as_epoch(value: object) -> float:
    moment = datetime.fromisoformat(str(value))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=10)
    parser.add_argument("--edits", type=int, default=1, help="rounds of edits (each ~1 minute)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="regionwatch-slack-") as tmp, FakeSlack(token="xoxb-bench") as slack:
        work = Path(tmp)
        (work / "pages").mkdir()
        pages = Pages(work / "pages", args.sources)
        pages.write()
        receive, send = multiprocessing.Pipe(duplex=False)
        server = multiprocessing.Process(target=serve, args=(str(work / "pages"), send), daemon=True)
        server.start()
        port = receive.recv()
        (work / "catalog.toml").write_text(catalog(port, args.sources))
        db = work / "rw.db"
        env = {
            **os.environ,
            "REGIONWATCH_DATABASE_URL": f"sqlite:///{db}",
            "REGIONWATCH_SOURCES": str(work / "catalog.toml"),
            "REGIONWATCH_LOG_LEVEL": "WARNING",
            "REGIONWATCH_SLACK__TOKEN": "xoxb-bench",
            "REGIONWATCH_SLACK__API_URL": slack.api_url,
            "REGIONWATCH_SLACK__CHANNEL": "#bench-default",
            "REGIONWATCH_FETCH__DELAY": "0",
            "REGIONWATCH_FETCH__ALLOW_PRIVATE": "true",
            "REGIONWATCH_FETCH__OBEY_ROBOTS": "true",
        }
        subprocess.run([str(RW_BIN), "db", "upgrade"], env=env, cwd=work, check=True, stdout=subprocess.DEVNULL)
        daemon = subprocess.Popen(
            [str(RW_BIN), "run", "--tick", "1"],
            env=env,
            cwd=work,
            stdout=open(work / "daemon.log", "w"),
            stderr=subprocess.STDOUT,
        )
        latencies: list[float] = []
        try:
            wait_until(
                "the baseline crawl",
                lambda: (
                    db.exists() and query(db, "SELECT count(DISTINCT source_id) FROM fetches")[0][0] >= args.sources
                ),
                60,
            )
            for _ in range(args.edits):
                since = query(db, "SELECT coalesce(max(id), 0) FROM changes")[0][0]
                pages.edit()
                wait_until("the changes and their posts", lambda s=since: _posted(db, slack, s, args.sources), 150)
                latencies += _latencies(db, slack, since)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(30)
            server.terminate()
            server.join()
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    print(
        f"change -> Slack over {len(ordered)} changes: p50 {statistics.median(ordered):.2f} s, "
        f"p95 {p95:.2f} s, max {ordered[-1]:.2f} s; goal p95 <= 2 s: {'met' if p95 <= 2 else 'MISSED'}"
    )


def _changes(db: Path, since: object) -> list[tuple[object, ...]]:
    return query(db, "SELECT source_id, detected_at FROM changes WHERE id > ? AND source_id IS NOT NULL", since)


def _posted(db: Path, slack: FakeSlack, since: object, count: int) -> bool:
    found = _changes(db, since)
    return len(found) >= count and all(_post_time(slack, str(s), as_epoch(at)) for s, at in found)


def _post_time(slack: FakeSlack, source: str, after: float) -> float | None:
    channel = "#bench-" + source.rsplit("-", 1)[1]
    try:
        posts = [float(p.ts) for p in slack.messages(channel) if float(p.ts) >= after - 1]
    except KeyError:
        return None
    return min(posts) if posts else None


def _latencies(db: Path, slack: FakeSlack, since: object) -> list[float]:
    out = []
    for source, at in _changes(db, since):
        detected = as_epoch(at)
        posted = _post_time(slack, str(source), detected)
        if posted is not None:
            out.append(posted - detected)
    return out


if __name__ == "__main__":
    main()
