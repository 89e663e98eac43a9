"""The pure parts of celery mode: how due sources become tasks, and the settings it refuses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from monitor.config import load_settings
from monitor.errors import ConfigError
from monitor.executor.shards import domain_of, plan
from monitor.types import Source, SourceKind


def _source(ident: str, host: str) -> Source:
    return Source(id=ident, kind=SourceKind.PAGE, provider="p", url=f"https://{host}/{ident}")


def test_a_domain_stays_in_one_task_and_domains_are_packed() -> None:
    sources = (
        [_source(f"a{i}", "A.example") for i in range(3)]
        + [_source(f"b{i}", "b.example") for i in range(2)]
        + [_source("c0", "c.example")]
    )
    assert plan(sources, 3) == [["a0", "a1", "a2"], ["b0", "b1", "c0"]]
    assert plan(sources, 10) == [["a0", "a1", "a2", "b0", "b1", "c0"]]


def test_a_domain_bigger_than_a_batch_is_cut_into_tasks_that_take_turns() -> None:
    sources = [_source(f"a{i}", "a.example") for i in range(5)]
    assert plan(sources, 2) == [["a0", "a1"], ["a2", "a3"], ["a4"]]
    assert domain_of("https://A.Example:8443/x") == "a.example"


def test_celery_on_sqlite_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no regionwatch.toml
    for key in [k for k in os.environ if k.startswith("REGIONWATCH_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("REGIONWATCH_EXECUTOR", "celery")
    with pytest.raises(ConfigError) as caught:
        load_settings(None)
    assert str(caught.value) == (
        "settings: SQLite cannot be shared between machines: use PostgreSQL with executor = celery"
    )
    monkeypatch.setenv("REGIONWATCH_DATABASE_URL", "postgresql://db.internal/regionwatch")
    settings = load_settings(None)
    assert settings.executor == "celery" and settings.celery.broker_url == "redis://127.0.0.1:6379/0"
