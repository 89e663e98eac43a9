"""What the all-locale country index costs a command at start-up, cold and warm.

    .venv/bin/python bench/index_startup.py [--runs 5]

Each run is a fresh interpreter that imports the extractor and loads the index
(``countries._index()``), as every ``regionwatch`` command that reads a page does: *cold* with an
empty cache directory (the index is built from every Babel locale and pycountry, then written),
*warm* with the cache in place (read back with ``marshal``). Prints the median of each.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile

PROBE = """
import sys, time
from pathlib import Path
from monitor.extract import names
names.CACHE_DIR = Path(sys.argv[1])
start = time.perf_counter()
from monitor.extract import countries
countries._index()
print(time.perf_counter() - start)
"""


def run(cache: str) -> float:
    out = subprocess.run([sys.executable, "-c", PROBE, cache], check=True, capture_output=True, text=True)
    return float(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cold, warm = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as cache:
            cold.append(run(cache))
            warm.append(run(cache))
    print(
        f"country index at start-up, median of {args.runs}: cold {statistics.median(cold) * 1000:.0f} ms "
        f"(built and cached), warm {statistics.median(warm) * 1000:.0f} ms (read from the cache)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
