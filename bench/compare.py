"""Regionwatch and urlwatch 2.29 side by side: the same pages, the same loopback server, interleaved.

    .venv/bin/python bench/compare.py [--pages 1000] [--pages 10000] [--rounds 3]

N pages of ~12 KB (bench/crawl_bench.py's generator: a ``<ul class="countries">`` list among
nav, script and footer noise) are served by crawl_bench's threaded loopback server with ETags,
in its own process (its CPU is not counted). Each round starts both tools from nothing and runs,
interleaved (regionwatch, then urlwatch, per cycle):

    cold        no state: every page fetched and stored
    unchanged   the same pages again: both send If-None-Match, every page answers 304
    changed     every page's list swaps two names out and two in (the rest stays), then 200s

regionwatch runs its full cycle as a subprocess, ``regionwatch crawl --all --format json``
(fetch, extract, set-diff, store, outbox) on a catalog of N page sources with
``[source.availability] select = "ul.countries li"`` and a fresh SQLite database per round, at
10 requests in flight (``fetch.per_domain`` and ``fetch.concurrency`` 10, urlwatch's 10 threads),
with ``detect.confirm_after`` as shipped (10m: the changed cycle ends with every change held for its
confirming re-read) or, with ``--confirm-after 0s``, re-read and applied in the same crawl.
urlwatch 2.29 (installed into bench/.venv-urlwatch) runs ``urlwatch --urls F --config C
--cache D`` with jobs ``filter: [css: ul.countries, html2text, strip]``, its default
conditional requests and its 10 worker threads (``MAX_WORKERS`` in urlwatch/worker.py; 2.29
has no config key for it), the stdout report on (uncoloured, to a file).

Measured per run: wall seconds, checks/s, CPU seconds per 1,000 checks (user + sys of the
child process and its descendants, from RUSAGE_CHILDREN deltas) and peak RSS (the largest sum
of VmRSS over the process tree, sampled every 50 ms from /proc). Printed as Markdown and
written to bench/results/compare-<time>.md and .json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crawl_bench import COUNTRIES, make_page, serve

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
UW_VENV = BENCH / ".venv-urlwatch"
UW_SPEC = ["urlwatch==2.29", "cssselect", "html2text"]
RW_BIN = ROOT / ".venv" / "bin" / "regionwatch"
#: Politeness for the benchmark, stated in the report: one loopback "domain", no delay, and the
#: same concurrency as urlwatch's 10 worker threads (10 requests in flight, never more).
CONCURRENCY = 10
RW_FETCH = {
    "DELAY": "0",
    "PER_DOMAIN": str(CONCURRENCY),
    "CONCURRENCY": str(CONCURRENCY),
    "OBEY_ROBOTS": "true",
    "RETRIES": "1",
    "TIMEOUT": "30",
    "CRAWL_TIMEOUT": "3600",
    "ALLOW_PRIVATE": "true",
}
#: A changed list is applied only after a confirming re-read (detect.confirm_after, 10 minutes by
#: default, so the crawl ends with the change held and the daemon re-reads it later). With
#: ``--confirm-after 0s`` the crawl re-reads every changed page at once and applies it: the changed
#: cycle then does all of its work, re-read included, as urlwatch's run reports its changes.
RW_DETECT = {"CONFIRM_AFTER": "10m"}
UL = re.compile(r'(<ul class="countries">\n)(.*?)(</ul>)', re.S)
CYCLES = ("cold", "unchanged", "changed")


@dataclass
class Run:
    tool: str
    pages: int
    round: int
    cycle: str
    wall: float
    cpu: float
    rss_mb: float
    status: int
    detail: str

    @property
    def rate(self) -> float:
        return self.pages / self.wall


class Pages:
    """N page files whose country lists drift by two names out and two in per edit."""

    def __init__(self, root: Path, count: int) -> None:
        self.root, self.count = root, count
        self.base = [make_page(i, 1).decode() for i in range(count)]
        self.lists = [re.findall(r"<span>([^<]+)</span>", UL.search(b).group(2)) for b in self.base]  # type: ignore[union-attr]
        self.edits = 0

    def write(self) -> None:
        for i, (page, names) in enumerate(zip(self.base, self.lists, strict=True)):
            items = "".join(f'<li class="country-item"><span>{n}</span></li>\n' for n in sorted(names))
            (self.root / f"{i}.html").write_text(UL.sub(lambda m, s=items: m.group(1) + s + m.group(3), page))

    def edit(self) -> None:
        self.edits += 1
        for i, names in enumerate(self.lists):
            rng = random.Random(i * 104729 + self.edits)
            out = set(rng.sample(names, 2))
            inn = rng.sample([c for c in COUNTRIES if c not in names], 2)
            self.lists[i] = [n for n in names if n not in out] + inn
        self.write()


def tree_rss_kb(pid: int) -> int:
    """VmRSS of pid and all its descendants, in kB (0 for processes gone meanwhile)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            parents.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(parents.get(p, ()))
        try:
            with open(f"/proc/{p}/status") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
        except OSError:
            pass
    return total


def measure(cmd: list[str], env: dict[str, str], cwd: Path, out: Path) -> tuple[float, float, float, int]:
    """Wall s, child CPU s, peak tree RSS MB and exit status of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with out.open("w") as sink:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=sink, stderr=subprocess.STDOUT)
        peak, done = 0, threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.wait(0.05):
                peak = max(peak, tree_rss_kb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        status = proc.wait()
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, peak / 1024, status


def compile_regionwatch() -> None:
    """Byte-compile our own modules once, as a regular (non-editable) install would have them.

    An editable install leaves monitor/ and spiders/ uncompiled, and this machine's
    PYTHONDONTWRITEBYTECODE=1 would make every run compile them again (~35 ms a process);
    urlwatch's virtualenv is compiled by pip. Stated in the report.
    """
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "monitor"), str(ROOT / "spiders")], check=True)


def ensure_urlwatch() -> Path:
    exe = UW_VENV / "bin" / "urlwatch"
    if not exe.exists():
        print(f"installing {' '.join(UW_SPEC)} into {UW_VENV} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(UW_VENV)], check=True)
        subprocess.run([str(UW_VENV / "bin" / "pip"), "install", "--quiet", *UW_SPEC], check=True)
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    if "2.29" not in version.stdout:
        raise SystemExit(f"expected urlwatch 2.29 in {UW_VENV}, found {version.stdout.strip()}")
    return exe


class Regionwatch:
    name = "regionwatch"

    def __init__(self, work: Path, port: int, count: int) -> None:
        self.work, self.count = work, count
        self.catalog = work / "catalog.toml"
        self.catalog.write_text(
            "".join(
                f'[[source]]\nid = "page-{i:05d}"\nkind = "page"\nurl = "http://127.0.0.1:{port}/{i}.html"\n'
                f'provider = "bench"\nproduct = "p{i:05d}"\nevery = "1h"\n'
                f'[source.availability]\nselect = "ul.countries li"\n\n'
                for i in range(count)
            )
        )
        self.env = {
            **os.environ,
            "REGIONWATCH_SOURCES": str(self.catalog),
            "REGIONWATCH_LOG_LEVEL": "WARNING",
            **{f"REGIONWATCH_FETCH__{k}": v for k, v in RW_FETCH.items()},
            **{f"REGIONWATCH_DETECT__{k}": v for k, v in RW_DETECT.items()},
        }

    def reset(self, round_no: int) -> None:
        db = self.work / f"rw-{round_no}.db"
        self.env["REGIONWATCH_DATABASE_URL"] = f"sqlite:///{db}"
        subprocess.run(
            [str(RW_BIN), "db", "upgrade"], env=self.env, cwd=self.work, check=True, stdout=subprocess.DEVNULL
        )

    def run(self, out: Path) -> tuple[float, float, float, int]:
        return measure([str(RW_BIN), "crawl", "--all", "--format", "json"], self.env, self.work, out)

    @staticmethod
    def detail(out: Path) -> str:
        text = out.read_text()
        counts: dict[str, int] = {}
        for outcome in re.findall(r'"outcome":\s*"(\w+)"', text):
            counts[outcome] = counts.get(outcome, 0) + 1
        return " ".join(f"{k}={v}" for k, v in sorted(counts.items())) or text[-300:]


class Urlwatch:
    name = "urlwatch"

    def __init__(self, work: Path, port: int, count: int, exe: Path) -> None:
        self.work, self.exe = work, exe
        self.urls = work / "urls.yaml"
        self.urls.write_text(
            "---\n".join(
                f"name: page {i}\nurl: http://127.0.0.1:{port}/{i}.html\n"
                "filter:\n  - css: ul.countries\n  - html2text\n  - strip\n"
                for i in range(count)
            )
        )
        self.config = work / "urlwatch.yaml"
        self.config.write_text("report:\n  stdout:\n    enabled: true\n    color: false\n")
        self.env = {
            **os.environ,
            "HOME": str(work),
            "XDG_CONFIG_HOME": str(work / "xdg"),
            "XDG_CACHE_HOME": str(work / "xdg-cache"),
        }
        self.cache = work / "uw-cache.db"

    def reset(self, round_no: int) -> None:
        self.cache = self.work / f"uw-cache-{round_no}.db"

    def run(self, out: Path) -> tuple[float, float, float, int]:
        cmd = [
            str(self.exe),
            "--urls",
            str(self.urls),
            "--config",
            str(self.config),
            "--cache",
            str(self.cache),
            "--hooks",
            str(self.work / "no-hooks.py"),
        ]
        return measure(cmd, self.env, self.work, out)

    @staticmethod
    def detail(out: Path) -> str:
        counts: dict[str, int] = {}
        for kind in re.findall(r"^\d+\. (NEW|CHANGED|UNCHANGED|ERROR): ", out.read_text(), re.M):
            counts[kind.lower()] = counts.get(kind.lower(), 0) + 1
        return " ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "no report (nothing changed)"


def bench(count: int, rounds: int, exe: Path, log: list[Run]) -> None:
    with tempfile.TemporaryDirectory(prefix="regionwatch-compare-") as tmp:
        work = Path(tmp)
        (work / "pages").mkdir()
        pages = Pages(work / "pages", count)
        pages.write()
        (work / "pages" / "etag.on").touch()
        receive, send = multiprocessing.Pipe(duplex=False)
        server = multiprocessing.Process(target=serve, args=(str(work / "pages"), send), daemon=True)
        server.start()
        port = receive.recv()
        tools = [Regionwatch(work, port, count), Urlwatch(work, port, count, exe)]
        try:
            for r in range(1, rounds + 1):
                for tool in tools:
                    tool.reset(r)
                for cycle in CYCLES:
                    if cycle == "changed":
                        pages.edit()
                    for tool in tools:
                        out = work / f"{tool.name}-{r}-{cycle}.out"
                        wall, cpu, rss, status = tool.run(out)
                        run = Run(tool.name, count, r, cycle, wall, cpu, rss, status, tool.detail(out))
                        log.append(run)
                        print(
                            f"N={count} round {r} {cycle:<9} {tool.name:<11} {wall:7.2f} s "
                            f"{run.rate:6.0f}/s cpu {cpu:6.2f} s rss {rss:5.0f} MB exit {status} "
                            f"[{run.detail}]",
                            flush=True,
                        )
        finally:
            server.terminate()
            server.join()


def fixed_cost(exe: Path, repeats: int = 5) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds of each tool's run on ONE page, cold: start-up, imports, one fetch.

    What a cycle costs before its first page: subtracted from a cycle's CPU it leaves the per-check
    part (Scrapy's per-request work for regionwatch, requests + lxml for urlwatch).
    """
    result: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="regionwatch-fixed-") as tmp:
        work = Path(tmp)
        (work / "pages").mkdir()
        Pages(work / "pages", 1).write()
        receive, send = multiprocessing.Pipe(duplex=False)
        server = multiprocessing.Process(target=serve, args=(str(work / "pages"), send), daemon=True)
        server.start()
        port = receive.recv()
        try:
            for tool in (Regionwatch(work, port, 1), Urlwatch(work, port, 1, exe)):
                runs = []
                for r in range(repeats):
                    tool.reset(100 + r)
                    wall, cpu, _, _ = tool.run(work / f"{tool.name}-fixed.out")
                    runs.append((wall, cpu))
                result[tool.name] = (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
        finally:
            server.terminate()
            server.join()
    return result


def where_time_goes(log: list[Run], fixed: dict[str, tuple[float, float]]) -> str:
    """The fixed cost of a run, and the CPU per 1,000 checks once it is taken out."""
    lines = [
        "| tool | one page, cold: wall s | CPU s | N | cycle | CPU s / 1,000 checks without the fixed cost |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for tool, (wall, cpu) in fixed.items():
        for count in sorted({r.pages for r in log}):
            for cycle in CYCLES:
                rs = [r for r in log if r.tool == tool and r.pages == count and r.cycle == cycle]
                if rs:
                    marginal = statistics.median(max(0.0, r.cpu - cpu) / count * 1000 for r in rs)
                    lines.append(f"| {tool} | {wall:.2f} | {cpu:.2f} | {count:,} | {cycle} | {marginal:.2f} |")
    return "\n".join(lines)


def table(log: list[Run]) -> str:
    lines = [
        "| N | cycle | tool | wall s (median) | checks/s (median) | CPU s / 1,000 checks | peak RSS MB "
        "| uw/rw time min | median | max |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for count in sorted({r.pages for r in log}):
        for cycle in CYCLES:
            runs = {
                t: [r for r in log if r.pages == count and r.cycle == cycle and r.tool == t]
                for t in ("regionwatch", "urlwatch")
            }
            ratios = [u.wall / w.wall for w, u in zip(runs["regionwatch"], runs["urlwatch"], strict=False)]
            for tool, rs in runs.items():
                if not rs:
                    continue
                ratio = (
                    f"{min(ratios):.2f} | {statistics.median(ratios):.2f} | {max(ratios):.2f}"
                    if tool == "regionwatch" and ratios
                    else " | | "
                )
                lines.append(
                    f"| {count:,} | {cycle} | {tool} | {statistics.median(r.wall for r in rs):.2f} "
                    f"| {statistics.median(r.rate for r in rs):.0f} "
                    f"| {statistics.median(r.cpu / count * 1000 for r in rs):.2f} "
                    f"| {max(r.rss_mb for r in rs):.0f} | {ratio} |"
                )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, action="append", help="N (repeatable; default 1000)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--confirm-after",
        default="10m",
        help="regionwatch's detect.confirm_after (default 10m, as shipped: a changed cycle "
        "ends held; 0s: re-read and applied in the same crawl)",
    )
    args = parser.parse_args()
    RW_DETECT["CONFIRM_AFTER"] = args.confirm_after
    exe = ensure_urlwatch()
    compile_regionwatch()
    log: list[Run] = []
    fixed = fixed_cost(exe)
    for count in args.pages or [1000]:
        bench(count, args.rounds, exe, log)
    settings = ", ".join(
        [
            *(f"REGIONWATCH_FETCH__{k}={v}" for k, v in RW_FETCH.items()),
            *(f"REGIONWATCH_DETECT__{k}={v}" for k, v in RW_DETECT.items()),
        ]
    )
    report = (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; nproc {os.cpu_count()}; Python "
        f"{sys.version.split()[0]}; {args.rounds} interleaved rounds\n"
        f"regionwatch: {settings}\nurlwatch 2.29: 10 worker threads (fixed), conditional requests\n"
        f"both byte-compiled (regionwatch's modules by compileall, urlwatch's by pip)\n\n"
        f"{table(log)}\n\nWhere the time goes (the fixed cost of a run on one page, then the CPU per "
        f"1,000 checks without it):\n\n{where_time_goes(log, fixed)}\n"
    )
    print("\n" + report)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"compare-{stamp}.md").write_text(report)
    (RESULTS / f"compare-{stamp}.json").write_text(json.dumps([asdict(r) for r in log], indent=1))


if __name__ == "__main__":
    main()
