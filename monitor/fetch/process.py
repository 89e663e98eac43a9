"""Running the crawl processes with a hard time limit: killed when it is up, never waited on longer.

No graceful stop is tried: Scrapy's waits for downloads in flight, which is what hangs. A
process loses nothing by the kill, since each capture is flushed to disk when it is made.
A batch split across several processes (see shard.py) runs them side by side under one
deadline. A process is started before its job exists and is told where the job is on its
standard input, so ``Warm`` can start processes early: they import Scrapy while the parent
still loads the catalog and the database state.
"""

from __future__ import annotations

import logging
import pickle
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from monitor.fetch.records import CrawlJob

log = logging.getLogger(__name__)
TICK = 0.05  # seconds between the parent's looks at the captures while the crawl runs


@dataclass(frozen=True, slots=True, kw_only=True)
class ChildExit:
    """How the crawl process (or processes: the first non-zero exit status) ended."""

    returncode: int | None
    timed_out: bool
    elapsed: float


class Warm:
    """Crawl processes started ahead of their jobs (``with Warm.start(n) as warm:``).

    Each one imports Scrapy, then waits for a job; ``run_children`` hands them jobs, and the
    ones left over are told there is none and end when the block does.
    """

    def __init__(self, procs: Sequence[subprocess.Popen[bytes]] = ()) -> None:
        self.procs = list(procs)

    @classmethod
    def start(cls, count: int) -> Warm:
        return cls([_spawn() for _ in range(count)])

    def take(self) -> subprocess.Popen[bytes]:
        """A started process, or a new one when none is left."""
        return self.procs.pop(0) if self.procs else _spawn()

    def close(self) -> None:
        """End the processes no job was given to (told on their standard input; killed if stuck)."""
        for proc in self.procs:
            _send(proc, "")
        for proc in self.procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                _kill(proc)
        self.procs = []

    def __enter__(self) -> Warm:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_children(
    jobs: Sequence[tuple[CrawlJob, Path]],
    *,
    timeout: float,
    meanwhile: Callable[[], object] | None = None,
    warm: Warm | None = None,
) -> ChildExit:
    """Run one crawl process per (job, directory) side by side, all stopped at ``timeout`` seconds.

    ``meanwhile`` is called every ``TICK`` seconds while any runs (the parent's work on the
    captures finished so far). ``warm``: processes already started, used first.
    """
    started = time.monotonic()
    warm = warm or Warm()
    procs = [_start(job, workdir, warm.take()) for job, workdir in jobs]
    try:
        codes = _wait(procs, started + timeout, meanwhile)
        return ChildExit(
            returncode=next((c for c in codes if c), 0), timed_out=False, elapsed=time.monotonic() - started
        )
    except subprocess.TimeoutExpired:
        running = [p.pid for p in procs if p.poll() is None]
        log.warning("crawl process %s still running after %.0fs: killed", ", ".join(map(str, running)), timeout)
        for proc in procs:
            _kill(proc)
        codes = [p.returncode for p in procs]
        return ChildExit(
            returncode=next((c for c in codes if c), 0), timed_out=True, elapsed=time.monotonic() - started
        )
    finally:
        for proc in procs:
            if proc.poll() is None:  # interrupted while waiting (Ctrl-C): leave nothing behind
                _kill(proc)


def _spawn() -> subprocess.Popen[bytes]:
    """A crawl process that imports Scrapy, then reads where its job is from its standard input."""
    command = [sys.executable, "-m", "monitor.fetch.child", "-"]
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module, no user input
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )


def _start(job: CrawlJob, workdir: Path, proc: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
    job_path = workdir / "job.pickle"
    job_path.write_bytes(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
    _send(proc, str(job_path))
    return proc


def _send(proc: subprocess.Popen[bytes], line: str) -> None:
    """Tell a waiting crawl process its job's path ("" = no job); a process already gone is let be
    (its exit status tells the caller)."""
    if proc.stdin is None or proc.stdin.closed:
        return
    try:
        proc.stdin.write(line.encode() + b"\n")
        proc.stdin.close()
    except (BrokenPipeError, OSError):
        pass


def _wait(procs: list[subprocess.Popen[bytes]], deadline: float, meanwhile: Callable[[], object] | None) -> list[int]:
    """The exit statuses; TimeoutExpired at the deadline. Runs ``meanwhile`` between short waits."""
    for proc in procs:
        while True:
            left = deadline - time.monotonic()
            if meanwhile is None or left <= TICK:
                proc.wait(timeout=max(left, 0.0))
                break
            try:
                proc.wait(timeout=TICK)
                break
            except subprocess.TimeoutExpired:
                meanwhile()
    return [proc.returncode for proc in procs]


def _kill(proc: subprocess.Popen[bytes]) -> None:
    proc.kill()
    proc.wait()
