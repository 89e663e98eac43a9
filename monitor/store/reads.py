"""Reads behind the query layer: intervals with their evidence, counts, changes by country, health.

Read-only: nothing here writes. Every function takes the caller's session and returns plain
frozen records (or rows the caller only reads), so the CLI and the web view share one door.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session

from monitor.chunked import chunked
from monitor.store.models import AvailabilityRow, ChangeRow, NewsItemRow, SnapshotRow, SourceRow
from monitor.types import ChangeKind

_CHUNK = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeRef:
    """Enough of a change to cite it as evidence."""

    id: int
    title: str
    detected_at: datetime
    correction: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidencedInterval:
    """An availability interval with the change that opened it and the one that closed it."""

    provider: str
    product: str
    country: str
    valid_from: datetime
    valid_to: datetime | None
    recorded_at: datetime
    closed_at: datetime | None
    snapshot_id: int | None
    opened_by: ChangeRef | None
    closed_by: ChangeRef | None
    caveats: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class SnapshotRef:
    id: int
    first_seen: datetime
    last_seen: datetime
    final_url: str | None


def intervals(
    session: Session,
    *,
    provider: str | None = None,
    product: str | None = None,
    country: str | None = None,
    since: datetime | None = None,
) -> list[EvidencedInterval]:
    """Every interval, oldest first, with its evidence; with since, those still true at or after it."""
    query = select(AvailabilityRow)
    for column, value in (
        (AvailabilityRow.provider, provider),
        (AvailabilityRow.product, product),
        (AvailabilityRow.country, country),
    ):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(or_(AvailabilityRow.valid_to.is_(None), AvailabilityRow.valid_to > since))
    query = query.order_by(
        AvailabilityRow.valid_from, AvailabilityRow.provider, AvailabilityRow.product, AvailabilityRow.country
    )
    rows = list(session.scalars(query))
    opening = _refs(session, {r.change_id for r in rows if r.change_id is not None})
    closing = _closing_changes(session, rows)
    return [
        EvidencedInterval(
            provider=r.provider,
            product=r.product,
            country=r.country,
            valid_from=r.valid_from,
            valid_to=r.valid_to,
            recorded_at=r.recorded_at,
            closed_at=r.closed_at,
            snapshot_id=r.snapshot_id,
            opened_by=opening.get(r.change_id) if r.change_id is not None else None,
            closed_by=closing.get((r.provider, r.product, r.country, r.closed_at)) if r.closed_at else None,
            caveats=tuple(r.caveats or ()),
        )
        for r in rows
    ]


def _refs(session: Session, ids: Iterable[int]) -> dict[int, ChangeRef]:
    refs: dict[int, ChangeRef] = {}
    for chunk in chunked(sorted(ids), _CHUNK):
        query = select(ChangeRow.id, ChangeRow.title, ChangeRow.detected_at, ChangeRow.correction).where(
            ChangeRow.id.in_(chunk)
        )
        refs.update({i: ChangeRef(id=i, title=t, detected_at=d, correction=c) for i, t, d, c in session.execute(query)})
    return refs


def _closing_changes(
    session: Session, rows: Sequence[AvailabilityRow]
) -> dict[tuple[str, str, str, datetime], ChangeRef]:
    """The availability change that removed each closed row: same key, detected when the row closed."""
    moments = sorted({r.closed_at for r in rows if r.closed_at is not None})
    providers = sorted({r.provider for r in rows if r.closed_at is not None})
    found: dict[tuple[str, str, str, datetime], ChangeRef] = {}
    for chunk in chunked(moments, _CHUNK):
        query = select(ChangeRow).where(
            ChangeRow.kind == ChangeKind.AVAILABILITY.value,
            ChangeRow.detected_at.in_(chunk),
            ChangeRow.provider.in_(providers) if len(providers) <= _CHUNK else ChangeRow.provider.is_not(None),
        )
        for change in session.scalars(query.order_by(ChangeRow.id)):
            ref = ChangeRef(
                id=change.id, title=change.title, detected_at=change.detected_at, correction=change.correction
            )
            for code in change.removed:
                found.setdefault((change.provider or "", change.product or "", str(code), change.detected_at), ref)
    return found


def counts_as_of(session: Session, moment: datetime) -> dict[tuple[str, str], int]:
    """How many countries each (provider, product) served at the moment."""
    query = (
        select(AvailabilityRow.provider, AvailabilityRow.product, func.count())
        .where(
            AvailabilityRow.valid_from <= moment,
            or_(AvailabilityRow.valid_to.is_(None), AvailabilityRow.valid_to > moment),
        )
        .group_by(AvailabilityRow.provider, AvailabilityRow.product)
    )
    return {(p, q): int(n) for p, q, n in session.execute(query)}


def first_observed(session: Session) -> dict[tuple[str, str], datetime]:
    """When each (provider, product) was first read: the start of its earliest interval."""
    query = select(AvailabilityRow.provider, AvailabilityRow.product, func.min(AvailabilityRow.valid_from)).group_by(
        AvailabilityRow.provider, AvailabilityRow.product
    )
    return {(p, q): first for p, q, first in session.execute(query)}


def known_products(session: Session) -> list[tuple[str, str]]:
    """Every (provider, product) with availability history or an availability source, sorted."""
    keys = {(p, q) for p, q in session.execute(select(AvailabilityRow.provider, AvailabilityRow.product).distinct())}
    for provider, product, settings in session.execute(
        select(SourceRow.provider, SourceRow.product, SourceRow.settings).where(SourceRow.removed_at.is_(None))
    ):
        if isinstance(settings, dict) and settings.get("availability"):
            keys.add((provider, product or "api"))
    return sorted(keys)


def providers(session: Session) -> list[str]:
    """Every provider named by a source, an interval or a change, sorted."""
    names: set[str] = set(session.scalars(select(SourceRow.provider).distinct()))
    names |= set(session.scalars(select(AvailabilityRow.provider).distinct()))
    names |= {p for p in session.scalars(select(ChangeRow.provider).distinct()) if p}
    return sorted(names)


def get_change(session: Session, change_id: int) -> ChangeRow | None:
    """One stored change, or None."""
    return session.get(ChangeRow, change_id)


def changes_touching(session: Session, country: str, *, limit: int | None = None) -> list[ChangeRow]:
    """Changes that added, removed or named a country, newest first."""
    needle = f'%"{country}"%'
    query = (
        select(ChangeRow)
        .where(
            or_(
                cast(ChangeRow.added, String).like(needle),
                cast(ChangeRow.removed, String).like(needle),
                cast(ChangeRow.countries, String).like(needle),
            )
        )
        .order_by(ChangeRow.detected_at.desc(), ChangeRow.id.desc())
    )
    rows = [r for r in session.scalars(query) if country in (*r.added, *r.removed, *r.countries)]
    return rows[:limit] if limit is not None else rows


def sources(session: Session, *, provider: str | None = None) -> list[SourceRow]:
    """The sources in the current catalog (removed entries left out), by provider and id."""
    query = select(SourceRow).where(SourceRow.removed_at.is_(None))
    if provider is not None:
        query = query.where(SourceRow.provider == provider)
    return list(session.scalars(query.order_by(SourceRow.provider, SourceRow.id)))


def latest_change_by_source(session: Session, source_ids: Sequence[str]) -> dict[str, ChangeRef]:
    """Each source's most recent change."""
    latest: dict[str, ChangeRef] = {}
    for chunk in chunked(source_ids, _CHUNK):
        ranked = (
            select(
                ChangeRow.id,
                ChangeRow.source_id,
                ChangeRow.title,
                ChangeRow.detected_at,
                ChangeRow.correction,
                func.row_number()
                .over(partition_by=ChangeRow.source_id, order_by=(ChangeRow.detected_at.desc(), ChangeRow.id.desc()))
                .label("rank"),
            )
            .where(ChangeRow.source_id.in_(chunk))
            .subquery()
        )
        query = select(
            ranked.c.id, ranked.c.source_id, ranked.c.title, ranked.c.detected_at, ranked.c.correction
        ).where(ranked.c.rank == 1)
        latest.update(
            {s: ChangeRef(id=i, title=t, detected_at=d, correction=c) for i, s, t, d, c in session.execute(query)}
        )
    return latest


def snapshots(session: Session, ids: Iterable[int | None]) -> dict[int, SnapshotRef]:
    """Snapshot metadata (never the body) by id."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    query = select(SnapshotRow.id, SnapshotRow.first_seen, SnapshotRow.last_seen, SnapshotRow.final_url).where(
        SnapshotRow.id.in_(wanted)
    )
    return {i: SnapshotRef(id=i, first_seen=f, last_seen=last, final_url=u) for i, f, last, u in session.execute(query)}


def news_item(session: Session, item_id: int) -> dict[str, Any] | None:
    """The title, link and date of a stored news item."""
    row = session.execute(
        select(NewsItemRow.title, NewsItemRow.link, NewsItemRow.published_at, NewsItemRow.language).where(
            NewsItemRow.id == item_id
        )
    ).first()
    if row is None:
        return None
    return {"title": row.title, "link": row.link, "published_at": row.published_at, "language": row.language}
