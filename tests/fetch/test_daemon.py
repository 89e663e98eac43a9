"""The daemon through the real command: run --once, a long run with SIGTERM, one daemon per database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
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
    crawler.catalog_path.write_text(f"""
[[source]]
id = "acme-api"
kind = "page"
url = "{site.url('/countries')}"
provider = "acme"
product = "api"
every = "1h"
[source.availability]
select = "ul.countries li"
""", encoding="utf-8")
    return {"REGIONWATCH_SLACK__TOKEN": "xoxb-test", "REGIONWATCH_SLACK__API_URL": slack.api_url,
            "REGIONWATCH_SLACK__CHANNEL": "#ai-access"}


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


def test_daemon_runs_refuses_a_second_and_stops_on_sigterm(site: LocalServer, sqlite_crawler: Crawler) -> None:
    with FakeSlack() as slack:
        env = {**os.environ, **sqlite_crawler.env, **_setup(site, sqlite_crawler, slack)}
        daemon = subprocess.Popen([sys.executable, "-m", "monitor", "run", "--tick", "1"], cwd=sqlite_crawler.workdir,
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while not site.hits("/countries") and time.monotonic() < deadline:
                time.sleep(0.2)
            assert site.hits("/countries"), "the daemon never crawled"
            second = sqlite_crawler.run("run", "--once", env=env)
            assert second.returncode == 1 and "another 'regionwatch run'" in second.stderr
            time.sleep(2)  # let the baseline crawl commit
            site.set("/countries", page(STEP2), etag=True)
            _make_due(sqlite_crawler)
            slack.wait_for("chat.postMessage", timeout=60)
            daemon.send_signal(signal.SIGTERM)
            _, err = daemon.communicate(timeout=60)
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.communicate()
        assert daemon.returncode == 0, err
        assert "daemon: stopped" in err
        assert len(slack.messages("#ai-access")) == 1
