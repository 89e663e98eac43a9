"""Running the crawl process with a hard time limit: killed when it is up, never waited on longer.

No graceful stop is tried: Scrapy's waits for downloads in flight, which is what hangs. The
process loses nothing by the kill, since each capture is flushed to disk when it is made.
"""

from __future__ import annotations

import logging
import pickle
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from monitor.fetch.records import CrawlJob

log = logging.getLogger(__name__)

@dataclass(frozen=True, slots=True, kw_only=True)
class ChildExit:
    """How the crawl process ended."""

    returncode: int | None
    timed_out: bool
    elapsed: float


def run_child(job: CrawlJob, workdir: Path, *, timeout: float) -> ChildExit:
    """Start ``python -m monitor.fetch.child`` on the job and wait at most ``timeout`` seconds."""
    job_path = workdir / "job.pickle"
    job_path.write_bytes(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
    command = [sys.executable, "-m", "monitor.fetch.child", str(job_path)]
    started = time.monotonic()
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,  # noqa: S603
                            start_new_session=True)
    try:
        code = proc.wait(timeout=timeout)
        return ChildExit(returncode=code, timed_out=False, elapsed=time.monotonic() - started)
    except subprocess.TimeoutExpired:
        log.warning("crawl process %d still running after %.0fs: killed", proc.pid, timeout)
        _kill(proc)
        return ChildExit(returncode=proc.returncode, timed_out=True,
                         elapsed=time.monotonic() - started)
    finally:
        if proc.poll() is None:  # interrupted while waiting (Ctrl-C): leave nothing behind
            _kill(proc)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    proc.kill()
    proc.wait()
