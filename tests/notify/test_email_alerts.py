"""E-mail alerts from the outbox over real SMTP on loopback (aiosmtpd): each once, never dropped.

The core paths run on both backends; refusals and the ambiguous timeout on SQLite, since their
SQL is the outbox's own (tests/notify/test_outbox.py runs it on both).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import Settings, SlackSettings, SmtpSettings
from monitor.notify.alert_email import message_id, render_alert, subject
from monitor.notify.dispatch import DispatchReport, dispatch_due
from monitor.sources.catalog import parse_catalog
from monitor.types import Change, ChangeKind
from tests.notify.alerts import T, add, change, rows
from tests.notify.smtp import HOST, free_port, smtp_server
from tests.notify.test_render import OWNERSHIP
from tests.pages import FORTY, page
from tests.replay import CATALOG_TOML, T0, Replayer

TEAM = "team@example.com"
GONE = "gone@example.com"
MAIL_CATALOG = parse_catalog(
    CATALOG_TOML
    + f"""
[[route]]
providers = ["acme"]
countries = ["HK"]
email = ["{TEAM}"]
""",
    origin="test",
)
HOSTILE = "&lt;script&gt;alert(1)&lt;/script&gt; &lt;a href=javascript:alert(2)&gt;us&lt;/a&gt;"


def replayed(sessions: sessionmaker[Session]) -> None:
    """Hong Kong and Macao go, Vietnam comes, and the heading gains markup: one change, one e-mail row."""
    r = Replayer(sessions, catalog=MAIL_CATALOG, source=MAIL_CATALOG.sources[0])
    r.observe(page(FORTY), T0)
    names = [n for n in FORTY if n not in ("Hong Kong", "Macao")] + ["Vietnam"]
    r.observe(page(names, title=f"Supported countries {HOSTILE}"), T - timedelta(hours=1))


def settings(port: int | None, **slack: Any) -> Settings:
    """SMTP on loopback (None: not configured); Slack left unconfigured, so its rows just wait."""
    smtp = SmtpSettings(
        host=HOST if port else None,
        port=port or 25,
        security="none",
        timeout=5,
        sender="Regionwatch <alerts@regionwatch.example>",
    )
    return Settings(database_url="sqlite://", smtp=smtp, slack=SlackSettings(**slack))


def dispatch(sessions: sessionmaker[Session], port: int | None, minutes: float = 0, **slack: Any) -> DispatchReport:
    report = dispatch_due(sessions, settings(port, **slack), now=T + timedelta(minutes=minutes), limit=50)
    assert report.email is not None
    return report.email


def parts(message: EmailMessage) -> dict[str, str]:
    return {part.get_content_type(): str(part.get_content()) for part in message.iter_parts()}


def test_a_route_with_an_address_gets_one_email(sessions: sessionmaker[Session]) -> None:
    replayed(sessions)
    (alert,) = rows(sessions, channel="email")
    assert (alert.destination, alert.status) == (TEAM, "pending")
    with smtp_server() as server:
        whole = dispatch_due(sessions, settings(server.port), now=T, limit=50)
        again = dispatch(sessions, server.port, minutes=60)
    assert whole.email is not None and (whole.email.sent, whole.email.failed) == (1, 0)
    assert whole.waiting == 1 and "email: 1 sent" in whole.summary()  # the Slack row waits for Slack
    assert (again.sent, again.failed, again.waiting) == (0, 0, 0) and len(server.messages) == 1
    (message,) = server.messages
    assert server.recorder.envelopes == [("alerts@regionwatch.example", [TEAM])]
    assert message["To"] == TEAM and message["Subject"] == "[Regionwatch] acme api: 2 removed (HK, MO), 1 added (VN)"
    assert message["Message-ID"] == message_id(alert.dedup_key) and message["Message-ID"].endswith("@regionwatch>")
    assert timedelta(0) <= parsedate_to_datetime(message["Date"]) - T.replace(microsecond=0) < timedelta(seconds=30)
    body = parts(message)
    assert set(body) == {"text/plain", "text/html"}
    text, html = body["text/plain"], body["text/html"]
    for name, code in (("Hong Kong SAR China", "HK"), ("Macao SAR China", "MO"), ("Vietnam", "VN")):
        assert f"{name} ({code})" in text and name in html and f">{code}</span>" in html
    assert "<script" not in html.lower() and "<a href=javascript" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="https://acme.example/countries"' in html
    assert "<script>alert(1)</script>" in text  # plain text is inert as it is
    (sent,) = rows(sessions, channel="email")
    assert (sent.status, sent.attempts, sent.payload) == ("sent", 1, {"unsure": False})


def test_smtp_down_then_up_delivers_once(sessions: sessionmaker[Session]) -> None:
    add(sessions, change(1), change(2), routes=MAIL_CATALOG.routes)
    port = free_port()
    down = dispatch(sessions, port)
    assert (down.configured, down.sent, down.failed) == (True, 0, 1), "one probe per call, not one per alert"
    first, second = rows(sessions, channel="email")
    assert (first.status, first.attempts, first.payload) == ("pending", 1, {"unsure": False})
    assert "connection refused" in (first.last_error or "") and first.next_attempt_at > T
    assert (second.status, second.attempts) == ("pending", 0)
    assert dispatch(sessions, port, minutes=0.1).failed == 1  # the first backs off, the second is tried
    with smtp_server(port=port) as server:
        up = dispatch(sessions, port, minutes=2)
        later = dispatch(sessions, port, minutes=30)
    assert (up.sent, later.sent, later.failed) == (2, 0, 0) and len(server.messages) == 2
    assert [(r.status, r.attempts) for r in rows(sessions, channel="email")] == [("sent", 2), ("sent", 2)]


def test_without_smtp_alerts_wait_then_go(sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture) -> None:
    add(sessions, change(1, title="acme api: HK removed"), change(2), routes=MAIL_CATALOG.routes)
    with caplog.at_level(logging.INFO, logger="monitor.notify.dispatch"):
        waiting = dispatch(sessions, None)
    assert (waiting.configured, waiting.waiting, waiting.sent) == (False, 2, 0)
    warnings = [r.message for r in caplog.records if r.levelno == logging.WARNING and r.message.startswith("email:")]
    assert warnings == [
        "email: 2 alerts wait in the outbox: SMTP is not configured: set smtp.host (REGIONWATCH_SMTP__HOST)"
    ]
    assert any("acme api: HK removed" in r.message for r in caplog.records)
    assert [(r.status, r.attempts) for r in rows(sessions, channel="email")] == [("pending", 0)] * 2
    with smtp_server() as server:
        assert dispatch(sessions, server.port, minutes=5).sent == 2
    assert [m["To"] for m in server.messages] == [TEAM, TEAM]
    assert len({m["Message-ID"] for m in server.messages}) == 2


def test_a_refused_mailbox_is_dead_at_once_and_holds_up_no_one(
    sqlite_sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    routes = parse_catalog(CATALOG_TOML + f'[[route]]\nemail = ["{GONE}", "{TEAM}"]\n', origin="test").routes
    add(sqlite_sessions, change(1), routes=routes)
    with smtp_server(refuse={GONE}) as server, caplog.at_level(logging.WARNING, logger="monitor.notify.dispatch"):
        first = dispatch(sqlite_sessions, server.port)  # a 550 is permanent: resending cannot help
        second = dispatch(sqlite_sessions, server.port, minutes=5)
    assert (first.sent, first.dead, second.sent, second.failed) == (1, 1, 0, 0)
    assert [m["To"] for m in server.messages] == [TEAM]
    gone, team = rows(sqlite_sessions, channel="email")
    assert (gone.destination, gone.status, gone.attempts) == (GONE, "dead", 1)
    assert "550" in (gone.last_error or "") and team.status == "sent"
    assert any(r.levelno == logging.ERROR and f"OPERATOR: alert {gone.id}" in r.message for r in caplog.records)


class _SlowOnce:
    """Accepts every message, but answers the first DATA only after the client has timed out."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        if len(self.messages) == 1:
            await asyncio.sleep(1.5)
        return "250 OK"


@contextmanager
def slow_server() -> Iterator[tuple[int, _SlowOnce]]:
    handler, port = _SlowOnce(), free_port()
    controller = Controller(handler, hostname=HOST, port=port)
    controller.start()
    try:
        yield port, handler
    finally:
        controller.stop()


def test_a_retry_after_an_ambiguous_failure_has_the_same_message_id(
    sqlite_sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    add(sqlite_sessions, change(1), routes=MAIL_CATALOG.routes)
    with slow_server() as (port, handler), caplog.at_level(logging.WARNING, logger="monitor.notify.dispatch"):
        config = Settings(
            database_url="sqlite://", smtp=SmtpSettings(host=HOST, port=port, security="none", timeout=0.5)
        )
        first = dispatch_due(sqlite_sessions, config, now=T).email
        (row,) = rows(sqlite_sessions, channel="email")
        assert first is not None and first.failed == 1 and row.payload == {"unsure": True}
        second = dispatch_due(sqlite_sessions, config, now=T + timedelta(minutes=5)).email
    assert second is not None and second.sent == 1
    assert len(handler.messages) == 2 and len({m["Message-ID"] for m in handler.messages}) == 1
    assert handler.messages[0]["Message-ID"] == message_id(row.dedup_key)
    assert any("may already have reached" in r.message for r in caplog.records)
    (row,) = rows(sqlite_sessions, channel="email")
    assert (row.status, row.payload) == ("sent", {"unsure": False})


def test_the_message_is_pure_and_safe() -> None:
    signal = Change(
        kind=ChangeKind.SIGNAL,
        source_id=None,
        provider="acme",
        action="block",
        countries=("CN",),
        title="Urgent\r\nBcc: victim@example.com <b>now</b>",
        url="javascript:alert(1)",
    )
    mail = render_alert(signal, dedup_key="k")
    assert mail.subject == "[Regionwatch] acme: block for CN: Urgent Bcc: victim@example.com <b>now</b>"
    assert "javascript:" not in mail.html and "&lt;b&gt;now&lt;/b&gt;" in mail.html and "<b>now" not in mail.html
    text = Change(kind=ChangeKind.TEXT, source_id="acme-terms", provider="acme", title="text changed on acme-terms")
    assert subject(text) == "[Regionwatch] acme: page text changed"
    assert subject(None, "left behind") == "[Regionwatch] left behind"
    assert message_id("change:1:email:a@b") == message_id("change:1:email:a@b") != message_id("change:2:email:a@b")


def test_the_email_says_month_and_ownership() -> None:
    mail = render_alert(OWNERSHIP, dedup_key="change:2:email:x", detected_at=T)
    for part in (mail.text, mail.html):
        assert "September 2025" in part and "2025-09-01" not in part
        assert "Companies owned from" in part and "companies owned or controlled" in part
