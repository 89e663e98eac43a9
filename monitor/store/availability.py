"""Availability intervals: open and close them with their change, answer "as of T".

A row says (provider, product, country) was available from valid_from until valid_to
(NULL = still true). At most one open row per key (a partial unique index). "As of T" is
valid_from <= T AND (valid_to IS NULL OR valid_to > T), answered from these rows alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Select, Table, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from monitor.chunked import chunked
from monitor.store.models import AvailabilityRow

_SLICE = 2_000  # interval rows per statement


@dataclass(frozen=True, slots=True, kw_only=True)
class Interval:
    provider: str
    product: str
    country: str
    valid_from: datetime
    valid_to: datetime | None
    recorded_at: datetime
    change_id: int | None
    snapshot_id: int | None
    caveats: tuple[str, ...] = ()


def open_codes(session: Session, provider: str, product: str) -> frozenset[str] | None:
    """Countries currently open for (provider, product); None when never observed."""
    codes = session.scalars(
        select(AvailabilityRow.country).where(
            AvailabilityRow.provider == provider,
            AvailabilityRow.product == product,
            AvailabilityRow.valid_to.is_(None),
        )
    ).all()
    if codes:
        return frozenset(codes)
    ever = session.scalar(
        select(AvailabilityRow.id)
        .where(AvailabilityRow.provider == provider, AvailabilityRow.product == product)
        .limit(1)
    )
    return frozenset() if ever is not None else None


@dataclass(frozen=True, slots=True, kw_only=True)
class SetChange:
    """One product's countries removed and added at ``valid_from``, with their evidence."""

    provider: str
    product: str
    added: Iterable[str]
    removed: Iterable[str]
    valid_from: datetime
    recorded_at: datetime
    change_id: int | None
    snapshot_id: int | None
    caveats: Mapping[str, Sequence[str]] | None = None


def apply_set_change(
    session: Session,
    *,
    provider: str,
    product: str,
    added: Iterable[str],
    removed: Iterable[str],
    valid_from: datetime,
    recorded_at: datetime,
    change_id: int | None,
    snapshot_id: int | None,
    caveats: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Close the removed countries' open rows and open rows for the added ones, at valid_from."""
    apply_set_changes(
        session,
        [
            SetChange(
                provider=provider,
                product=product,
                added=added,
                removed=removed,
                valid_from=valid_from,
                recorded_at=recorded_at,
                change_id=change_id,
                snapshot_id=snapshot_id,
                caveats=caveats,
            )
        ],
    )


def apply_set_changes(session: Session, changes: Sequence[SetChange]) -> None:
    """Apply many set changes: one executemany UPDATE for the closes, one INSERT for the opens.

    Products changed more than once in the list are applied in order, one change at a time.
    """
    products = [(c.provider, c.product) for c in changes]
    if len(set(products)) < len(products):
        for change in changes:
            _apply(session, [change])
        return
    _apply(session, changes)


def _apply(session: Session, changes: Sequence[SetChange]) -> None:
    closes = (
        {
            "p_provider": c.provider,
            "p_product": c.product,
            "p_country": code,
            "p_to": c.valid_from,
            "p_at": c.recorded_at,
        }
        for c in changes
        for code in sorted(c.removed)
    )
    table = cast(Table, AvailabilityRow.__table__)
    close = (
        update(table)
        .where(
            table.c.provider == bindparam("p_provider"),
            table.c.product == bindparam("p_product"),
            table.c.country == bindparam("p_country"),
            table.c.valid_to.is_(None),
        )
        .values(valid_to=bindparam("p_to"), closed_at=bindparam("p_at"))
    )
    for closing in chunked(closes, _SLICE):  # a first observation of many products opens many rows
        session.execute(close, closing)
    opens = (
        {
            "provider": c.provider,
            "product": c.product,
            "country": code,
            "status": "available",
            "valid_from": c.valid_from,
            "valid_to": None,
            "recorded_at": c.recorded_at,
            "change_id": c.change_id,
            "snapshot_id": c.snapshot_id,
            "caveats": list((c.caveats or {}).get(code, ())) or None,
        }
        for c in changes
        for code in sorted(c.added)
    )
    for opening in chunked(opens, _SLICE):
        session.execute(insert(AvailabilityRow), opening)


def as_of(
    session: Session,
    moment: datetime,
    *,
    provider: str | None = None,
    product: str | None = None,
    country: str | None = None,
) -> list[Interval]:
    """The rows true at moment, optionally filtered; ordered by provider, product, country."""
    query = select(AvailabilityRow).where(
        AvailabilityRow.valid_from <= moment,
        or_(AvailabilityRow.valid_to.is_(None), AvailabilityRow.valid_to > moment),
    )
    query = _filtered(query, provider=provider, product=product, country=country)
    query = query.order_by(AvailabilityRow.provider, AvailabilityRow.product, AvailabilityRow.country)
    return [_interval(row) for row in session.scalars(query)]


def history(
    session: Session,
    *,
    provider: str | None = None,
    product: str | None = None,
    country: str | None = None,
    since: datetime | None = None,
) -> list[Interval]:
    """Every interval, oldest first; with since, those still true at or started after it."""
    query = _filtered(select(AvailabilityRow), provider=provider, product=product, country=country)
    if since is not None:
        query = query.where(or_(AvailabilityRow.valid_to.is_(None), AvailabilityRow.valid_to > since))
    query = query.order_by(AvailabilityRow.valid_from, AvailabilityRow.provider, AvailabilityRow.country)
    return [_interval(row) for row in session.scalars(query)]


_Q = TypeVar("_Q", bound=Select[Any])


def _filtered(query: _Q, *, provider: str | None, product: str | None, country: str | None) -> _Q:
    if provider is not None:
        query = query.where(AvailabilityRow.provider == provider)
    if product is not None:
        query = query.where(AvailabilityRow.product == product)
    if country is not None:
        query = query.where(AvailabilityRow.country == country)
    return query


def _interval(row: AvailabilityRow) -> Interval:
    return Interval(
        provider=row.provider,
        product=row.product,
        country=row.country,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        recorded_at=row.recorded_at,
        change_id=row.change_id,
        snapshot_id=row.snapshot_id,
        caveats=tuple(row.caveats or ()),
    )
