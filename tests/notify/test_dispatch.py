"""The dispatcher against the fake Slack server: once, whatever Slack or a crash does.

The core paths run on both backends; the rest on SQLite, since their SQL is the outbox's own
(tests/notify/test_outbox.py runs it on both).
"""

from __future__ import annotations

import itertools
import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import Settings, SlackSettings
from monitor.notify.dispatch import DispatchReport, backoff, dispatch_due
from monitor.store import outbox
from monitor.store.engine import transaction
from monitor.types import ChangeKind, Route, Severity
from tests.fakes.slack import FakeSlack, Fault
from tests.notify.alerts import T, add, change, one, rows
from tests.notify.conftest import CHANNEL, slack_settings
from tests.pages import FORTY, page
from tests.replay import T0, Replayer

ROUTE = Route(providers=("acme",), slack_channel="#ai-access", email=("ops@example.com",))
EVIL = "Urgent <!channel> ping <@U123> and <https://evil.example|click>"


def settings(slack: SlackSettings | None = None) -> Settings:
    return Settings(slack=slack or SlackSettings())


def dispatch(
    sessions: sessionmaker[Session], fake: FakeSlack | None, minutes: float = 0, **slack: Any
) -> DispatchReport:
    configured = slack_settings(fake, **slack) if fake is not None else None
    return dispatch_due(sessions, settings(configured), now=T + timedelta(minutes=minutes), limit=50)


def replayed(sessions: sessionmaker[Session]) -> None:
    """A page drops Hong Kong and Macao and adds Vietnam: one change, one Slack row (#ai-access)."""
    r = Replayer(sessions)
    r.observe(page(FORTY), T0)
    r.observe(page([n for n in FORTY if n not in ("Hong Kong", "Macao")] + ["Vietnam"]), T - timedelta(hours=1))


def test_one_change_one_message_with_every_country(sessions: sessionmaker[Session], fake_slack: FakeSlack) -> None:
    replayed(sessions)
    report = dispatch(sessions, fake_slack)
    assert (report.sent, report.failed, report.waiting) == (1, 0, 0)
    (message,) = fake_slack.messages()
    assert message.channel == fake_slack.channel_id("#ai-access")
    for line in ("🇭🇰 Hong Kong SAR China (HK)", "🇲🇴 Macao SAR China (MO)", "🇻🇳 Vietnam (VN)"):
        assert line in message.content()
    assert message.text and "Vietnam (VN)" in message.text
    assert message.unfurl_links is False and message.unfurl_media is False
    (alert,) = rows(sessions, channel="slack")
    assert message.metadata == {"event_type": "regionwatch_alert", "event_payload": {"dedup_key": alert.dedup_key}}
    assert (alert.status, alert.slack_ts, alert.attempts) == ("sent", message.ts, 1)
    again = dispatch(sessions, fake_slack, minutes=60)
    assert (again.sent, again.found) == (0, 0) and len(fake_slack.messages()) == 1


def test_server_errors_then_a_rate_limit_deliver_once(sessions: sessionmaker[Session], fake_slack: FakeSlack) -> None:
    add(sessions, change(1))
    fake_slack.script("chat.postMessage", Fault(status=500), Fault(status=500), Fault(status=429, retry_after=1))
    assert dispatch(sessions, fake_slack, minutes=1).failed == 1
    assert one(sessions, 1).payload == {"unsure": True}, "a 500 may have posted"
    assert dispatch(sessions, fake_slack, minutes=2).failed == 1
    third = dispatch(sessions, fake_slack, minutes=3)  # 429 with a short Retry-After: slack-sdk waits, retries
    assert third.sent == 1
    assert len(fake_slack.messages()) == 1 and len(fake_slack.requests("chat.postMessage")) == 4
    assert len(fake_slack.requests("conversations.history")) == 2  # looked before each repeat after a 500
    assert one(sessions, 1).status == "sent"


def test_a_long_retry_after_is_left_to_the_schedule(
    sqlite_sessions: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    add(sqlite_sessions, change(1))
    fake_slack.script("chat.postMessage", Fault(status=429, retry_after=120))
    assert dispatch(sqlite_sessions, fake_slack).failed == 1
    row = one(sqlite_sessions, 1)
    assert row.status == "pending" and row.next_attempt_at >= T + timedelta(seconds=120)
    assert row.payload == {"unsure": False} and "rate limited" in (row.last_error or "")
    assert dispatch(sqlite_sessions, fake_slack, minutes=1).sent == 0
    assert dispatch(sqlite_sessions, fake_slack, minutes=3).sent == 1
    assert fake_slack.requests("conversations.history") == []  # a 429 is a clean refusal: nothing to look for


def test_a_timeout_after_the_post_is_not_posted_twice(sessions: sessionmaker[Session], fake_slack: FakeSlack) -> None:
    add(sessions, change(1), routes=[ROUTE])
    fake_slack.script("chat.postMessage", Fault(delay=2.5))  # posted, answered after the 1 s timeout
    first = dispatch(sessions, fake_slack)
    assert first.failed == 1 and "timed out" in (one(sessions, 1).last_error or "")
    second = dispatch(sessions, fake_slack, minutes=1)
    assert (second.sent, second.found) == (0, 1)
    (message,) = fake_slack.messages()
    assert one(sessions, 1).slack_ts == message.ts
    history = fake_slack.requests("conversations.history")
    assert history and history[0].args["channel"] == fake_slack.channel_id("#ai-access")
    assert history[0].args["include_all_metadata"] in ("1", "true", True)


def test_when_history_cannot_be_read_it_does_not_post_again(
    sqlite_sessions: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    add(sqlite_sessions, change(1))
    fake_slack.script("chat.postMessage", Fault(delay=2.5))
    fake_slack.script("conversations.history", Fault(error="missing_scope"))
    dispatch(sqlite_sessions, fake_slack)
    assert dispatch(sqlite_sessions, fake_slack, minutes=1).dead == 1, "a missing scope is the set-up's: permanent"
    row = one(sqlite_sessions, 1)
    assert row.payload == {"unsure": True} and "missing_scope" in (row.last_error or "")
    assert len(fake_slack.requests("chat.postMessage")) == 1
    with transaction(sqlite_sessions) as s:  # the operator grants the scope, then retries
        outbox.retry_alert(s, 1, now=T + timedelta(minutes=2))
    assert dispatch(sqlite_sessions, fake_slack, minutes=2).found == 1 and len(fake_slack.messages()) == 1


def test_an_unknown_error_is_dead_after_max_attempts_then_retried(
    sqlite_sessions: sessionmaker[Session], fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    add(sqlite_sessions, change(1))
    fake_slack.script("chat.postMessage", Fault(error="something_new"), Fault(error="something_new"))
    with caplog.at_level(logging.WARNING, logger="monitor.notify.dispatch"):
        assert dispatch(sqlite_sessions, fake_slack, max_attempts=2).failed == 1
        assert dispatch(sqlite_sessions, fake_slack, minutes=1, max_attempts=2).dead == 1
    row = one(sqlite_sessions, 1)
    assert (row.status, row.attempts) == ("dead", 2) and "something_new" in (row.last_error or "")
    assert any(
        "OPERATOR: alert 1" in r.message and "alerts retry 1" in r.message
        for r in caplog.records
        if r.levelno == logging.ERROR
    )
    assert dispatch(sqlite_sessions, fake_slack, minutes=60, max_attempts=2).sent == 0
    with transaction(sqlite_sessions) as s:
        outbox.retry_alert(s, 1, now=T + timedelta(minutes=61))
    assert dispatch(sqlite_sessions, fake_slack, minutes=62, max_attempts=2).sent == 1
    assert len(fake_slack.messages()) == 1


def test_a_message_slack_refuses_as_malformed_is_dead_at_once(
    sqlite_sessions: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    add(sqlite_sessions, change(1))
    fake_slack.script("chat.postMessage", Fault(error="invalid_blocks"))
    assert dispatch(sqlite_sessions, fake_slack).dead == 1
    assert one(sqlite_sessions, 1).attempts == 1


def test_without_slack_alerts_wait_then_go(
    sqlite_sessions: sessionmaker[Session], fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    add(sqlite_sessions, change(1, title="acme api: HK removed"))
    with caplog.at_level(logging.INFO, logger="monitor.notify.dispatch"):
        report = dispatch(sqlite_sessions, None)
    assert (report.configured, report.waiting, report.sent) == (False, 1, 0)
    assert "not configured" in report.summary()
    row = one(sqlite_sessions, 1)
    assert (row.status, row.attempts) == ("pending", 0)
    assert any("wait in the outbox" in r.message for r in caplog.records)
    assert any("acme api: HK removed" in r.message for r in caplog.records)
    assert dispatch(sqlite_sessions, fake_slack, minutes=5).sent == 1
    assert fake_slack.messages(CHANNEL)


def test_destinations_resolve_and_email_is_left_alone(sessions: sessionmaker[Session], fake_slack: FakeSlack) -> None:
    add(sessions, change(1), routes=[ROUTE])  # #ai-access and an e-mail address
    add(sessions, change(2))  # the default channel
    add(sessions, change(3, kind=ChangeKind.OPERATOR, title="extractor for source acme-api looks broken"))
    report = dispatch(sessions, fake_slack, operator_channel="#ops")
    assert report.sent == 3
    assert [r.status for r in rows(sessions, channel="email")] == ["pending"]
    assert len(fake_slack.messages("#ai-access")) == len(fake_slack.messages(CHANNEL)) == 1
    (operator,) = fake_slack.messages("#ops")
    assert operator.blocks is None and operator.text and "Regionwatch operator" in operator.text


def test_a_destination_without_a_channel_waits(sqlite_sessions: sessionmaker[Session], fake_slack: FakeSlack) -> None:
    add(sqlite_sessions, change(1), routes=[ROUTE])
    add(sqlite_sessions, change(2))  # "default", but no slack.channel
    report = dispatch(sqlite_sessions, fake_slack, channel=None)
    assert (report.sent, report.waiting) == (1, 1)
    assert [r.status for r in rows(sqlite_sessions, channel="slack")] == ["sent", "pending"]


def test_web_text_arrives_escaped(sqlite_sessions: sessionmaker[Session], fake_slack: FakeSlack) -> None:
    add(
        sqlite_sessions,
        change(
            1,
            kind=ChangeKind.SIGNAL,
            removed=(),
            added=(),
            countries=("CN",),
            action="block",
            title=EVIL,
            url="https://news.example/item",
        ),
    )
    assert dispatch(sqlite_sessions, fake_slack).sent == 1
    (request,) = fake_slack.requests("chat.postMessage")
    for raw in ("<!channel>", "<@U123>", "<https://evil.example|click>"):
        assert raw not in request.body
    assert "&lt;!channel&gt;" in request.body and "&lt;@U123&gt;" in request.body
    assert "&lt;https://evil.example|click&gt;" in request.body
    assert json.loads(request.body)["unfurl_links"] is False


def test_overflow_goes_in_the_thread_even_across_a_failure(
    sqlite_sessions: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    many = tuple(
        sorted(
            {
                "AD",
                "AE",
                "AF",
                "AG",
                "AL",
                "AM",
                "AO",
                "AR",
                "AT",
                "AU",
                "AZ",
                "BA",
                "BB",
                "BD",
                "BE",
                "BF",
                "BG",
                "BH",
                "BI",
                "BJ",
                "BN",
                "BO",
                "BR",
                "BS",
                "BT",
            }
        )
    )
    add(sqlite_sessions, change(1, removed=many, severity=Severity.HIGH))
    fake_slack.script("chat.postMessage", Fault(), Fault(status=500))  # the main message, then the reply fails
    assert dispatch(sqlite_sessions, fake_slack).failed == 1
    assert dispatch(sqlite_sessions, fake_slack, minutes=1).found == 1
    main, reply = fake_slack.messages()
    assert reply.thread_ts == main.ts and main.reply_count == 1
    assert all(f"({c})" in reply.content() for c in many)
    assert one(sqlite_sessions, 1).slack_ts == main.ts


def test_webhook_mode(sqlite_sessions: sessionmaker[Session], fake_slack: FakeSlack) -> None:
    add(sqlite_sessions, change(1))
    report = dispatch(
        sqlite_sessions, fake_slack, token=None, channel=None, webhook_url=SecretStr(fake_slack.webhook_url)
    )
    assert report.sent == 1
    (request,) = fake_slack.requests("webhook")
    assert json.loads(request.body)["metadata"]["event_type"] == "regionwatch_alert"
    assert one(sqlite_sessions, 1).status == "sent" and one(sqlite_sessions, 1).slack_ts is None


def test_posts_to_one_channel_are_paced(sqlite_sessions: sessionmaker[Session], fake_slack: FakeSlack) -> None:
    add(sqlite_sessions, *[change(n) for n in range(3)])
    assert dispatch(sqlite_sessions, fake_slack, interval=0.3).sent == 3
    times = [r.at for r in fake_slack.requests("chat.postMessage")]
    assert all(b - a >= 0.29 for a, b in itertools.pairwise(times))


def test_backoff_grows_with_jitter_and_a_cap() -> None:
    delays = [backoff(n, base=30, cap=3600) for n in range(1, 12)]
    assert 15 <= delays[0] <= 30 and 60 <= delays[2] <= 120
    assert all(1800 <= d <= 3600 for d in delays[8:])
