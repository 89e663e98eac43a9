"""Real brokers, real workers: ``python -m monitor worker`` processes on this machine's Redis (or
RabbitMQ) and PostgreSQL, a loopback site and a fake Slack.

    def test_x(cluster):
        cluster.catalog(...)               # the sources file every process reads
        w = cluster.worker()               # a worker process (its own process group)
        cluster.run_once()                 # `regionwatch run --once`: enqueue what is due, dispatch
        cluster.wait(lambda: ...)          # poll the database
        w.kill()                           # kill -9, the whole group

Skipped when PostgreSQL is not configured (REGIONWATCH_TEST_POSTGRES_URL) or no broker answers.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, func, select

from monitor.store.engine import make_engine
from monitor.store.models import ChangeRow, FetchRow
from tests.dbs import PostgresDatabases
from tests.fetch.conftest import FAST
from tests.fetch.server import LocalServer

REDIS = "redis://127.0.0.1:6379/0"
RABBITMQ = "amqp://guest:guest@127.0.0.1:5672//"


def answers(url: str) -> bool:
    """Whether something listens at the broker URL's host and port."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=0.5):
            return True
    except OSError:
        return False


class WorkerProcess:
    """One ``regionwatch worker`` in its own process group (the pool and the crawl process die with it)."""

    def __init__(self, proc: subprocess.Popen[str], log: Path) -> None:
        self.proc, self.log = proc, log

    def kill(self) -> None:
        """kill -9 the worker, its pool processes and their crawl processes."""
        for pid in _tree(self.proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text("utf-8", errors="replace")


def _tree(pid: int) -> list[int]:
    """The process and all its descendants (the crawl process has a session of its own)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            children = []
        queue.extend(int(c) for c in children)
    return found


class Cluster:
    """A test's scheduler, workers, database and settings."""

    def __init__(self, workdir: Path, db_url: str, broker: str) -> None:
        self.workdir, self.db_url = workdir, db_url
        self.catalog_path = workdir / "sources.toml"
        self.env: dict[str, str] = {
            **FAST,
            "REGIONWATCH_DATABASE_URL": db_url,
            "REGIONWATCH_SOURCES": str(self.catalog_path),
            "REGIONWATCH_EXECUTOR": "celery",
            "REGIONWATCH_CELERY__BROKER_URL": broker,
            "REGIONWATCH_CELERY__QUEUE": f"rw-test-{uuid.uuid4().hex[:10]}",
            "REGIONWATCH_CELERY__VISIBILITY_TIMEOUT": "4",
            "REGIONWATCH_CELERY__BUSY_DELAY": "0.5",
            "REGIONWATCH_CELERY__RETRY_DELAY": "0.5",
            "REGIONWATCH_SLACK__LEASE": "3",
        }
        self.workers: list[WorkerProcess] = []
        self.engine: Engine = make_engine(db_url)

    def _env(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("REGIONWATCH_")}
        return {**clean, **self.env, **(extra or {})}

    def run(self, *args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "monitor", *args],
            cwd=self.workdir,
            env=self._env(env),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def run_once(self) -> None:
        """``regionwatch run --once``: sends what is due to the workers, dispatches, digest."""
        result = self.run("run", "--once")
        assert result.returncode == 0, result.stderr

    def worker(self, *args: str, name: str = "w") -> WorkerProcess:
        """A worker named NAME-N-QUEUE@host: unique on a broker other test runs may share."""
        log = self.workdir / f"worker-{len(self.workers)}.log"
        node = f"{name}-{len(self.workers)}-{self.env['REGIONWATCH_CELERY__QUEUE']}@%h"
        with log.open("w") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "monitor", "worker", "--hostname", node, *args],
                cwd=self.workdir,
                env=self._env(None),
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            )
        started = WorkerProcess(proc, log)
        self.workers.append(started)
        wait(lambda: "ready" in started.output() or proc.poll() is not None, 30, "worker start")
        assert proc.poll() is None, started.output()
        return started

    def scalar(self, query: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    def fetches(self, source_id: str) -> int:
        return int(self.scalar(select(func.count()).select_from(FetchRow).where(FetchRow.source_id == source_id)))

    def changes(self) -> int:
        return int(self.scalar(select(func.count()).select_from(ChangeRow)))

    def close(self) -> None:
        for index, started in enumerate(self.workers):
            started.stop()
            print(f"--- worker {index} ---\n{started.output()[-4000:]}")  # shown when a test fails
        self.engine.dispose()


def wait(ready: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def loopback() -> Iterator[LocalServer]:
    local = LocalServer().start()
    yield local
    local.stop()


@pytest.fixture
def site(loopback: LocalServer) -> LocalServer:
    loopback.reset()
    loopback.set("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
    return loopback


def _cluster(tmp_path: Path, postgres_dbs: PostgresDatabases | None, broker: str) -> Iterator[Cluster]:
    if postgres_dbs is None:
        pytest.skip("PostgreSQL not configured: set REGIONWATCH_TEST_POSTGRES_URL")
    if not answers(broker):
        pytest.skip(f"no broker answers at {broker}")
    url = postgres_dbs.migrated()
    cluster = Cluster(tmp_path, url, broker)
    try:
        yield cluster
    finally:
        cluster.close()
        postgres_dbs.drop(url)


@pytest.fixture
def cluster(tmp_path: Path, postgres_dbs: PostgresDatabases | None) -> Iterator[Cluster]:
    """Workers on Redis and PostgreSQL."""
    yield from _cluster(tmp_path, postgres_dbs, REDIS)


@pytest.fixture
def rabbit_cluster(tmp_path: Path, postgres_dbs: PostgresDatabases | None) -> Iterator[Cluster]:
    """Workers on RabbitMQ and PostgreSQL."""
    yield from _cluster(tmp_path, postgres_dbs, RABBITMQ)
