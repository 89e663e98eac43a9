"""Sending the digest over real SMTP on loopback (aiosmtpd): once per week, whatever happens."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import DigestSettings, Settings, SmtpSettings
from monitor.errors import NotifyError, RegionwatchError
from monitor.notify.digest import RenderedDigest, parse_period, zone
from monitor.notify.email import DigestResult, DigestStatus, compose, send_digest, send_due_digest, smtp_connection
from monitor.store import digests as store
from monitor.store.engine import transaction
from tests.notify.digest_week import AFTER_WEEK, DIGEST_CATALOG, HOSTILE_URL, OTHER, READER, WEEK, fill_week
from tests.notify.smtp import HOST, Certs, free_port, make_certs, smtp_server

PASSWORD = "s3cret-pa55"


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def week(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    fill_week(sessions)
    return sessions


def settings(
    port: int,
    *,
    security: Literal["starttls", "tls", "none"] = "none",
    ca_file: Path | None = None,
    login: bool = False,
    host: str | None = HOST,
) -> Settings:
    smtp = SmtpSettings(
        host=host,
        port=port,
        security=security,
        ca_file=ca_file,
        timeout=5,
        sender="Regionwatch <digest@regionwatch.example>",
        username="rw" if login else None,
        password=SecretStr(PASSWORD) if login else None,
    )
    return Settings(database_url="sqlite://", smtp=smtp, digest=DigestSettings(recipients=[READER, OTHER]))


def send(sessions: sessionmaker[Session], config: Settings, *, now: datetime = AFTER_WEEK) -> DigestResult:
    return send_due_digest(sessions, config, DIGEST_CATALOG, now=now)


def row(sessions: sessionmaker[Session]) -> tuple[str, list[Any], str | None]:
    with sessions() as session:
        found = store.period_row(session, WEEK)
        assert found is not None
        return found.status, list(found.recipients), found.last_error


def parts(message: EmailMessage) -> dict[str, str]:
    return {part.get_content_type(): str(part.get_content()) for part in message.iter_parts()}


def test_the_digest_arrives_with_text_and_html(week: sessionmaker[Session]) -> None:
    with smtp_server() as server:
        result = send(week, settings(server.port))
    assert result.status is DigestStatus.SENT and result.delivered == (READER, OTHER)
    assert [m["To"] for m in server.messages] == [READER, OTHER]
    message = server.messages[0]
    assert message.get_content_type() == "multipart/alternative"
    assert message["Message-ID"].strip().startswith("<") and message["Message-ID"].endswith("@regionwatch.example>")
    assert parsedate_to_datetime(message["Date"]) == AFTER_WEEK
    assert message["Subject"] == f"Regionwatch weekly digest {WEEK}: 1 availability change, 1 signal"
    body = parts(message)
    assert set(body) == {"text/plain", "text/html"}
    for content in body.values():
        assert "Vietnam" in content and "Macao SAR China" in content and "acme-news" in content
        assert "acme no longer listed (api); " in content and "effective 2024-07-09" in content
    assert "Hong Kong SAR China (HK): acme no longer listed (api)" in body["text/plain"]
    html = body["text/html"]
    assert "<script" not in html.lower() and "<img" not in html.lower() and HOSTILE_URL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert len({m["Message-ID"] for m in server.messages}) == 2
    assert row(week) == ("sent", [READER, OTHER], None)


def test_a_second_call_sends_nothing(week: sessionmaker[Session]) -> None:
    with smtp_server() as server:
        first = send(week, settings(server.port))
        again = send(week, settings(server.port), now=AFTER_WEEK + timedelta(hours=3))
    assert first.status is DigestStatus.SENT
    assert again.status is DigestStatus.ALREADY_SENT and again.sent_at == AFTER_WEEK and again.delivered == ()
    assert len(server.messages) == 2


def test_smtp_down_then_refusing_then_up_sends_once(week: sessionmaker[Session]) -> None:
    port = free_port()
    down = send(week, settings(port))
    assert down.status is DigestStatus.FAILED and "connection refused" in (down.error or "")
    assert row(week)[0] == "failed" and "connection refused" in (row(week)[2] or "")
    with smtp_server(port=port, refuse_data=True) as refusing:
        refused = send(week, settings(port), now=AFTER_WEEK + timedelta(hours=1))
    assert refused.status is DigestStatus.FAILED and "554" in (refused.error or "")
    assert refusing.messages == [] and row(week)[0] == "failed"
    with smtp_server(port=port) as server:
        sent = send(week, settings(port), now=AFTER_WEEK + timedelta(hours=2))
        again = send(week, settings(port), now=AFTER_WEEK + timedelta(hours=3))
    assert sent.status is DigestStatus.SENT and again.status is DigestStatus.ALREADY_SENT
    assert [m["To"] for m in server.messages] == [READER, OTHER]
    assert row(week) == ("sent", [READER, OTHER], None)


def test_a_refused_mailbox_holds_up_nobody_and_a_retry_sends_only_to_it(week: sessionmaker[Session]) -> None:
    with smtp_server(refuse={READER}) as partial:
        first = send(week, settings(partial.port))
    assert first.status is DigestStatus.FAILED and first.delivered == (OTHER,)
    assert f"recipients refused: {READER} (550" in (first.error or "")
    assert row(week)[:2] == ("failed", [OTHER])
    with smtp_server() as server:
        second = send(week, settings(server.port), now=AFTER_WEEK + timedelta(hours=1))
    assert second.status is DigestStatus.SENT and second.delivered == (READER,)
    assert [m["To"] for m in partial.messages + server.messages] == [OTHER, READER]
    assert row(week) == ("sent", [OTHER, READER], None)


def test_concurrent_calls_send_the_week_once(week: sessionmaker[Session]) -> None:
    results: list[DigestResult] = []
    barrier = threading.Barrier(4)

    def call() -> None:
        barrier.wait()
        results.append(send(week, settings(server.port)))

    with smtp_server() as server:
        threads = [threading.Thread(target=call) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    statuses = sorted(r.status.value for r in results)
    assert len(results) == 4 and statuses.count("sent") == 1
    assert set(statuses) <= {"sent", "in_progress", "already_sent"}
    assert [m["To"] for m in server.messages] == [READER, OTHER]


def test_a_stale_claim_is_taken_over_a_live_one_is_not(week: sessionmaker[Session]) -> None:
    with transaction(week) as session:
        live = store.claim_period(session, WEEK, now=AFTER_WEEK - timedelta(minutes=1), stale_after=timedelta(1))
    assert live.claimed
    with smtp_server() as server:
        busy = send(week, settings(server.port))
        assert busy.status is DigestStatus.IN_PROGRESS and server.messages == []
        later = send(week, settings(server.port), now=AFTER_WEEK + timedelta(hours=2))  # its holder died
    assert later.status is DigestStatus.SENT and len(server.messages) == 2
    with transaction(week) as session:  # the dead sender, waking up, cannot mark anything
        assert not store.mark_failed(session, live, error="late")
        assert not store.record_delivery(session, live, [READER], message_id="<x@y>")
    assert row(week)[0] == "sent"


def test_starttls_with_a_verified_certificate_and_login(
    week: sessionmaker[Session], certs: Certs, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with smtp_server(starttls=certs, login=("rw", PASSWORD)) as server:
        result = send(week, settings(server.port, security="starttls", ca_file=certs.ca, login=True))
    assert result.status is DigestStatus.SENT, result.error
    assert server.recorder.logins == ["rw"] and len(server.messages) == 2
    assert PASSWORD not in caplog.text


# --- the SMTP connection alone (no database): TLS is verified, never skipped, the password never shown ---


def _message(to: str = READER) -> EmailMessage:
    rendered = RenderedDigest(subject="s", text="plain", html="<p>html</p>")
    return compose(rendered, sender="digest@regionwatch.example", to=to, period=WEEK, now=AFTER_WEEK)


def _connect_error(config: Settings) -> str:
    with pytest.raises(NotifyError) as failure, smtp_connection(config.smtp) as client:
        client.send_message(_message())
    return str(failure.value)


def test_starttls_refuses_a_certificate_it_cannot_verify(certs: Certs) -> None:
    with smtp_server(starttls=certs) as server:
        error = _connect_error(settings(server.port, security="starttls"))  # no ca_file: the system's CAs
    assert server.messages == []
    assert error.startswith(f"SMTP server {HOST}:{server.port} (starttls): TLS certificate not trusted")
    assert "smtp.ca_file" in error


def test_starttls_is_never_skipped() -> None:
    with smtp_server() as server:  # offers no STARTTLS
        error = _connect_error(settings(server.port, security="starttls"))
    assert "does not offer STARTTLS" in error and server.messages == []


def test_implicit_tls(certs: Certs) -> None:
    with smtp_server(implicit_tls=certs) as server:
        with smtp_connection(settings(server.port, security="tls", ca_file=certs.ca).smtp) as client:
            client.send_message(_message())
        error = _connect_error(settings(server.port, security="tls"))
    assert [m["To"] for m in server.messages] == [READER] and "TLS certificate not trusted" in error


def test_a_wrong_password_fails_without_showing_it(certs: Certs, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with smtp_server(starttls=certs, login=("rw", "another")) as server:
        error = _connect_error(settings(server.port, security="starttls", ca_file=certs.ca, login=True))
    assert "login refused (535)" in error and PASSWORD not in error and PASSWORD not in caplog.text
    assert server.messages == []


def test_no_password_in_clear() -> None:
    with smtp_server() as server:
        error = _connect_error(settings(server.port, security="none", login=True))
    assert "refusing to send the SMTP password without TLS" in error and server.recorder.logins == []


def test_an_unfinished_week_is_refused() -> None:
    period = parse_period("2024-W29", zone("UTC"))
    with pytest.raises(RegionwatchError, match="2024-W29 is not over yet"):
        send_digest(sessionmaker(), settings(free_port()), DIGEST_CATALOG, period=period, now=AFTER_WEEK)


def test_not_configured_claims_nothing(week: sessionmaker[Session]) -> None:
    result = send(week, settings(free_port(), host=None))
    assert result.status is DigestStatus.NOT_CONFIGURED and "smtp.host" in (result.error or "")
    with week() as session:
        assert store.period_row(session, WEEK) is None
