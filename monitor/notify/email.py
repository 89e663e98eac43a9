"""E-mail: the digest as a MIME message, SMTP with verified TLS, and each week sent once.

``send_due_digest`` is what the daemon calls on its schedule and when it catches up after
downtime: it sends the last complete week unless that week was sent. The period is claimed in
the database before anything is sent (see ``store.digests``), so concurrent callers and
restarts never send a week twice; an SMTP failure leaves the week ``failed`` for a later call.
"""

from __future__ import annotations

import enum
import logging
import smtplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from sqlalchemy.orm import Session, sessionmaker

from monitor.config import Settings, SmtpSettings
from monitor.errors import NotifyError
from monitor.notify.delivery import DeliveryError, Failure
from monitor.notify.digest import (
    Period,
    RenderedDigest,
    gather,
    last_complete_period,
    readers,
    render,
    require_finished,
    zone,
)
from monitor.notify.links import web_links
from monitor.store import digests as store
from monitor.store.engine import transaction
from monitor.types import Catalog

log = logging.getLogger(__name__)

#: A claim older than this is taken to belong to a sender that died, and may be retaken.
STALE_CLAIM = timedelta(minutes=30)


class DigestStatus(enum.StrEnum):
    SENT = "sent"
    ALREADY_SENT = "already_sent"
    IN_PROGRESS = "in_progress"  # another sender holds the period
    FAILED = "failed"
    NOT_CONFIGURED = "not_configured"


@dataclass(frozen=True, slots=True, kw_only=True)
class DigestResult:
    """What one attempt to send a period did."""

    period: str
    status: DigestStatus
    delivered: tuple[str, ...] = ()  # addresses this call delivered to
    sent_at: datetime | None = None
    error: str | None = None


def send_due_digest(
    sessions: sessionmaker[Session], settings: Settings, catalog: Catalog, *, now: datetime
) -> DigestResult:
    """Send the last complete week's digest unless it was sent; safe to call any number of times."""
    period = last_complete_period(now, zone(settings.timezone))
    return send_digest(sessions, settings, catalog, period=period, now=now)


def send_digest(
    sessions: sessionmaker[Session], settings: Settings, catalog: Catalog, *, period: Period, now: datetime
) -> DigestResult:
    """Send one finished week's digest to every recipient not yet sent it, once."""
    require_finished(period, now)
    problem = unconfigured(settings)
    if problem is not None:
        log.info("digest %s not sent: %s", period.name, problem)
        return DigestResult(period=period.name, status=DigestStatus.NOT_CONFIGURED, error=problem)
    with transaction(sessions) as session:
        claim = store.claim_period(session, period.name, now=now, stale_after=STALE_CLAIM)
    if not claim.claimed:
        status = DigestStatus.ALREADY_SENT if claim.status == store.SENT else DigestStatus.IN_PROGRESS
        return DigestResult(period=period.name, status=status, sent_at=claim.sent_at)
    delivered: list[str] = []
    try:
        _deliver(sessions, settings, catalog, period, claim, now=now, delivered=delivered)
    except Exception as exc:
        error = str(exc) if isinstance(exc, NotifyError) else f"{type(exc).__name__}: {exc}"
        with transaction(sessions) as session:
            store.mark_failed(session, claim, error=error)
        log.warning("digest %s failed after %d deliveries: %s", period.name, len(delivered), error)
        if not isinstance(exc, NotifyError):
            raise
        return DigestResult(period=period.name, status=DigestStatus.FAILED, delivered=tuple(delivered), error=error)
    with transaction(sessions) as session:
        store.mark_sent(session, claim, now=now)
    log.info("digest %s sent to %d recipients", period.name, len(delivered))
    return DigestResult(period=period.name, status=DigestStatus.SENT, delivered=tuple(delivered), sent_at=now)


def unconfigured(settings: Settings) -> str | None:
    """Why the digest cannot be sent with these settings, or None."""
    if (problem := smtp_unconfigured(settings.smtp)) is not None:
        return problem
    if not settings.digest.recipients:
        return "no digest recipients: set digest.recipients (REGIONWATCH_DIGEST__RECIPIENTS)"
    return None


def smtp_unconfigured(smtp: SmtpSettings) -> str | None:
    """Why nothing can be sent by e-mail with these settings (alerts or digest), or None."""
    if smtp.host is None:
        return "SMTP is not configured: set smtp.host (REGIONWATCH_SMTP__HOST)"
    return None


def _deliver(
    sessions: sessionmaker[Session],
    settings: Settings,
    catalog: Catalog,
    period: Period,
    claim: store.PeriodState,
    *,
    now: datetime,
    delivered: list[str],
) -> None:
    """Render every pending reader's message first, then send them on one connection.

    A refused mailbox does not hold up the others: it is reported once the rest are sent.
    """
    with sessions() as session:
        digest = gather(session, period, zone(settings.timezone))
    done = list(claim.delivered)
    links = web_links(settings)
    pending = [
        (
            r.address,
            compose(
                render(digest, r, links=links), sender=settings.smtp.sender, to=r.address, period=period.name, now=now
            ),
        )
        for r in readers(settings.digest.recipients, catalog.routes)
        if r.address not in done
    ]
    if not pending:
        return
    refused: list[str] = []
    with smtp_connection(settings.smtp) as client:
        for address, message in pending:
            try:
                client.send_message(message)
            except smtplib.SMTPRecipientsRefused as exc:
                refused.append(describe(exc, settings.smtp))
                continue
            done.append(address)
            delivered.append(address)
            with transaction(sessions) as session:
                if not store.record_delivery(session, claim, done, message_id=str(message["Message-ID"])):
                    raise NotifyError(f"digest {period.name}: another sender took the period over; stopped")
    if refused:
        raise NotifyError(f"SMTP server {settings.smtp.host}:{settings.smtp.port}: {'; '.join(refused)}")


def compose(rendered: RenderedDigest, *, sender: str, to: str, period: str, now: datetime) -> EmailMessage:
    """A multipart/alternative message: the text part, then the HTML part."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "regionwatch.invalid"
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=domain)  # short: a folded Message-ID confuses some readers
    message["Auto-Submitted"] = "auto-generated"
    message["X-Regionwatch-Period"] = period
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


@contextmanager
def smtp_connection(smtp: SmtpSettings) -> Iterator[smtplib.SMTP]:
    """A logged-in SMTP connection; any SMTP, TLS or network failure becomes one NotifyError."""
    if smtp.host is None:
        raise NotifyError("SMTP is not configured: set smtp.host (REGIONWATCH_SMTP__HOST)")
    where = f"SMTP server {smtp.host}:{smtp.port} ({smtp.security})"
    try:
        client = _connect(smtp, smtp.host)
    except OSError as exc:  # smtplib.SMTPException and ssl.SSLError are OSErrors
        raise DeliveryError(f"{where}: {describe(exc, smtp)}", failure=smtp_failure(exc)) from None
    except NotifyError as exc:  # a setting refuses to send (no STARTTLS, a password in clear)
        raise DeliveryError(f"{where}: {exc}", failure=Failure.PERMANENT) from None
    try:
        yield client
    except OSError as exc:
        raise DeliveryError(f"{where}: {describe(exc, smtp)}", failure=smtp_failure(exc)) from None
    finally:
        _close(client)


def _connect(smtp: SmtpSettings, host: str) -> smtplib.SMTP:
    context = ssl.create_default_context(cafile=str(smtp.ca_file) if smtp.ca_file else None)
    if smtp.security == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, smtp.port, timeout=smtp.timeout, context=context)
    else:
        client = smtplib.SMTP(host, smtp.port, timeout=smtp.timeout)
    try:
        if smtp.security == "starttls":
            client.ehlo()
            if not client.has_extn("starttls"):
                raise NotifyError(
                    "the server does not offer STARTTLS; refusing to send in clear "
                    '(smtp.security = "none" is for a trusted local relay)'
                )
            client.starttls(context=context)
            client.ehlo()
        if smtp.username is not None:
            if smtp.security == "none":
                raise NotifyError('refusing to send the SMTP password without TLS (smtp.security is "none")')
            client.login(smtp.username, smtp.password.get_secret_value() if smtp.password else "")
    except BaseException:
        _close(client)
        raise
    return client


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except OSError:
        client.close()


def smtp_failure(exc: OSError) -> Failure:
    """What an SMTP failure says about trying again.

    A 5xx answer (a refused mailbox, login or message), an untrusted certificate: permanent.
    A 4xx answer, a refused connection, a timeout, a dropped line: transient.
    """
    if isinstance(exc, ssl.SSLCertVerificationError):
        return Failure.PERMANENT
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return Failure.PERMANENT if codes and all(code >= 500 for code in codes) else Failure.TRANSIENT
    if isinstance(exc, smtplib.SMTPResponseException):
        return Failure.PERMANENT if exc.smtp_code >= 500 else Failure.TRANSIENT
    return Failure.TRANSIENT


def describe(exc: OSError, smtp: SmtpSettings) -> str:
    """One line on what went wrong, never the password."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"TLS certificate not trusted ({exc.verify_message}); certificates are verified: "
            "use the server's real name as smtp.host, or set smtp.ca_file for a private CA"
        )
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"login refused ({exc.smtp_code}): check smtp.username and smtp.password"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = ", ".join(f"{a} ({c} {_text(m)})" for a, (c, m) in exc.recipients.items())
        return f"recipients refused: {refused}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"refused with {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server up, and the port right?)"
    if isinstance(exc, socket.timeout | TimeoutError):
        return f"no answer within {smtp.timeout:g} seconds"
    return f"{type(exc).__name__}: {exc}"


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
