"""Slack on loopback for the notify tests: the fake Web API server, and settings that point at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import SlackSettings
from monitor.store.engine import make_engine, session_factory
from tests.dbs import SqliteDatabases
from tests.fakes.slack import FakeSlack

TOKEN = "xoxb-test-token"
CHANNEL = "#alerts"


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A fake Slack Web API on 127.0.0.1 (also: ``with FakeSlack() as slack`` anywhere)."""
    with FakeSlack(token=TOKEN) as server:
        yield server


def slack_settings(fake: FakeSlack, **overrides: Any) -> SlackSettings:
    """Settings for the fake: fast retries, no pacing, one-second timeouts."""
    values: dict[str, Any] = {
        "token": SecretStr(TOKEN),
        "api_url": fake.api_url,
        "channel": CHANNEL,
        "timeout": 1,
        "backoff": 0.0,
        "backoff_max": 0.0,
        "interval": 0.0,
        "lease": 60.0,
    }
    values.update(overrides)
    return SlackSettings(**values)


@pytest.fixture
def sqlite_sessions(sqlite_dbs: SqliteDatabases) -> Iterator[sessionmaker[Session]]:
    """SQLite only, for dispatcher behaviour that no SQL of its own decides (the outbox SQL runs on both)."""
    engine = make_engine(sqlite_dbs.migrated())
    yield session_factory(engine)
    engine.dispose()
