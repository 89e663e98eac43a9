"""A crawl killed outright leaves its scratch directory; the next crawl removes it, and only it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from monitor.fetch import workdir
from monitor.fetch.workdir import OWNER, PREFIX, crawl_workdir, sweep


def _orphan(folder: Path, name: str) -> Path:
    """A scratch directory whose owner really ran and was killed with SIGKILL."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    path = folder / f"{PREFIX}{name}"
    (path / "shard-0").mkdir(parents=True)
    (path / "shard-0" / "pages.captures").write_bytes(b"x" * 100)
    (path / OWNER).write_text(str(child.pid))
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    return path


def test_only_the_directories_of_dead_crawls_are_swept(tmp_path: Path) -> None:
    dead = _orphan(tmp_path, "dead")
    alive = tmp_path / f"{PREFIX}alive"
    alive.mkdir()
    (alive / OWNER).write_text(str(os.getpid()))
    starting = tmp_path / f"{PREFIX}starting"  # no owner file yet, and young: left alone
    starting.mkdir()
    old = tmp_path / f"{PREFIX}old"  # no owner file and older than the grace period
    old.mkdir()
    past = time.time() - workdir.GRACE - 60
    os.utime(old, (past, past))
    other = tmp_path / "someone-elses-dir"
    other.mkdir()
    assert sweep(tmp_path) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, starting.name, other.name])
    assert not dead.exists() and not old.exists()


def test_a_crawl_sweeps_once_and_cleans_up_after_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(workdir.tempfile, "tempdir", None)  # re-read TMPDIR
    monkeypatch.setattr(workdir, "_swept", False)
    dead = _orphan(tmp_path, "dead")
    with crawl_workdir() as scratch:
        assert scratch.parent == tmp_path and (scratch / OWNER).read_text() == str(os.getpid())
        assert not dead.exists()
    assert list(tmp_path.iterdir()) == []
