"""The dispatcher: claim due alerts (Slack, then e-mail), send them, mark them, exactly once.

A row goes pending → sending (claimed with a lease, one row at a time) → sent with the Slack
``ts``, each step its own short transaction. Just before the post the row is flagged *unsure*;
an attempt that might repeat an earlier post (that one timed out after the request went out, got
a 5xx, or its dispatcher died and the lease ran out) first searches the channel's history for
the alert's dedup key in message metadata, and marks the row sent if it is there.

A failure is one of three kinds (monitor/notify/delivery.py), and only its kind decides what
happens to the row:

- **transient** (Slack down or busy, 5xx, 429, the network; an SMTP 4xx, a refused or dropped
  connection): back to pending with exponential backoff and jitter (or the Retry-After), capped
  at ``backoff_max``, for as long as the outage lasts. Such a row is never dead. The first one
  opens the channel's outage (an ERROR line for the operator, once), the run stops so the other
  rows do not each wait for a timeout, and the next delivery closes it with one operator notice
  saying how long it lasted and how many alerts waited (monitor/store/outages.py);
- **permanent** (a bad token, a missing scope, an unknown channel, a malformed message; an SMTP
  5xx): dead at once, with an ERROR line saying what to fix and how to retry;
- **unknown**: back to pending with backoff, dead after ``max_attempts``.

Slack rows follow the ``slack.*`` retry settings, e-mail rows the ``smtp.*`` ones. E-mail rows
(channel "email", one per address) share the lease, one message per row, all of a run on one SMTP
connection. A mailbox cannot be searched, so an attempt after an ambiguous failure (the
connection broke or timed out once the message was under way) sends again with the same
Message-ID, derived from the dedup key, for the reader's client to fold; the row stays unsure
until it is sent.

Without Slack settings (or without ``smtp.host``) that channel's rows are not claimed: they wait
in the outbox, one warning per call counts them, and they go out once configured.
"""

from __future__ import annotations

import logging
import os
import random
import smtplib
import socket
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy.orm import Session, sessionmaker

from monitor.config import Settings, SlackSettings, SmtpSettings
from monitor.notify.alert_email import compose_alert, render_alert
from monitor.notify.delivery import DeliveryError, Failure
from monitor.notify.email import describe, smtp_connection, smtp_failure, smtp_unconfigured
from monitor.notify.links import WebLinks, web_links
from monitor.notify.render import Message, render
from monitor.notify.slack import Found, Sender, open_sender
from monitor.routing import DEFAULT_DESTINATION, OPERATOR_DESTINATION
from monitor.store import outages, outbox
from monitor.store.engine import transaction
from monitor.store.outbox import Claimed
from monitor.types import Change

log = logging.getLogger(__name__)
CLOCK_SKEW = timedelta(minutes=10)  # history is searched from a little before the alert was made
WAITING_LOGGED = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class DispatchReport:
    """What one dispatch run did on one channel: Slack's counts, and the e-mail run's in ``email``."""

    configured: bool
    channel: str = "slack"
    sent: int = 0
    found: int = 0  # already in the channel from an earlier attempt: marked sent, not posted again
    failed: int = 0
    dead: int = 0
    waiting: int = 0  # due, but the channel (or the destination's Slack channel) is not configured
    lost: int = 0  # the lease ran out mid-send and another dispatcher took the row over
    email: DispatchReport | None = None

    def summary(self) -> str:
        """One line for the log and the command line."""
        found = f"{self.found} found already posted, " if self.channel == "slack" else ""
        line = (
            f"{self.channel}: {self.sent} sent, {found}{self.failed} failed, {self.dead} dead, {self.waiting} waiting"
        )
        if self.lost:
            line += f", {self.lost} taken over by another dispatcher"
        if not self.configured:
            line += " (Slack is not configured)" if self.channel == "slack" else " (SMTP is not configured)"
        return line + (f"; {self.email.summary()}" if self.email is not None else "")


def dispatch_due(
    sessions: sessionmaker[Session],
    settings: Settings,
    *,
    now: datetime,
    limit: int = 100,
    sender: Sender | None = None,
) -> DispatchReport:
    """Send up to ``limit`` due alerts per channel; pass ``sender`` to keep Slack's pacing across calls."""
    clock = _Clock(now)
    report = _dispatch_slack(
        sessions, settings.slack, sender or open_sender(settings.slack), clock, limit, links=web_links(settings)
    )
    report = replace(report, email=_dispatch_email(sessions, settings, clock, limit))
    log.log(logging.INFO if _eventful(report) else logging.DEBUG, "%s", report.summary())
    return report


def _eventful(report: DispatchReport) -> bool:
    """Whether a dispatch did or found anything worth an INFO line (the daemon calls every 5 s)."""
    parts = [report] + ([report.email] if report.email is not None else [])
    return any(p.sent or p.found or p.failed or p.dead or p.lost or p.waiting for p in parts)


def _dispatch_slack(
    sessions: sessionmaker[Session],
    settings: SlackSettings,
    sender: Sender | None,
    clock: _Clock,
    limit: int,
    *,
    links: WebLinks | None = None,
) -> DispatchReport:
    skip = unresolved_destinations(settings, webhook=sender is not None and not sender.can_search)
    with sessions() as session:
        waiting = outbox.due(session, now=clock(), destinations=None if sender is None else skip)
    if sender is None:
        _log_waiting(
            sessions,
            "slack",
            waiting,
            "Slack is not configured (set slack.token and slack.channel, or slack.webhook_url)",
        )
        return DispatchReport(configured=False, waiting=len(waiting))
    _log_waiting(
        sessions,
        "slack",
        waiting,
        "no channel for them (set slack.channel, and slack.operator_channel for operator alerts)",
    )
    report = _SlackRun(sessions, settings, clock, sender, links).run(limit, skip)
    return replace(report, waiting=len(waiting))


def _dispatch_email(sessions: sessionmaker[Session], settings: Settings, clock: _Clock, limit: int) -> DispatchReport:
    problem = smtp_unconfigured(settings.smtp)
    if problem is not None:
        with sessions() as session:
            waiting = outbox.due(session, now=clock(), channel="email")
        _log_waiting(sessions, "email", waiting, problem)
        return DispatchReport(channel="email", configured=False, waiting=len(waiting))
    return _EmailRun(sessions, settings, clock).run(limit)


def resolve_channel(destination: str, settings: SlackSettings) -> str | None:
    """The Slack channel of an outbox destination; None when its setting is missing."""
    if destination == DEFAULT_DESTINATION:
        return settings.channel
    if destination == OPERATOR_DESTINATION:
        return settings.operator_channel or settings.channel
    return destination


def unresolved_destinations(settings: SlackSettings, *, webhook: bool = False) -> tuple[str, ...]:
    """Destinations that have no channel yet (a webhook posts every destination to its own)."""
    if webhook:
        return ()
    return tuple(d for d in (DEFAULT_DESTINATION, OPERATOR_DESTINATION) if resolve_channel(d, settings) is None)


def backoff(attempts: int, *, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds before the next attempt: base·2^(n-1) capped, then jittered into its upper half."""
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return (rng or random).uniform(delay / 2, delay)


def owner_id() -> str:
    """Who holds a lease: host, process and a random suffix."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class _Clock:
    """The caller's ``now``, moved on by the time this run has taken (leases stay honest)."""

    def __init__(self, now: datetime) -> None:
        self.start, self.t0 = now, time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.t0)


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """How one channel's rows are retried (``slack.*`` or ``smtp.*``) and leased (``slack.lease``)."""

    max_attempts: int
    backoff: float
    backoff_max: float
    lease: float

    @classmethod
    def of(cls, settings: SlackSettings | SmtpSettings, lease: float) -> RetryPolicy:
        return cls(
            max_attempts=settings.max_attempts, backoff=settings.backoff, backoff_max=settings.backoff_max, lease=lease
        )


class _LeaseLostError(Exception):
    """Another dispatcher owns the row now: leave it alone."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Done:
    """A delivered alert, as marked and logged."""

    to: str
    note: str  # "ts 1720504800.000100" or "Message-ID <...>"
    ts: str | None = None
    found: bool = False


class _Run:
    """One run over one channel's due rows under one lease owner: claim, attempt, mark."""

    channel = "slack"

    def __init__(self, sessions: sessionmaker[Session], retry: RetryPolicy, clock: _Clock) -> None:
        self.sessions, self.retry, self.clock = sessions, retry, clock
        self.lease = timedelta(seconds=retry.lease)
        self.owner = owner_id()
        self.counts = {"sent": 0, "found": 0, "failed": 0, "dead": 0, "lost": 0}
        self.stopped = False  # the channel as a whole failed (an outage): the other rows wait for the next call
        self.delivered = False  # a delivery in this run has already closed any open outage

    def run(self, limit: int, skip: tuple[str, ...] = ()) -> DispatchReport:
        tried: list[int] = []  # one attempt per alert and run, however short the backoff
        while len(tried) < limit and not self.stopped:
            with transaction(self.sessions) as session:
                claimed = outbox.claim_due(
                    session,
                    owner=self.owner,
                    now=self.clock(),
                    lease=self.lease,
                    limit=1,
                    channel=self.channel,
                    skip_ids=tried,
                    skip_destinations=skip,
                )
            if not claimed:
                break
            tried.append(claimed[0].id)
            self.counts[self.deliver(claimed[0])] += 1
        c = self.counts
        return DispatchReport(
            configured=True,
            channel=self.channel,
            sent=c["sent"],
            found=c["found"],
            failed=c["failed"],
            dead=c["dead"],
            lost=c["lost"],
        )

    def deliver(self, alert: Claimed) -> str:
        """One row, start to finish; returns which count it adds to."""
        try:
            done = self.attempt(alert)
        except _LeaseLostError:
            log.warning("alert %d: lease lost to another dispatcher; left to it", alert.id)
            return "lost"
        except DeliveryError as exc:
            return self._failed(alert, exc)
        except Exception as exc:  # one broken alert must not stop the others; the row records it
            log.exception("alert %d: unexpected error while sending", alert.id)
            return self._failed(alert, DeliveryError(f"internal error: {exc!r}", unsure=True))
        with transaction(self.sessions) as session:
            marked = outbox.mark_sent(session, alert, owner=self.owner, ts=done.ts, now=self.clock())
            closing = marked and not self.delivered
            ended = outages.note_delivery(session, self.channel, now=self.clock()) if closing else None
        self.delivered = self.delivered or marked
        if ended is not None:
            log.warning(
                "%s deliveries work again after %s (%d failed attempts): %s, they go out now",
                outages.CHANNEL_NAMES[self.channel],
                outages.span(self.clock() - ended.started_at),
                ended.failures,
                outages.alerts_wait(ended.waiting, "waited"),
            )
        if not marked:
            log.warning("alert %d: sent (%s) but the lease was lost meanwhile", alert.id, done.note)
            return "lost"
        log.info(
            "alert %d sent to %s (%s)%s", alert.id, done.to, done.note, " [found in history]" if done.found else ""
        )
        return "found" if done.found else "sent"

    def attempt(self, alert: Claimed) -> _Done:
        """Send one claimed row; DeliveryError when it failed."""
        raise NotImplementedError

    def _renew(self, alert: Claimed) -> None:
        """Flag the row unsure and renew its lease just before sending; _LeaseLostError if it is not ours."""
        with transaction(self.sessions) as session:
            if not outbox.mark_unsure(session, alert, owner=self.owner, lease_until=self.clock() + self.lease):
                raise _LeaseLostError

    def _failed(self, alert: Claimed, exc: DeliveryError) -> str:
        if exc.failure is Failure.PERMANENT or (
            exc.failure is Failure.UNKNOWN and alert.attempts >= self.retry.max_attempts
        ):
            with transaction(self.sessions) as session:
                outbox.mark_dead(session, alert, owner=self.owner, error=str(exc), unsure=exc.unsure)
            why = (
                "resending cannot help"
                if exc.failure is Failure.PERMANENT
                else f"attempt {alert.attempts} of {self.retry.max_attempts}"
            )
            log.error(
                "OPERATOR: alert %d to %s is dead (%s): %s; fix it, then run 'regionwatch alerts retry %d'",
                alert.id,
                alert.destination,
                why,
                exc,
                alert.id,
            )
            return "dead"
        delay = backoff(alert.attempts, base=self.retry.backoff, cap=self.retry.backoff_max)
        delay = max(delay, exc.retry_after or 0.0)
        with transaction(self.sessions) as session:
            outbox.mark_failed(
                session,
                alert,
                owner=self.owner,
                error=str(exc),
                unsure=exc.unsure,
                next_attempt_at=self.clock() + timedelta(seconds=delay),
            )
            began = (
                outages.note_failure(session, self.channel, now=self.clock(), error=str(exc))
                if exc.failure is Failure.TRANSIENT and self.stopped
                else None
            )
        if began is not None:
            log.error(
                "OPERATOR: %s deliveries are failing: %s; %s. None is dropped: each is retried, "
                "at most %s apart, until it goes through, and you will hear when it does",
                outages.CHANNEL_NAMES[self.channel],
                exc,
                outages.alerts_wait(began.waiting),
                outages.span(timedelta(seconds=self.retry.backoff_max)),
            )
        attempts = (
            f"attempt {alert.attempts}"
            if exc.failure is Failure.TRANSIENT
            else f"attempt {alert.attempts} of {self.retry.max_attempts}"
        )
        log.warning(
            "alert %d to %s failed (%s, %s), next in %.0fs: %s",
            alert.id,
            alert.destination,
            exc.failure.value,
            attempts,
            delay,
            exc,
        )
        return "failed"

    def _change(self, alert: Claimed) -> tuple[Change | None, datetime | None]:
        with self.sessions() as session:
            loaded = outbox.load_change(session, alert.change_id)
        return loaded if loaded is not None else (None, None)


class _SlackRun(_Run):
    """Slack rows: post (or find the earlier post), then the thread replies."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: SlackSettings,
        clock: _Clock,
        sender: Sender,
        links: WebLinks | None = None,
    ) -> None:
        super().__init__(sessions, RetryPolicy.of(settings, settings.lease), clock)
        self.settings, self.sender, self.links = settings, sender, links

    def attempt(self, alert: Claimed) -> _Done:
        try:
            return self._post(alert)
        except DeliveryError as exc:
            # Slack is down or busy (or the network is): the other rows wait for the next call
            self.stopped = exc.failure is Failure.TRANSIENT
            raise

    def _post(self, alert: Claimed) -> _Done:
        channel = resolve_channel(alert.destination, self.settings) or alert.destination
        change, detected_at = self._change(alert)
        message = render(
            change,
            dedup_key=alert.dedup_key,
            detected_at=detected_at,
            fallback=str(alert.payload.get("text") or ""),
            max_countries=self.settings.max_countries,
            links=self.links,
            change_id=alert.change_id,
        )
        found = self._find(alert, channel) if alert.unsure else None
        ts: str | None
        if found is not None:
            ts, done = found.ts, found.reply_count
        else:
            self._renew(alert)
            ts, done = self.sender.post(channel, message).ts, 0
        self._replies(channel, message, ts, done)
        return _Done(to=channel, note=f"ts {ts}", ts=ts, found=found is not None)

    def _replies(self, channel: str, message: Message, ts: str | None, done: int) -> None:
        try:
            for reply in message.replies[done:]:
                self.sender.post(channel, reply, thread_ts=ts)
        except DeliveryError as exc:  # the message is out: the next attempt finds it and adds the rest
            raise exc.again("thread reply: ", unsure=True) from exc

    def _find(self, alert: Claimed, channel: str) -> Found | None:
        if not self.sender.can_search:
            log.warning("alert %d may already be in %s, and a webhook cannot look: posting again", alert.id, channel)
            return None
        try:
            return self.sender.find(channel, alert.dedup_key, oldest=alert.created_at - CLOCK_SKEW)
        except DeliveryError as exc:  # not knowing is no licence to post twice: keep the row unsure
            raise exc.again("checking for an earlier post: ", unsure=True) from exc


class _EmailRun(_Run):
    """E-mail rows: one message to each row's address, all on one SMTP connection per run."""

    channel = "email"

    def __init__(self, sessions: sessionmaker[Session], settings: Settings, clock: _Clock) -> None:
        super().__init__(sessions, RetryPolicy.of(settings.smtp, settings.slack.lease), clock)
        self.smtp = settings.smtp
        self.connections = ExitStack()
        self.client: smtplib.SMTP | None = None

    def run(self, limit: int, skip: tuple[str, ...] = ()) -> DispatchReport:
        with self.connections:  # QUIT once, at the end of the run
            return super().run(limit, skip)

    def attempt(self, alert: Claimed) -> _Done:
        try:
            message = self._message(alert)
            client = self._connect()
            self._renew(alert)
            if alert.unsure:
                log.warning(
                    "alert %d may already have reached %s: sending again with the same Message-ID",
                    alert.id,
                    alert.destination,
                )
            self._send(client, message, alert.destination)
        except DeliveryError as exc:  # a mailbox cannot be searched: once unsure, unsure until sent
            if alert.unsure and not exc.unsure:
                raise exc.again("", unsure=True) from exc
            raise
        return _Done(to=alert.destination, note=f"Message-ID {message['Message-ID']}")

    def _message(self, alert: Claimed) -> EmailMessage:
        change, detected_at = self._change(alert)
        mail = render_alert(
            change, dedup_key=alert.dedup_key, detected_at=detected_at, fallback=str(alert.payload.get("text") or "")
        )
        return compose_alert(
            mail, sender=self.smtp.sender, to=alert.destination, dedup_key=alert.dedup_key, now=self.clock()
        )

    def _connect(self) -> smtplib.SMTP:
        if self.client is None:
            try:
                self.client = self.connections.enter_context(smtp_connection(self.smtp))
            except DeliveryError:  # nothing was sent; nor can the other rows be
                self.stopped = True
                raise
        return self.client

    def _send(self, client: smtplib.SMTP, message: EmailMessage, address: str) -> None:
        where = f"SMTP server {self.smtp.host}:{self.smtp.port}"
        try:
            client.send_message(message, to_addrs=[address])
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as exc:  # a refusal: not sent
            self.stopped = client.sock is None  # a 421 closes the connection
            raise DeliveryError(f"{where}: {describe(exc, self.smtp)}", failure=smtp_failure(exc)) from exc
        except OSError as exc:  # the connection broke or timed out mid-message: it may have been accepted
            self.stopped = True
            raise DeliveryError(f"{where}: {describe(exc, self.smtp)}", unsure=True, failure=Failure.TRANSIENT) from exc


_WAITING_REPEAT = 600.0  # seconds before the same waiting alerts are listed in the log again
_waiting_logged: dict[tuple[int, str], tuple[tuple[int, ...], float]] = {}


def _log_waiting(sessions: sessionmaker[Session], channel: str, waiting: list[outbox.Waiting], why: str) -> None:
    if not waiting:
        return
    key, ids, now = (id(sessions), channel), tuple(alert.id for alert in waiting), time.monotonic()
    last = _waiting_logged.get(key)
    if last is not None and last[0] == ids and now - last[1] < _WAITING_REPEAT:
        return  # the daemon dispatches every few seconds: say it again when it changes, or in 10 min
    _waiting_logged[key] = (ids, now)
    log.warning("%s: %d alerts wait in the outbox: %s", channel, len(waiting), why)
    for alert in waiting[:WAITING_LOGGED]:
        log.info("waiting alert %d to %s: %s", alert.id, alert.destination, alert.title)
    if len(waiting) > WAITING_LOGGED:
        log.info("... and %d more: regionwatch alerts list --status pending", len(waiting) - WAITING_LOGGED)
