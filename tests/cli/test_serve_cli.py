"""regionwatch serve as a real process on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from monitor.store.engine import make_engine, session_factory
from tests.cli.helpers import run_cli
from tests.dbs import SqliteDatabases
from tests.web.scenario import replay_story


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path, sqlite_dbs: SqliteDatabases) -> Iterator[str]:
    url = sqlite_dbs.migrated()
    engine = make_engine(url)
    replay_story(session_factory(engine))
    engine.dispose()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGIONWATCH_")}
    env["REGIONWATCH_DATABASE_URL"] = url
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{base}/static/style.css", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    pytest.fail(f"regionwatch serve did not start:\n{output}")
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout:
            process.stdout.close()


def test_serve_answers_on_loopback_and_refuses_writes(server: str) -> None:
    sources = httpx.get(f"{server}/api/sources")
    assert sources.status_code == 200 and sources.json()[0]["id"] == "acme-api"
    assert "acme" in httpx.get(f"{server}/").text
    assert httpx.post(f"{server}/api/availability").status_code == 405


def test_serve_refuses_a_missing_database(tmp_path: Path) -> None:
    result = run_cli(
        "serve", "--port", "0", cwd=tmp_path, env={"REGIONWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'absent.db'}"}
    )
    assert result.returncode == 1
    assert result.stderr.strip().endswith(
        "absent.db: run 'regionwatch init' (or 'regionwatch db upgrade') first, or set database_url"
    )
    assert not (tmp_path / "absent.db").exists()
