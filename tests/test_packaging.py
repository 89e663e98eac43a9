"""The wheel works outside the checkout: built, installed in a fresh virtualenv, run from an empty directory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tarfile
import time
import tomllib
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_is_listed_for_the_wheel() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for top in ("monitor", "spiders")
        for p in (ROOT / top).rglob("__init__.py")
    }
    found |= {"monitor.migrations", "monitor.migrations.versions"}  # mapped from the top-level migrations/
    assert listed == found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wheel(source: Path, dist: Path) -> Path:
    """``pip wheel`` of a source tree or sdist, with the dev extras' setuptools (no index needed)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = dist.glob("regionwatch-*.whl")
    return wheel


@pytest.mark.slow
def test_the_sdist_builds_the_same_wheel(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(tmp_path / "sdist"), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (sdist,) = (tmp_path / "sdist").glob("regionwatch-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    assert {"LICENSE", "README.md", "alembic.ini", "migrations/env.py", "monitor/sources/default.toml"} <= names
    from_sdist, from_tree = _wheel(sdist, tmp_path / "a"), _wheel(ROOT, tmp_path / "b")
    with zipfile.ZipFile(from_sdist) as a, zipfile.ZipFile(from_tree) as b:
        assert a.namelist() == b.namelist()
        record = next(n for n in a.namelist() if n.endswith(".dist-info/RECORD"))
        assert a.read(record) == b.read(record), "the same files with the same hashes"


@pytest.mark.slow
def test_the_wheel_runs_from_an_empty_directory(tmp_path: Path) -> None:
    dist, venv, work = tmp_path / "dist", tmp_path / "venv", tmp_path / "empty"
    work.mkdir()
    wheel = _wheel(ROOT, dist)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    installed = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", str(wheel)], capture_output=True, text=True, timeout=600
    )
    assert installed.returncode == 0, installed.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGIONWATCH_")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(venv / "bin" / "regionwatch"), *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, (args, done.stderr)
        return done

    assert "(head)" in run("init").stdout
    run("db", "upgrade")
    assert "(head)" in run("db", "current").stdout
    assert run("sources", "validate").stdout.startswith("ok:")
    run("demo", "--out", str(work / "demo.html"))
    assert "wrote the digest" in run("digest", "preview", "--out", str(work / "digest.html")).stdout
    port = _free_port()
    server = subprocess.Popen(
        [str(venv / "bin" / "regionwatch"), "serve", "--port", str(port)],
        cwd=work,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    assert answer.status == 200 and b"Regionwatch" in answer.read()
                    break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "serve did not answer"
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert not (work / "migrations").exists() and not (venv / "alembic.ini").exists()
