"""Due sources, the digest trigger, and the one-daemon-per-database lock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from monitor.errors import ConfigError, RegionwatchError
from monitor.schedule.due import due_sources, jitter
from monitor.schedule.lock import daemon_lock
from monitor.schedule.triggers import digest_trigger
from monitor.sources.catalog import parse_catalog

CATALOG = parse_catalog(
    """
[[source]]
id = "hourly"
kind = "feed"
url = "https://example.com/feed"
provider = "example"
every = "1h"

[[source]]
id = "off"
kind = "feed"
url = "https://example.com/off"
provider = "example"
every = "1h"
enabled = false
""",
    origin="t",
)
NOW = datetime(2024, 7, 1, 12, tzinfo=UTC)


def test_never_fetched_is_due_and_disabled_never() -> None:
    assert due_sources(CATALOG, {}, NOW) == ["hourly"]


def test_cadence_plus_stable_jitter() -> None:
    source = CATALOG.sources[0]
    assert timedelta(0) <= jitter(source) <= timedelta(minutes=6) and jitter(source) == jitter(source)
    just = NOW - source.every - jitter(source)
    assert due_sources(CATALOG, {"hourly": (just, None)}, NOW) == ["hourly"]
    assert due_sources(CATALOG, {"hourly": (just + timedelta(seconds=1), None)}, NOW) == []


def test_retry_after_defers() -> None:
    assert due_sources(CATALOG, {"hourly": (None, NOW + timedelta(minutes=5))}, NOW) == []


def test_digest_trigger_forms() -> None:
    monday = digest_trigger("mon 08:00", "Asia/Jakarta").get_next_fire_time(None, NOW)
    assert monday is not None and monday.weekday() == 0 and (monday.hour, monday.minute) == (8, 0)
    assert str(monday.tzinfo) == "Asia/Jakarta"
    assert digest_trigger("0 9 * * fri", "UTC").get_next_fire_time(None, NOW).weekday() == 4
    with pytest.raises(ConfigError, match=r"digest\.cron"):
        digest_trigger("someday", "UTC")
    with pytest.raises(ConfigError, match="timezone"):
        digest_trigger("mon 08:00", "Mars/Olympus")


def test_second_daemon_is_refused(engine: Engine) -> None:
    with daemon_lock(engine):
        with pytest.raises(RegionwatchError, match=r"already running|holds"):
            from monitor.store.engine import make_engine

            other = make_engine(engine.url.render_as_string(hide_password=False))
            try:
                with daemon_lock(other):
                    pass
            finally:
                other.dispose()
    with daemon_lock(engine):
        pass  # released
