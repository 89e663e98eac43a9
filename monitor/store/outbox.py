"""The outbox's SQL: claim due alerts with a lease, mark them sent, failed or dead, list, retry.

A claim is one statement, ``UPDATE alerts SET status = 'sending', lease ... WHERE id IN (SELECT
id ... ORDER BY next_attempt_at LIMIT n FOR UPDATE SKIP LOCKED) RETURNING ...``. On PostgreSQL
SKIP LOCKED lets dispatchers claim side by side without waiting for, or taking, each other's
rows; SQLite leaves the locking clause out and serialises writers, so the single UPDATE is
atomic there too. A row left in ``sending`` whose lease ran out (its dispatcher died) is due
again. Every later mark holds only while the caller still owns the lease.

``payload["unsure"]`` says that an earlier attempt may have reached Slack (a post timed out, or
its dispatcher died while posting): the next attempt looks in the channel before posting again.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from monitor.errors import StoreError
from monitor.store.models import AlertRow, ChangeRow
from monitor.types import Change, ChangeKind, Severity

PENDING, SENDING, SENT, DEAD = "pending", "sending", "sent", "dead"
STATUSES = (PENDING, SENDING, SENT, DEAD)
UNSURE = "unsure"


@dataclass(frozen=True, slots=True, kw_only=True)
class Claimed:
    """An outbox row this dispatcher now owns until its lease ends."""

    id: int
    change_id: int | None
    channel: str
    destination: str
    dedup_key: str
    attempts: int  # including this one
    created_at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)

    @property
    def unsure(self) -> bool:
        """True when an earlier attempt may have posted the message."""
        return bool(self.payload.get(UNSURE))


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(AlertRow.status == PENDING, AlertRow.next_attempt_at <= now),
        and_(AlertRow.status == SENDING, AlertRow.lease_until < now),
    )


def claim_due(
    session: Session,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    channel: str = "slack",
    skip_destinations: Collection[str] = (),
    skip_ids: Collection[int] = (),
) -> list[Claimed]:
    """Take up to ``limit`` due rows of a channel: status sending, leased to ``owner``."""
    ids = select(AlertRow.id).where(AlertRow.channel == channel, _due(now))
    if skip_destinations:
        ids = ids.where(AlertRow.destination.not_in(list(skip_destinations)))
    if skip_ids:
        ids = ids.where(AlertRow.id.not_in(list(skip_ids)))
    ids = ids.order_by(AlertRow.next_attempt_at, AlertRow.id).limit(limit).with_for_update(skip_locked=True)
    statement = (
        update(AlertRow)
        .where(AlertRow.id.in_(ids.scalar_subquery()))
        .values(status=SENDING, lease_owner=owner, lease_until=now + lease, attempts=AlertRow.attempts + 1)
        .returning(
            AlertRow.id,
            AlertRow.change_id,
            AlertRow.channel,
            AlertRow.destination,
            AlertRow.dedup_key,
            AlertRow.attempts,
            AlertRow.created_at,
            AlertRow.payload,
        )
        .execution_options(synchronize_session=False)
    )
    claimed = [
        Claimed(
            id=r.id,
            change_id=r.change_id,
            channel=r.channel,
            destination=r.destination,
            dedup_key=r.dedup_key,
            attempts=r.attempts,
            created_at=r.created_at,
            payload=r.payload or {},
        )
        for r in session.execute(statement)
    ]
    return sorted(claimed, key=lambda c: c.id)


def _owned_update(session: Session, alert_id: int, owner: str, **values: Any) -> bool:
    statement = (
        update(AlertRow)
        .where(AlertRow.id == alert_id, AlertRow.status == SENDING, AlertRow.lease_owner == owner)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def mark_unsure(session: Session, alert: Claimed, *, owner: str, lease_until: datetime) -> bool:
    """Flag that a post is about to go out, and renew the lease; False when it was lost (do not post)."""
    return _owned_update(session, alert.id, owner, payload={**alert.payload, UNSURE: True}, lease_until=lease_until)


def mark_sent(session: Session, alert: Claimed, *, owner: str, ts: str | None, now: datetime) -> bool:
    """The message is in Slack: status sent with its ts; False when the lease was lost."""
    return _owned_update(
        session,
        alert.id,
        owner,
        status=SENT,
        slack_ts=ts,
        sent_at=now,
        lease_until=None,
        lease_owner=None,
        last_error=None,
        payload={**alert.payload, UNSURE: False},
    )


def mark_failed(
    session: Session, alert: Claimed, *, owner: str, error: str, next_attempt_at: datetime, unsure: bool
) -> bool:
    """Back to pending, due again at ``next_attempt_at``."""
    return _owned_update(
        session,
        alert.id,
        owner,
        status=PENDING,
        next_attempt_at=next_attempt_at,
        lease_until=None,
        lease_owner=None,
        last_error=error[:2000],
        payload={**alert.payload, UNSURE: unsure},
    )


def mark_dead(session: Session, alert: Claimed, *, owner: str, error: str, unsure: bool) -> bool:
    """Given up: only ``retry_alert`` brings it back."""
    return _owned_update(
        session,
        alert.id,
        owner,
        status=DEAD,
        lease_until=None,
        lease_owner=None,
        last_error=error[:2000],
        payload={**alert.payload, UNSURE: unsure},
    )


def retry_alert(session: Session, alert_id: int, *, now: datetime) -> AlertRow:
    """A dead (or waiting) alert made due now with a fresh count of attempts."""
    row = session.get(AlertRow, alert_id, with_for_update=True)
    if row is None:
        raise StoreError(f"no alert {alert_id}: see 'regionwatch alerts list'")
    if row.status not in (DEAD, PENDING):
        when = f" at {row.sent_at.isoformat(timespec='seconds')}" if row.sent_at else ""
        raise StoreError(f"alert {alert_id} is {row.status}{when}: only dead or pending alerts can be retried")
    row.status, row.attempts, row.next_attempt_at = PENDING, 0, now
    row.lease_until = row.lease_owner = None
    return row


def list_alerts(
    session: Session, *, status: str | None = None, channel: str | None = None, limit: int | None = None
) -> list[tuple[AlertRow, ChangeRow | None]]:
    """Outbox rows with their changes, newest first."""
    query = select(AlertRow, ChangeRow).outerjoin(ChangeRow, AlertRow.change_id == ChangeRow.id)
    if status is not None:
        query = query.where(AlertRow.status == status)
    if channel is not None:
        query = query.where(AlertRow.channel == channel)
    query = query.order_by(AlertRow.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [(alert, change) for alert, change in session.execute(query).tuples()]


@dataclass(frozen=True, slots=True, kw_only=True)
class Waiting:
    """A due alert that cannot be sent yet, as logged."""

    id: int
    destination: str
    title: str


def due(
    session: Session, *, now: datetime, channel: str = "slack", destinations: Collection[str] | None = None
) -> list[Waiting]:
    """Pending rows of a channel due now (only those to ``destinations`` when given), oldest first."""
    query = (
        select(AlertRow.id, AlertRow.destination, ChangeRow.title)
        .outerjoin(ChangeRow, AlertRow.change_id == ChangeRow.id)
        .where(AlertRow.channel == channel, AlertRow.status == PENDING, AlertRow.next_attempt_at <= now)
        .order_by(AlertRow.id)
    )
    if destinations is not None:
        query = query.where(AlertRow.destination.in_(list(destinations)))
    return [Waiting(id=r.id, destination=r.destination, title=r.title or "") for r in session.execute(query)]


def load_change(session: Session, change_id: int | None) -> tuple[Change, datetime] | None:
    """The stored change an alert is about, as the record the renderer reads."""
    row = session.get(ChangeRow, change_id) if change_id is not None else None
    if row is None:
        return None
    change = Change(
        kind=ChangeKind(row.kind),
        source_id=row.source_id,
        provider=row.provider,
        product=row.product,
        added=tuple(row.added),
        removed=tuple(row.removed),
        countries=tuple(row.countries),
        action=row.action,
        effective_date=row.effective_date,
        effective_precision="month" if row.effective_precision == "month" else "day",
        scope="ownership" if row.scope == "ownership" else "territory",
        severity=_severity(row.severity),
        title=row.title,
        url=row.url,
        diff=dict(row.diff or {}),
    )
    return change, row.detected_at


def _severity(value: int) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        return Severity.MEDIUM
