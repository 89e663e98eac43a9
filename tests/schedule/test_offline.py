"""The daemon says once that the machine looks offline, and once when sources answer again."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine

from monitor.config import Settings
from monitor.schedule.daemon import Daemon
from monitor.types import Catalog


def test_offline_is_said_once_and_so_is_back_online(caplog: pytest.LogCaptureFixture) -> None:
    engine = create_engine("sqlite://")
    daemon = Daemon(
        Settings(database_url="sqlite://"), Catalog(sources=()), engine, clock=lambda: datetime(2026, 1, 1, tzinfo=UTC)
    )
    with caplog.at_level(logging.WARNING, logger="monitor.schedule.daemon"):
        for counts in (
            {"dns": 20, "connect": 3},
            {"dns": 23},
            {"timeout": 2},
            {"unchanged": 1, "dns": 22},
            {"unchanged": 23},
        ):
            daemon._note_offline(counts)
    messages = [r.getMessage() for r in caplog.records]
    assert len([m for m in messages if "looks offline" in m]) == 1
    assert len([m for m in messages if "answer again" in m]) == 1
    engine.dispose()
