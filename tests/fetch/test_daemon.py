"""The daemon through the real command: run --once, a long run with SIGTERM, one daemon per database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from monitor.store.models import SourceRow
from tests.fakes.slack import FakeSlack
from tests.fetch.conftest import Crawler
from tests.fetch.server import LocalServer
from tests.pages import FORTY, page

STEP2 = [n for n in FORTY if n not in ("Hong Kong", "Macao")] + ["Vietnam"]


def _setup(site: LocalServer, crawler: Crawler, slack: FakeSlack) -> dict[str, str]:
    site.set("/countries", page(FORTY), etag=True)
    crawler.catalog_path.write_text(
        f"""
[[source]]
id = "acme-api"
kind = "page"
url = "{site.url("/countries")}"
provider = "acme"
product = "api"
every = "1h"
[source.availability]
select = "ul.countries li"
""",
        encoding="utf-8",
    )
    return {
        "REGIONWATCH_SLACK__TOKEN": "xoxb-test",
        "REGIONWATCH_SLACK__API_URL": slack.api_url,
        "REGIONWATCH_SLACK__CHANNEL": "#ai-access",
    }


def _make_due(crawler: Crawler) -> None:
    """As if the hour had passed since the last fetch."""
    with crawler.engine.begin() as conn:
        conn.execute(update(SourceRow).values(last_fetch_at=datetime.now(UTC) - timedelta(hours=2)))


def test_run_once_detects_and_dispatches(site: LocalServer, sqlite_crawler: Crawler) -> None:
    with FakeSlack() as slack:
        env = _setup(site, sqlite_crawler, slack)
        first = sqlite_crawler.run("run", "--once", env=env)
        assert first.returncode == 0, first.stderr
        assert slack.messages() == []  # the first observation is a baseline
        again = sqlite_crawler.run("run", "--once", env=env)
        assert again.returncode == 0 and slack.messages() == []  # not due yet: nothing fetched
        site.set("/countries", page(STEP2), etag=True)
        _make_due(sqlite_crawler)
        changed = sqlite_crawler.run("run", "--once", env=env)
        assert changed.returncode == 0, changed.stderr
        (message,) = slack.messages("#ai-access")
        content = message.content()
        assert all(code in content for code in ("HK", "MO", "VN"))
        assert sqlite_crawler.run("run", "--once", env=env).returncode == 0
        assert len(slack.messages("#ai-access")) == 1


@contextmanager
def _daemon(crawler: Crawler, env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """``regionwatch run --tick 1`` in the background; killed if the test did not stop it."""
    daemon = subprocess.Popen(
        [sys.executable, "-m", "monitor", "run", "--tick", "1"],
        cwd=crawler.workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield daemon
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.communicate()


def _stop(daemon: subprocess.Popen[str]) -> str:
    """SIGTERM, as systemd stops it; its standard error once it is gone."""
    daemon.send_signal(signal.SIGTERM)
    _, err = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, err
    return err


def _first_crawl(site: LocalServer) -> None:
    deadline = time.monotonic() + 60
    while not site.hits("/countries") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert site.hits("/countries"), "the daemon never crawled"


def test_daemon_runs_refuses_a_second_and_stops_on_sigterm(site: LocalServer, sqlite_crawler: Crawler) -> None:
    with FakeSlack() as slack:
        env = {**os.environ, **sqlite_crawler.env, **_setup(site, sqlite_crawler, slack)}
        with _daemon(sqlite_crawler, env) as daemon:
            _first_crawl(site)
            second = sqlite_crawler.run("run", "--once", env=env)
            assert second.returncode == 1 and "another 'regionwatch run'" in second.stderr
            time.sleep(2)  # let the baseline crawl commit
            site.set("/countries", page(STEP2), etag=True)
            _make_due(sqlite_crawler)
            slack.wait_for("chat.postMessage", timeout=60)
            err = _stop(daemon)
        assert "daemon: stopped" in err
        assert len(slack.messages("#ai-access")) == 1


def test_the_daemon_confirms_a_change_within_confirm_after_and_a_tick(
    site: LocalServer, sqlite_crawler: Crawler
) -> None:
    """A change is held on its first read; the daemon re-fetches it itself (fresh, without
    validators) once ``detect.confirm_after`` has passed, not at the source's hourly cadence,
    and Slack hears once, after that read."""
    with FakeSlack() as slack:
        env = {
            **os.environ,
            **sqlite_crawler.env,
            **_setup(site, sqlite_crawler, slack),
            "REGIONWATCH_DETECT__CONFIRM_AFTER": "4s",
        }
        with _daemon(sqlite_crawler, env) as daemon:
            _first_crawl(site)
            time.sleep(2)  # the baseline commits
            site.set("/countries", page(STEP2), etag=True)
            _make_due(sqlite_crawler)
            seen = len(site.hits("/countries"))
            deadline = time.monotonic() + 30
            while len(site.hits("/countries")) == seen and time.monotonic() < deadline:
                time.sleep(0.1)
            first_read = time.monotonic()
            time.sleep(1.5)
            assert slack.messages("#ai-access") == []  # held: not a fact yet
            slack.wait_for("chat.postMessage", timeout=30)
            took = time.monotonic() - first_read
            _stop(daemon)
        assert 4 <= took <= 4 + 1 + 5, took  # confirm_after, one tick, and the crawl's own time
        (message,) = slack.messages("#ai-access")
        assert all(code in message.content() for code in ("HK", "MO", "VN"))
        hits = site.hits("/countries")
        confirming = hits[seen + 1]  # the read after the change's first read (hits[seen])
        assert "If-None-Match" in hits[seen].headers  # the cadence read was conditional
        assert "If-None-Match" not in confirming.headers  # the confirming read is not
        assert len(hits) == seen + 2  # one confirming read, not a poll at every tick
