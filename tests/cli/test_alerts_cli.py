"""regionwatch alerts list / dispatch / retry through the real command, against the fake Slack server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.store.changes import record_change
from monitor.store.engine import make_engine, session_factory, transaction
from monitor.store.models import AlertRow
from monitor.types import Change, ChangeKind, Severity
from tests.cli.helpers import run_cli
from tests.dbs import SqliteDatabases
from tests.fakes.slack import FakeSlack, Fault
from tests.pages import FORTY, page
from tests.replay import T0, Replayer

TOKEN = "xoxb-cli-test"
AFTER = T0 + timedelta(days=38)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(token=TOKEN) as server:
        yield server


@pytest.fixture
def sqlite_sessions(sqlite_dbs: SqliteDatabases) -> Iterator[tuple[str, sessionmaker[Session]]]:
    """One backend is enough for the failure paths: the SQL under them runs on both in tests/notify."""
    url = sqlite_dbs.migrated()
    engine = make_engine(url)
    yield url, session_factory(engine)
    engine.dispose()


def slack_env(db_url: str, slack: FakeSlack, **extra: str) -> dict[str, str]:
    env = {
        "REGIONWATCH_DATABASE_URL": db_url,
        "REGIONWATCH_SLACK__TOKEN": TOKEN,
        "REGIONWATCH_SLACK__API_URL": slack.api_url,
        "REGIONWATCH_SLACK__CHANNEL": "#alerts",
        "REGIONWATCH_SLACK__BACKOFF": "0",
        "REGIONWATCH_SLACK__INTERVAL": "0",
        "REGIONWATCH_SLACK__TIMEOUT": "1",
    }
    env.update({f"REGIONWATCH_SLACK__{k.upper()}": v for k, v in extra.items()})
    return env


def replay(sessions: sessionmaker[Session]) -> None:
    """A page drops Hong Kong and Macao and adds Vietnam."""
    r = Replayer(sessions)
    r.observe(page(FORTY), T0)
    r.observe(page([n for n in FORTY if n not in ("Hong Kong", "Macao")] + ["Vietnam"]), AFTER)


def slack_rows(sessions: sessionmaker[Session]) -> list[AlertRow]:
    with sessions() as s:
        return list(s.scalars(select(AlertRow).where(AlertRow.channel == "slack").order_by(AlertRow.id)))


def listed(tmp_path: Path, env: dict[str, str], *args: str) -> list[dict[str, object]]:
    result = run_cli("alerts", "list", "--format", "json", *args, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    return [a for a in json.loads(result.stdout) if a["channel"] == "slack"]


def dispatch(tmp_path: Path, env: dict[str, str]) -> str:
    result = run_cli("alerts", "dispatch", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_one_message_for_the_change_once_slack_is_configured(
    tmp_path: Path, db_url: str, sessions: sessionmaker[Session], slack: FakeSlack
) -> None:
    replay(sessions)
    bare = {"REGIONWATCH_DATABASE_URL": db_url}
    waiting = run_cli("alerts", "dispatch", cwd=tmp_path, env=bare)
    assert waiting.returncode == 0 and "1 waiting (Slack is not configured)" in waiting.stdout
    assert "wait in the outbox" in waiting.stderr
    assert [(a.status, a.attempts) for a in slack_rows(sessions)] == [("pending", 0)]

    env = slack_env(db_url, slack)
    assert "slack: 1 sent" in dispatch(tmp_path, env)
    (message,) = slack.messages()
    assert message.channel == slack.channel_id("#ai-access")
    for line in ("🇭🇰 Hong Kong SAR China (HK)", "🇲🇴 Macao SAR China (MO)", "🇻🇳 Vietnam (VN)"):
        assert line in message.content()
    assert "regionwatch history --provider acme --country HK" in message.content()
    assert "slack: 0 sent, 0 found already posted" in dispatch(tmp_path, env)
    assert len(slack.requests("chat.postMessage")) == 1
    (alert,) = listed(tmp_path, env, "--status", "sent")
    assert (alert["status"], alert["slack_ts"], alert["destination"]) == ("sent", message.ts, "#ai-access")
    assert alert["kind"] == "availability" and alert["provider"] == "acme" and alert["sent_at"]


def test_a_dispatcher_killed_mid_post_does_not_cause_a_second_message(
    tmp_path: Path, db_url: str, sessions: sessionmaker[Session], slack: FakeSlack
) -> None:
    replay(sessions)
    env = slack_env(db_url, slack, lease="1", timeout="30")
    slack.script("chat.postMessage", Fault(delay=60))  # posted; the answer never comes in time
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REGIONWATCH_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "alerts", "dispatch"],
        cwd=tmp_path,
        env={**clean, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        slack.wait_for("chat.postMessage", timeout=30)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    assert [a.status for a in slack_rows(sessions)] == ["sending"]
    time.sleep(1.1)  # the lease runs out
    assert "0 sent, 1 found already posted" in dispatch(tmp_path, env)
    (message,) = slack.messages()
    assert len(slack.requests("chat.postMessage")) == 1
    assert [(a.status, a.slack_ts) for a in slack_rows(sessions)] == [("sent", message.ts)]


def test_errors_rate_limits_and_a_timeout_end_in_one_message(
    tmp_path: Path, sqlite_sessions: tuple[str, sessionmaker[Session]], slack: FakeSlack
) -> None:
    url, sessions = sqlite_sessions
    replay(sessions)
    env = slack_env(url, slack)
    # 1st run: a 500 (may have posted). 2nd run: nothing in the channel, so post: a 429 with a short
    # Retry-After (slack-sdk waits and retries), then a post that lands but answers after the timeout.
    slack.script("chat.postMessage", Fault(status=500), Fault(status=429, retry_after=1), Fault(delay=3))
    assert "1 failed" in dispatch(tmp_path, env)
    assert "1 failed" in dispatch(tmp_path, env)
    assert "0 sent, 1 found already posted" in dispatch(tmp_path, env)  # 3rd run: found, not posted again
    (message,) = slack.messages()
    assert len(slack.requests("chat.postMessage")) == 3 and len(slack.requests("conversations.history")) == 2
    assert [(a.status, a.slack_ts, a.attempts) for a in slack_rows(sessions)] == [("sent", message.ts, 3)]


def test_retry_brings_a_dead_alert_back(
    tmp_path: Path, sqlite_sessions: tuple[str, sessionmaker[Session]], slack: FakeSlack
) -> None:
    url, sessions = sqlite_sessions
    replay(sessions)
    env = slack_env(url, slack, max_attempts="1")
    slack.script("chat.postMessage", Fault(error="channel_not_found"))
    assert "1 dead" in dispatch(tmp_path, env)
    (dead,) = slack_rows(sessions)
    assert dead.status == "dead" and "channel_not_found" in (dead.last_error or "")
    retried = run_cli("alerts", "retry", str(dead.id), cwd=tmp_path, env=env)
    assert retried.returncode == 0 and "pending again" in retried.stdout, retried.stderr
    assert [a.status for a in slack_rows(sessions)] == ["pending"]
    assert "1 sent" in dispatch(tmp_path, env)
    again = run_cli("alerts", "retry", str(dead.id), cwd=tmp_path, env=env)
    assert again.returncode == 1 and "is sent" in again.stderr and "Traceback" not in again.stderr


def test_scraped_mentions_and_links_arrive_escaped(
    tmp_path: Path, sqlite_sessions: tuple[str, sessionmaker[Session]], slack: FakeSlack
) -> None:
    url, sessions = sqlite_sessions
    change = Change(
        kind=ChangeKind.SIGNAL,
        source_id=None,
        provider="acme",
        countries=("CN",),
        action="block",
        severity=Severity.HIGH,
        url="https://news.example/a",
        title="Breaking <!channel> <@U123> read <https://evil|click>",
    )
    with transaction(sessions) as s:
        record_change(s, change, routes=(), detected_at=AFTER)
    assert "1 sent" in dispatch(tmp_path, slack_env(url, slack))
    (request,) = slack.requests("chat.postMessage")
    for raw in ("<!channel>", "<@U123>", "<https://evil|click>"):
        assert raw not in request.body
    for inert in ("&lt;!channel&gt;", "&lt;@U123&gt;", "&lt;https://evil|click&gt;"):
        assert inert in request.body
