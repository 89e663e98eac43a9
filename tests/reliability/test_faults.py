"""Issue 9, nothing lost: a locked SQLite database, a PostgreSQL restart, a daemon killed at random.

Already covered elsewhere (not repeated here): Slack down then up
(tests/notify/test_dispatch.py::test_server_errors_then_a_rate_limit_deliver_once,
tests/cli/test_alerts_cli.py::test_a_dispatcher_killed_mid_post_does_not_cause_a_second_message),
SMTP down then up (tests/notify/test_email_alerts.py::test_smtp_down_then_up_delivers_once),
a hanging crawl (tests/fetch/test_crawl_cli.py::test_a_hanging_crawl_is_stopped_and_keeps_what_it_finished),
a failing detection rolling the batch back
(tests/fetch/test_run_crawl.py::test_a_failing_detect_hook_rolls_the_whole_batch_back).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url

from monitor.store.models import AlertRow, AvailabilityRow, ChangeRow, FetchRow, SnapshotRow, SourceRow
from tests.fakes.slack import FakeSlack, Fault
from tests.fetch.conftest import Crawler
from tests.fetch.server import LocalServer
from tests.pages import FORTY, page

STEP2 = [n for n in FORTY if n not in ("Hong Kong", "Macao")] + ["Vietnam"]
SNAPSHOT_OUTCOMES = {"changed", "unchanged", "suspect"}
READ_OUTCOMES = {"held", "confirmed"}


def _catalog(site: LocalServer, crawler: Crawler) -> None:
    site.set("/countries", page(FORTY))
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


def _slack_env(slack: FakeSlack) -> dict[str, str]:
    return {
        "REGIONWATCH_SLACK__TOKEN": "xoxb-test",
        "REGIONWATCH_SLACK__API_URL": slack.api_url,
        "REGIONWATCH_SLACK__CHANNEL": "#ai-access",
        "REGIONWATCH_SLACK__LEASE": "2",
        "REGIONWATCH_SLACK__INTERVAL": "0",
    }


def _make_due(crawler: Crawler) -> None:
    with crawler.engine.begin() as conn:
        conn.execute(update(SourceRow).values(last_fetch_at=datetime.now(UTC) - timedelta(hours=2)))


def _daemon(crawler: Crawler, env: Mapping[str, str]) -> subprocess.Popen[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("REGIONWATCH_")}
    full.update(crawler.env)
    full.update(env)
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "run", "--tick", "1"],
        cwd=crawler.workdir,
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _kill_all(daemon: subprocess.Popen[str]) -> None:
    """SIGKILL the daemon, then whatever it started (its crawl child), in its own session."""
    daemon.send_signal(signal.SIGKILL)
    daemon.communicate(timeout=30)
    try:
        os.killpg(daemon.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _consistent(crawler: Crawler) -> None:
    """No half-written state: fetches and snapshots agree, one open interval per country."""
    with crawler.engine.connect() as conn:
        fetches = conn.execute(select(FetchRow.outcome, FetchRow.snapshot_id)).all()
        snapshots = set(conn.scalars(select(SnapshotRow.id)))
        open_rows = conn.execute(
            select(AvailabilityRow.country, func.count())
            .where(AvailabilityRow.valid_to.is_(None))
            .group_by(AvailabilityRow.country)
        ).all()
    for outcome, snapshot_id in fetches:
        if outcome in READ_OUTCOMES:  # a read that stored new content, or read the stored one again
            assert snapshot_id is None or snapshot_id in snapshots, (outcome, snapshot_id)
        elif outcome in SNAPSHOT_OUTCOMES:
            assert snapshot_id in snapshots, (outcome, snapshot_id)
        elif outcome != "not_modified":
            assert snapshot_id is None, (outcome, snapshot_id)
    assert all(n == 1 for _, n in open_rows), open_rows


def _wait_for_work(site: LocalServer, slack: FakeSlack, *, timeout: float) -> None:
    """Until the daemon fetches or posts (after its start-up), or ``timeout``."""
    hits, posts = len(site.hits("/countries")), len(slack.requests())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(site.hits("/countries")) > hits or len(slack.requests()) > posts:
            return
        time.sleep(0.05)


def _phase(crawler: Crawler, slack: FakeSlack) -> str:
    """How far the pipeline got: fetches, availability changes, alert statuses, Slack posts."""
    with crawler.engine.connect() as conn:
        fetches = conn.scalar(select(func.count()).select_from(FetchRow))
        changes = conn.scalar(select(func.count()).select_from(ChangeRow))
        statuses = ",".join(conn.scalars(select(AlertRow.status))) or "-"
    return f"fetches={fetches} changes={changes} alerts={statuses} posts={len(slack.messages())}"


def _open(crawler: Crawler) -> set[str]:
    with crawler.engine.connect() as conn:
        return set(conn.scalars(select(AvailabilityRow.country).where(AvailabilityRow.valid_to.is_(None))))


def test_a_locked_sqlite_database_makes_the_crawl_wait_not_fail(site: LocalServer, sqlite_crawler: Crawler) -> None:
    _catalog(site, sqlite_crawler)
    path = make_url(sqlite_crawler.db_url).database
    assert path
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, as another writer would hold it
    started = time.monotonic()
    crawl = subprocess.Popen(
        [sys.executable, "-m", "monitor", "crawl", "--all", "--format", "json"],
        cwd=sqlite_crawler.workdir,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("REGIONWATCH_")}, **sqlite_crawler.env},
    )
    time.sleep(4)
    assert crawl.poll() is None, "the crawl finished while the database was locked"
    holder.execute("ROLLBACK")
    holder.close()
    out, err = crawl.communicate(timeout=60)
    assert crawl.returncode == 0, err
    assert '"changed"' in out and time.monotonic() - started >= 4
    assert len(_open(sqlite_crawler)) == 40
    _consistent(sqlite_crawler)


def test_a_postgres_restart_is_survived_by_the_next_job(site: LocalServer, crawler: Crawler) -> None:
    if not crawler.db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    _catalog(site, crawler)
    with FakeSlack() as slack:
        daemon = _daemon(crawler, _slack_env(slack))
        try:
            deadline = time.monotonic() + 60
            while len(_open(crawler)) < 40 and time.monotonic() < deadline:
                time.sleep(0.3)
            assert len(_open(crawler)) == 40, "no baseline"
            conninfo = make_url(crawler.db_url).set(drivername="postgresql")
            with psycopg.connect(conninfo.render_as_string(hide_password=False), autocommit=True) as admin:
                killed = admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchone()
            assert killed and killed[0] >= 1
            site.set("/countries", page(STEP2))
            crawler.close()
            _make_due(crawler)
            slack.wait_for("chat.postMessage", timeout=60)
            time.sleep(1.5)
            daemon.send_signal(signal.SIGTERM)
            _, err = daemon.communicate(timeout=60)
        finally:
            if daemon.poll() is None:
                _kill_all(daemon)
        assert len(slack.messages("#ai-access")) == 1, err
        assert "HK" in slack.messages("#ai-access")[0].content()
    _consistent(crawler)


def test_a_daemon_killed_at_random_loses_and_repeats_nothing(site: LocalServer, crawler: Crawler) -> None:
    _catalog(site, crawler)
    rng = random.Random(9)
    phases: list[str] = []
    with FakeSlack() as slack:
        env = _slack_env(slack)
        assert crawler.run("run", "--once", env=env).returncode == 0  # the baseline
        site.set("/countries", page(STEP2))
        _make_due(crawler)
        site.set("/countries", page(STEP2), delay=0.5)  # a crawl long enough to be hit
        slack.script("chat.postMessage", Fault(delay=3))  # the first post answers late
        for _ in range(5):
            daemon = _daemon(crawler, env)
            _wait_for_work(site, slack, timeout=3)
            time.sleep(rng.uniform(0.0, 1.2))
            _kill_all(daemon)
            _consistent(crawler)
            phases.append(_phase(crawler, slack))
        time.sleep(2.5)  # a lease taken by a killed dispatcher runs out (slack.lease = 2 s)
        final = crawler.run("run", "--once", env=env)
        assert final.returncode == 0, final.stderr
        messages = slack.messages("#ai-access")
    with crawler.engine.connect() as conn:
        changes = conn.scalar(select(func.count()).select_from(ChangeRow).where(ChangeRow.kind == "availability"))
        statuses = list(conn.scalars(select(AlertRow.status)))
    assert changes == 1 and statuses == ["sent"], phases
    assert len(messages) == 1 and all(c in messages[0].content() for c in ("HK", "MO", "VN"))
    assert len(_open(crawler)) == 39
    _consistent(crawler)
