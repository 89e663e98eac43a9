"""As-of latency over a million availability intervals on SQLite (a benchmark, not a test).

Builds a database with the migrations, bulk-inserts synthetic intervals (many providers and
products, every country, a few dozen non-overlapping intervals per key, at most one open), then
times the query layer's ``availability(at=...)`` (what ``regionwatch availability`` and
``/api/availability`` run) at random moments: for a random (provider, product), for one country
across every product, and for one country of one product. Goal: p50 <= 20 ms.

    .venv/bin/python bench/asof_bench.py [--rows 1000000] [--queries 300] [--db FILE] [--seed 7]
    .venv/bin/python bench/asof_bench.py --quick     # 100,000 rows, 100 queries per shape
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pycountry
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from monitor.query.history import availability
from monitor.store import migrate
from monitor.store.engine import make_engine, session_factory
from monitor.store.models import AvailabilityRow

START = datetime(2019, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=7 * 365)
PROVIDERS = 25
PRODUCTS = 4
CHUNK = 50_000


def keys() -> list[tuple[str, str]]:
    return [(f"provider{p:02d}", f"product{q}") for p in range(PROVIDERS) for q in range(PRODUCTS)]


def countries() -> list[str]:
    return sorted(c.alpha_2 for c in pycountry.countries)


def synthetic_rows(total: int, rng: random.Random) -> Iterator[dict[str, object]]:
    """Non-overlapping intervals per (provider, product, country); only the last may be open."""
    cells = [(p, q, c) for p, q in keys() for c in countries()]
    per_cell = max(1, math.ceil(total / len(cells)))
    made = 0
    for provider, product, country in cells:
        if made >= total:
            return
        n = min(per_cell, total - made)
        points = sorted(START + SPAN * rng.random() for _ in range(2 * n))
        for i in range(n):
            valid_from, valid_to = points[2 * i], points[2 * i + 1]
            open_ended = i == n - 1 and rng.random() < 0.5
            yield {
                "provider": provider,
                "product": product,
                "country": country,
                "status": "available",
                "valid_from": valid_from,
                "valid_to": None if open_ended else valid_to,
                "recorded_at": valid_from,
                "closed_at": None if open_ended else valid_to,
                "snapshot_id": None,
                "change_id": None,
                "caveats": None,
            }
        made += n


def build(url: str, total: int, seed: int) -> float:
    """The schema by migrations, then the rows in chunks; returns the seconds it took."""
    began = time.perf_counter()
    migrate.upgrade(url)
    engine = make_engine(url)
    rows = synthetic_rows(total, random.Random(seed))
    with engine.begin() as conn:
        while chunk := [row for _, row in zip(range(CHUNK), rows, strict=False)]:
            conn.execute(insert(AvailabilityRow), chunk)
    engine.dispose()
    return time.perf_counter() - began


def timed(queries: int, run: Callable[[random.Random], int], seed: int) -> tuple[list[float], int]:
    rng = random.Random(seed)
    for _ in range(10):  # warm the page cache and the statement cache
        run(rng)
    timings, found = [], 0
    for _ in range(queries):
        began = time.perf_counter()
        found += run(rng)
        timings.append((time.perf_counter() - began) * 1000)
    return timings, found


def report(label: str, timings: list[float], found: int) -> None:
    ordered = sorted(timings)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    print(
        f"{label:<34} n={len(ordered):<4} p50={p50:7.2f} ms  p95={p95:7.2f} ms  "
        f"max={ordered[-1]:7.2f} ms  rows/query={found / len(ordered):6.1f}  goal p50<=20 ms: "
        f"{'met' if p50 <= 20 else 'MISSED'}"
    )


def plans(sessions: sessionmaker[Session]) -> None:
    """SQLite's plan for both shapes of the query, so a regression in index use shows."""
    with sessions() as session:
        for where in ("provider = 'provider01' AND product = 'product1'", "country = 'FR'"):
            plan = session.execute(
                text(
                    f"EXPLAIN QUERY PLAN SELECT * FROM availability WHERE {where} AND valid_from <= '2023-01-01' "
                    "AND (valid_to IS NULL OR valid_to > '2023-01-01')"
                )
            ).all()
            print(f"plan [{where}]: " + "; ".join(str(row[-1]) for row in plan))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--db", type=Path, help="database file to build (default: a temporary one)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="100,000 rows and 100 queries per shape")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.queries = 100_000, 100
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "asof.sqlite3"
        url = f"sqlite:///{path}"
        if not path.exists():
            print(f"building {args.rows:,} intervals in {path} ...", flush=True)
            print(f"built in {build(url, args.rows, args.seed):.1f} s")
        engine = make_engine(url, read_only=True)
        sessions = session_factory(engine)
        with sessions() as session:
            total = session.scalar(select(func.count()).select_from(AvailabilityRow))
        print(f"{total:,} interval rows; {len(keys())} (provider, product) keys; {len(countries())} countries")
        plans(sessions)
        all_keys, codes = keys(), countries()

        def moment(rng: random.Random) -> datetime:
            return START + SPAN * rng.random()

        def by_product(rng: random.Random) -> int:
            provider, product = rng.choice(all_keys)
            return len(availability(sessions, at=moment(rng), provider=provider, product=product))

        def by_country(rng: random.Random) -> int:
            return len(availability(sessions, at=moment(rng), country=rng.choice(codes)))

        def point(rng: random.Random) -> int:
            provider, product = rng.choice(all_keys)
            return len(
                availability(sessions, at=moment(rng), provider=provider, product=product, country=rng.choice(codes))
            )

        report("as of: random (provider, product)", *timed(args.queries, by_product, args.seed))
        report("as of: one country, all products", *timed(args.queries, by_country, args.seed + 1))
        report("as of: one country of one product", *timed(args.queries, point, args.seed + 2))
        engine.dispose()


if __name__ == "__main__":
    main()
