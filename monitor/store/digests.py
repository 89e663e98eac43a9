"""The weekly digest's SQL: claiming a period so it is sent once, and the reads behind its sections.

A period ("2024-W28") has one ``digests`` row, unique by period. A sender *claims* it first:
it inserts the row with status ``sending`` (a second inserter meets the unique constraint and
does nothing), or takes over a row that ``failed`` or whose ``sending`` claim is stale (its
holder died). While a row is ``sending``, ``created_at`` holds when the current claim was taken
and serves as the claim's token: every later write by the holder checks it, so a sender whose
claim was taken over stops instead of sending again. ``recipients`` lists the addresses the
digest has been delivered to, so a retry after a partial failure sends only to the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from monitor.store.models import ChangeRow, DigestRow, SourceRow

SENDING = "sending"
SENT = "sent"
FAILED = "failed"
_RETAKEABLE = ("pending", FAILED)
MAX_ERROR = 2000


@dataclass(frozen=True, slots=True, kw_only=True)
class PeriodState:
    """A period's row as a claim left it; ``claimed`` is True when this caller holds it."""

    period: str
    status: str
    claimed: bool
    claimed_at: datetime
    sent_at: datetime | None
    delivered: tuple[str, ...]
    last_error: str | None


def claim_period(session: Session, period: str, *, now: datetime, stale_after: timedelta) -> PeriodState:
    """Take the period for sending, unless it was sent or another live sender holds it."""
    existing = period_row(session, period)
    if existing is not None and (
        existing.status == SENT or (existing.status == SENDING and existing.created_at >= now - stale_after)
    ):
        return _state(existing, claimed=False)  # the common case on a schedule: no write at all
    claimed = _insert_if_absent(session, period, now)
    if not claimed:
        retake = (
            update(DigestRow)
            .where(
                DigestRow.period == period,
                or_(
                    DigestRow.status.in_(_RETAKEABLE),
                    and_(DigestRow.status == SENDING, DigestRow.created_at < now - stale_after),
                ),
            )
            .values(status=SENDING, created_at=now)
            .execution_options(synchronize_session=False)
        )
        claimed = _count(session.execute(retake)) == 1
    row = session.scalars(
        select(DigestRow).where(DigestRow.period == period).execution_options(populate_existing=True)
    ).one()
    return _state(row, claimed=claimed)


def record_delivery(session: Session, claim: PeriodState, delivered: Sequence[str], *, message_id: str) -> bool:
    """Note the addresses delivered so far; False when the claim was lost."""
    return _update_claimed(session, claim, recipients=list(delivered), message_id=message_id)


def mark_sent(session: Session, claim: PeriodState, *, now: datetime) -> bool:
    """The period is done; it will never be sent again."""
    return _update_claimed(session, claim, status=SENT, sent_at=now, last_error=None)


def mark_failed(session: Session, claim: PeriodState, *, error: str) -> bool:
    """Leave the period unsent with the reason, for a later attempt to retake."""
    return _update_claimed(session, claim, status=FAILED, last_error=error[:MAX_ERROR])


def period_row(session: Session, period: str) -> DigestRow | None:
    """The period's row, if any attempt was made."""
    return session.scalars(select(DigestRow).where(DigestRow.period == period)).one_or_none()


def changes_between(session: Session, start: datetime, end: datetime, *, kinds: Sequence[str]) -> list[ChangeRow]:
    """Changes of these kinds detected in [start, end), oldest first."""
    query = (
        select(ChangeRow)
        .where(ChangeRow.detected_at >= start, ChangeRow.detected_at < end, ChangeRow.kind.in_(kinds))
        .order_by(ChangeRow.detected_at, ChangeRow.id)
    )
    return list(session.scalars(query))


def troubled_sources(session: Session) -> list[SourceRow]:
    """Sources in the catalog whose fetches are failing or whose extraction is held as suspect."""
    query = (
        select(SourceRow)
        .where(
            SourceRow.removed_at.is_(None),
            SourceRow.enabled.is_(True),
            or_(SourceRow.consecutive_failures > 0, SourceRow.suspect_since.is_not(None)),
        )
        .order_by(SourceRow.provider, SourceRow.id)
    )
    return list(session.scalars(query))


def _state(row: DigestRow, *, claimed: bool) -> PeriodState:
    return PeriodState(
        period=row.period,
        status=row.status,
        claimed=claimed,
        claimed_at=row.created_at,
        sent_at=row.sent_at,
        delivered=tuple(row.recipients),
        last_error=row.last_error,
    )


def _insert_if_absent(session: Session, period: str, now: datetime) -> bool:
    values: dict[str, Any] = {"period": period, "status": SENDING, "created_at": now, "recipients": []}
    if session.get_bind().dialect.name == "postgresql":
        pg = pg_insert(DigestRow).values(**values).on_conflict_do_nothing(index_elements=["period"])
        return session.execute(pg.returning(DigestRow.id)).first() is not None
    lite = sqlite_insert(DigestRow).values(**values).on_conflict_do_nothing(index_elements=["period"])
    return session.execute(lite.returning(DigestRow.id)).first() is not None


def _update_claimed(session: Session, claim: PeriodState, **values: Any) -> bool:
    query = (
        update(DigestRow)
        .where(DigestRow.period == claim.period, DigestRow.status == SENDING, DigestRow.created_at == claim.claimed_at)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return _count(session.execute(query)) == 1


def _count(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)
