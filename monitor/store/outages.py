"""Delivery outages: a channel failing for transient reasons, heard of once per outage.

The first transient failure of a channel (Slack, e-mail) opens its outage; more failures only
count. Once the failures have lasted ``REPORT_AFTER`` the operator is told, once (a single 429
or 500 is a blip, not an outage); the next delivery on that channel closes the outage and, if it
was reported, records one operator notice saying how long it lasted and how many alerts waited.
A partial unique index keeps one open outage per channel, so two dispatchers open it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.store.changes import record_change
from monitor.store.models import AlertRow, OutageRow
from monitor.store.outbox import PENDING, SENDING
from monitor.types import Change, ChangeKind, Severity

CHANNEL_NAMES = {"slack": "Slack", "email": "E-mail"}
REPORT_AFTER = timedelta(minutes=5)


@dataclass(frozen=True, slots=True, kw_only=True)
class Outage:
    """What the dispatcher tells the operator of an outage."""

    started_at: datetime
    failures: int
    waiting: int  # alerts of the channel not yet delivered when this was read


def waiting(session: Session, channel: str) -> int:
    """Alerts of a channel not yet delivered (pending, or being sent)."""
    query = (
        select(func.count())
        .select_from(AlertRow)
        .where(AlertRow.channel == channel, AlertRow.status.in_((PENDING, SENDING)))
    )
    return int(session.scalar(query) or 0)


def _open(session: Session, channel: str) -> OutageRow | None:
    return session.scalar(select(OutageRow).where(OutageRow.channel == channel, OutageRow.ended_at.is_(None)))


def note_failure(session: Session, channel: str, *, now: datetime, error: str) -> Outage | None:
    """Count a transient failure; the outage when the operator is to be told of it now, else None."""
    row = _open(session, channel)
    if row is None:
        row = OutageRow(channel=channel, started_at=now, failures=1, last_error=error[:1000])
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # another dispatcher opened it a moment ago
            row = _open(session, channel)
            if row is None:
                return None
            row.failures += 1
    else:
        row.failures += 1
    row.last_error = error[:1000]
    if row.reported_at is not None or now - row.started_at < REPORT_AFTER:
        return None
    row.reported_at = now
    return _outage(row, waiting(session, channel))


def note_delivery(session: Session, channel: str, *, now: datetime) -> Outage | None:
    """Close the channel's open outage after a delivery: the outage, with one operator notice when it
    had been reported; None when there was none or it was a blip."""
    row = _open(session, channel)
    if row is None:
        return None
    row.ended_at = now
    if row.reported_at is None:
        return None
    outage = _outage(row, waiting(session, channel) + 1)  # and the one just delivered
    name = CHANNEL_NAMES.get(channel, channel)
    title = (
        f"{name} deliveries work again after {span(now - row.started_at)} of failures "
        f"({row.failures} failed attempts, last: {row.last_error}); {alerts_wait(outage.waiting, 'waited')}, "
        "none was dropped: they go out now"
    )
    record_change(
        session,
        Change(kind=ChangeKind.OPERATOR, source_id=None, provider=None, severity=Severity.HIGH, title=title),
        routes=(),
        detected_at=now,
    )
    return outage


def _outage(row: OutageRow, count: int) -> Outage:
    return Outage(started_at=row.started_at, failures=row.failures, waiting=count)


def span(delta: timedelta) -> str:
    """A duration as people say it: "2 h 13 min", "5 min", "40 s"."""
    seconds = max(0, int(delta.total_seconds()))
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    parts = [
        f"{days} d" if days else "",
        f"{hours} h" if hours else "",
        f"{minutes} min" if minutes and not days else "",
    ]
    return " ".join(p for p in parts if p) or f"{seconds} s"


def alerts_wait(count: int, verb: str = "wait") -> str:
    """ "1 alert waits", "3 alerts wait", "3 alerts waited"."""
    if verb == "wait":
        return f"{count} alert waits" if count == 1 else f"{count} alerts wait"
    return f"{count} {'alert' if count == 1 else 'alerts'} {verb}"
