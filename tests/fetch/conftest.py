"""Fixtures for crawl tests: the scriptable loopback server, a catalog, the real command.

    def test_x(site, crawler):                  # site: the server, reset, robots.txt set
        site.set("/a", "<html>...</html>", etag=True)
        crawler.catalog(page("a", site.url("/a")))
        rows = crawler.json("crawl", "--all")     # `regionwatch crawl --all --format json`

``crawler`` points REGIONWATCH_* at a fresh migrated database (``db_url``: SQLite, and
PostgreSQL when REGIONWATCH_TEST_POSTGRES_URL is set) and at small, fast fetch settings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from monitor.config import Settings, load_settings
from monitor.sources.catalog import load_catalog
from monitor.store.engine import make_engine
from monitor.store.models import AvailabilityRow
from monitor.types import Catalog
from tests.dbs import SqliteDatabases
from tests.fetch.server import LocalServer

ROBOTS = "User-agent: *\nDisallow: /private/\n"

#: Fetch settings for tests: no delay, loopback allowed, small limits so failures are quick, and
#: set changes confirmed at once.
FAST = {
    "REGIONWATCH_FETCH__DELAY": "0",
    "REGIONWATCH_FETCH__ALLOW_PRIVATE": "true",
    "REGIONWATCH_FETCH__TIMEOUT": "1.5",
    "REGIONWATCH_FETCH__RETRIES": "1",
    "REGIONWATCH_FETCH__MAX_BYTES": "200000",
    "REGIONWATCH_FETCH__PER_DOMAIN": "8",
    "REGIONWATCH_FETCH__CONCURRENCY": "32",
    "REGIONWATCH_FETCH__CRAWL_TIMEOUT": "60",
    # a set change is confirmed by a fresh re-fetch within the same crawl (the default waits 10m)
    "REGIONWATCH_DETECT__CONFIRM_AFTER": "0s",
}


def page(ident: str, url: str, **extra: Any) -> dict[str, Any]:
    """A page entry for a test catalog."""
    return {"id": ident, "kind": "page", "url": url, "provider": "example", **extra}


def feed(ident: str, url: str, **extra: Any) -> dict[str, Any]:
    """A feed entry for a test catalog."""
    return {"id": ident, "kind": "feed", "url": url, "provider": "example", **extra}


def to_toml(entries: list[dict[str, Any]]) -> str:
    """A catalog file holding the entries (strings, booleans, lists of strings)."""
    blocks = []
    for entry in entries:
        lines = ["[[source]]"]
        for key, value in entry.items():
            lines.append(f"{key} = {_toml_value(value)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value)


class Crawler:
    """The regionwatch command against a test catalog and database."""

    def __init__(self, workdir: Path, db_url: str) -> None:
        self.workdir = workdir
        self.db_url = db_url
        self.catalog_path = workdir / "sources.toml"
        self.env: dict[str, str] = {
            "REGIONWATCH_DATABASE_URL": db_url,
            "REGIONWATCH_SOURCES": str(self.catalog_path),
            **FAST,
        }
        self._engine: Engine | None = None

    def catalog(self, *entries: dict[str, Any]) -> Catalog:
        self.catalog_path.write_text(to_toml(list(entries)), encoding="utf-8")
        return load_catalog(self.catalog_path)

    def settings(self) -> Settings:
        return load_settings(None)

    def run(
        self, *args: str, env: Mapping[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """python -m monitor ARGS, with only this test's REGIONWATCH_* settings."""
        clean = {k: v for k, v in os.environ.items() if not k.startswith("REGIONWATCH_")}
        clean.update(self.env)
        clean.update(env or {})
        return subprocess.run(
            [sys.executable, "-m", "monitor", *args],
            cwd=self.workdir,
            env=clean,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def json(self, *args: str, env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        """Run a crawl with --format json; its rows, by source id order of the catalog."""
        result = self.run(*args, "--format", "json", env=env)
        assert result.returncode in (0, 3), result.stderr  # 3: nothing could be fetched (rows still printed)
        rows: list[dict[str, Any]] = json.loads(result.stdout)
        return rows

    def json_rows(self, *args: str) -> list[dict[str, Any]]:
        """Any command with --format json; its rows."""
        return self.json(*args)

    def open_codes(self) -> dict[str, frozenset[str]]:
        """Each provider's open availability set, as the database holds it now."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(AvailabilityRow.provider, AvailabilityRow.country).where(AvailabilityRow.valid_to.is_(None))
            ).all()
        found: dict[str, set[str]] = {}
        for provider, country in rows:
            found.setdefault(provider, set()).add(country)
        return {p: frozenset(c) for p, c in found.items()}

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.db_url)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


@pytest.fixture(scope="session")
def server() -> Iterator[LocalServer]:
    """One loopback HTTP server for the session; tests script it per path."""
    local = LocalServer().start()
    yield local
    local.stop()


@pytest.fixture
def site(server: LocalServer) -> LocalServer:
    """The server, forgotten what earlier tests set, with a robots.txt disallowing /private/."""
    server.reset()
    server.set("/robots.txt", ROBOTS, content_type="text/plain")
    return server


@pytest.fixture
def sqlite_url(sqlite_dbs: SqliteDatabases) -> str:
    """A fresh migrated SQLite database (for tests that need no second backend)."""
    return sqlite_dbs.migrated()


def _crawler(tmp_path: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Crawler]:
    for key in [k for k in os.environ if k.startswith("REGIONWATCH_")]:
        if key != "REGIONWATCH_TEST_POSTGRES_URL":
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    setup = Crawler(tmp_path, url)
    for key, value in setup.env.items():
        monkeypatch.setenv(key, value)
    yield setup
    setup.close()


@pytest.fixture
def crawler(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Crawler]:
    """The command on a fresh database of each backend, in tmp_path, with FAST settings."""
    yield from _crawler(tmp_path, db_url, monkeypatch)


@pytest.fixture
def sqlite_crawler(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Crawler]:
    """Like ``crawler``, on SQLite only."""
    yield from _crawler(tmp_path, sqlite_url, monkeypatch)
