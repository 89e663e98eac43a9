"""The crawl's scratch directory, and the ones a killed crawl left behind.

A crawl writes its jobs and captures under a temporary directory that it removes when it ends.
A process killed outright (SIGKILL, the OOM killer, a power cut) cannot remove it, so each new
crawl sweeps the directories whose owner (the pid written inside) is gone.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)
PREFIX = "regionwatch-crawl-"
OWNER = "owner.pid"
GRACE = 600.0  # seconds: a directory this young without an owner file may be starting up
_swept = False


@contextmanager
def crawl_workdir() -> Iterator[Path]:
    """A fresh scratch directory for one crawl, removed when the crawl ends."""
    _sweep_once()
    with tempfile.TemporaryDirectory(prefix=PREFIX) as tmp:
        path = Path(tmp)
        (path / OWNER).write_text(str(os.getpid()), encoding="ascii")
        yield path


def _sweep_once() -> None:
    global _swept
    if not _swept:
        _swept = True
        sweep(Path(tempfile.gettempdir()))


def sweep(folder: Path) -> int:
    """Remove the crawl directories in ``folder`` whose process is gone; how many."""
    removed = 0
    for path in folder.glob(f"{PREFIX}*"):
        if path.is_dir() and _orphaned(path):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    if removed:
        log.info("removed %d scratch directories left by crawls that were killed", removed)
    return removed


def _orphaned(path: Path) -> bool:
    try:
        pid = int((path / OWNER).read_text(encoding="ascii"))
    except (OSError, ValueError):
        try:
            return time.time() - path.stat().st_mtime > GRACE
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, and someone else's
        return False
    return False
