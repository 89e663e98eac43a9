"""A long Slack or SMTP outage loses nothing; a permanent error is dead at once, clearly.

Slack "down" is a closed port on loopback (connection refused, as when Slack or the network is
unreachable), then the fake Web API server; SMTP down is a closed port, then a real aiosmtpd
server. The outage lasts hours of scripted time, far longer than ``max_attempts`` × backoff.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import Settings, SlackSettings, SmtpSettings
from monitor.notify.dispatch import DispatchReport, dispatch_due
from monitor.sources.catalog import parse_catalog
from monitor.store.models import ChangeRow, OutageRow
from monitor.types import ChangeKind
from tests.fakes.slack import FakeSlack, Fault
from tests.notify.alerts import T, add, change, rows
from tests.notify.conftest import slack_settings
from tests.notify.smtp import HOST, free_port, smtp_server
from tests.replay import CATALOG_TOML

SHORT = {"max_attempts": 2, "backoff": 30.0, "backoff_max": 600.0}  # dead after ~1 min, under the old rule
HOURS = 6


def dispatch(sessions: sessionmaker[Session], settings: Settings, minutes: float) -> DispatchReport:
    return dispatch_due(sessions, settings, now=T + timedelta(minutes=minutes), limit=50)


def failing(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.ERROR and "deliveries are failing" in r.getMessage()
    ]


def test_slack_down_for_hours_then_up_sends_every_alert_once(
    sqlite_sessions: sessionmaker[Session], fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    # SQLite only: each refused connection is retried in place with slack-sdk's backoff (~2 s a call);
    # the outage SQL runs on both backends in the SMTP test below
    sessions = sqlite_sessions
    add(sessions, change(1), change(2))
    down = Settings(slack=slack_settings(fake_slack, api_url=f"http://{HOST}:{free_port()}/api/", **SHORT))
    with caplog.at_level(logging.WARNING, logger="monitor.notify.dispatch"):
        reports = [dispatch(sessions, down, minutes) for minutes in range(0, HOURS * 60, 60)]
        assert sum(r.failed for r in reports) == len(reports) == 6 and sum(r.dead for r in reports) == 0
        assert {row.status for row in rows(sessions)} == {"pending"}
        assert min(row.attempts for row in rows(sessions)) > SHORT["max_attempts"]
        (told,) = failing(caplog)  # once per outage, with the count of alerts waiting
        assert "Slack deliveries are failing" in told and "2 alerts wait" in told and "cannot reach Slack" in told

        up = Settings(slack=slack_settings(fake_slack, **SHORT))
        back = dispatch(sessions, up, HOURS * 60 + 11)  # backoff_max: every row is due again by now
    assert back.sent == 3 and back.dead == 0, "two alerts, then the operator's notice"
    keys = [(m.metadata or {})["event_payload"]["dedup_key"] for m in fake_slack.messages()]
    assert sorted(keys[:2]) == ["change:1:slack:default", "change:2:slack:default"]  # each once, in due order
    assert keys[2] == "change:3:slack:operator"
    notice = fake_slack.messages()[-1].text or ""
    assert "Slack deliveries work again after 6 h" in notice and "2 alerts waited" in notice
    assert dispatch(sessions, up, HOURS * 60 + 30).sent == 0 and len(fake_slack.messages()) == 3
    with sessions() as s:
        (outage,) = s.scalars(select(OutageRow))
    assert outage.ended_at is not None and outage.reported_at is not None and outage.failures == 6


def test_a_blip_is_not_an_outage(
    sqlite_sessions: sessionmaker[Session], fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    add(sqlite_sessions, change(1))
    fake_slack.script("chat.postMessage", Fault(status=500))
    with caplog.at_level(logging.WARNING, logger="monitor.notify.dispatch"):
        assert dispatch(sqlite_sessions, Settings(slack=slack_settings(fake_slack)), 0).failed == 1
        assert dispatch(sqlite_sessions, Settings(slack=slack_settings(fake_slack)), 1).sent == 1
    assert failing(caplog) == [] and len(fake_slack.messages()) == 1, "no ERROR line, no notice"


@pytest.mark.parametrize("error", ["invalid_auth", "channel_not_found", "not_in_channel", "account_inactive"])
def test_a_permanent_error_is_dead_at_once_with_a_clear_message(
    sqlite_sessions: sessionmaker[Session], fake_slack: FakeSlack, error: str, caplog: pytest.LogCaptureFixture
) -> None:
    add(sqlite_sessions, change(1))
    fake_slack.script("chat.postMessage", Fault(error=error))
    with caplog.at_level(logging.ERROR, logger="monitor.notify.dispatch"):
        assert dispatch(sqlite_sessions, Settings(slack=slack_settings(fake_slack, **SHORT)), 0).dead == 1
    (row,) = rows(sqlite_sessions)
    assert (row.status, row.attempts) == ("dead", 1) and error in (row.last_error or "")
    (line,) = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert "resending cannot help" in line and "slack.token" in line and "regionwatch alerts retry 1" in line


def test_smtp_down_for_hours_then_up_sends_every_alert_once(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    routes = parse_catalog(
        CATALOG_TOML + '[[route]]\nemail = ["a@example.com", "b@example.com"]\n', origin="test"
    ).routes
    add(sessions, change(1), routes=routes)

    def settings(port: int) -> Settings:
        smtp = SmtpSettings(host=HOST, port=port, security="none", timeout=5, **SHORT)
        return Settings(smtp=smtp, slack=SlackSettings())  # Slack unconfigured: its rows wait

    closed = free_port()
    with caplog.at_level(logging.WARNING, logger="monitor.notify.dispatch"):
        reports = [dispatch(sessions, settings(closed), m) for m in range(0, HOURS * 60, 40)]
        emails = [r.email for r in reports if r.email is not None]
        assert sum(r.failed for r in emails) == 9 and sum(r.dead for r in emails) == 0
        (told,) = failing(caplog)
        assert "E-mail deliveries are failing" in told and "2 alerts wait" in told and "connection refused" in told
        with smtp_server() as server:
            back = dispatch(sessions, settings(server.port), HOURS * 60 + 11).email
    assert back is not None and (back.sent, back.dead) == (2, 0)
    assert sorted(m["To"] for m in server.messages) == ["a@example.com", "b@example.com"]
    assert {r.status for r in rows(sessions, channel="email")} == {"sent"}
    with sessions() as s:
        notices = s.scalars(select(ChangeRow).where(ChangeRow.kind == ChangeKind.OPERATOR.value)).all()
    (notice,) = notices  # waits for Slack, where operator alerts go
    assert notice.title.startswith("E-mail deliveries work again after 6 h") and "2 alerts waited" in notice.title
