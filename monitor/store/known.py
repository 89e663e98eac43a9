"""What detection needs to know about a chunk of page reads, loaded in a few queries.

For every availability page of a chunk: its product's open set, the facts of its last good
read (the snapshot ``sources.good_snapshot_id`` points at), its held change, the set a
person last rejected, and the stored claims of the snapshots its reads stand for. The chunk
keeps the open sets current as decisions are taken (two sources of one product in one chunk
see each other's changes), and hands ``detect.decide`` plain ``Known`` records.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from monitor.chunked import chunked
from monitor.detect.decide import DecisionKind, GoodRead, Held, HoldReason, Known
from monitor.store.models import AvailabilityRow, HeldChangeRow, HeldStatus, SnapshotRow, SourceRow
from monitor.types import Claim, Source

_CHUNK = 900  # ids per IN list: well under every backend's bound-parameter limit

Product = tuple[str, str]  # (provider, product)
_RESOLVED = (HeldStatus.REJECTED, HeldStatus.ACCEPTED, HeldStatus.CONFIRMED)  # resolutions a rejection stands in


@dataclass(slots=True, kw_only=True)
class ChunkKnown:
    """The loaded state of a chunk's sources (rows stay attached to the caller's session)."""

    open_sets: dict[Product, frozenset[str] | None] = field(default_factory=dict)
    sources: dict[str, SourceRow] = field(default_factory=dict)
    snapshots: dict[int, SnapshotRow] = field(default_factory=dict)
    held: dict[str, HeldChangeRow] = field(default_factory=dict)
    rejected: dict[str, frozenset[str]] = field(default_factory=dict)

    def known(self, source: Source) -> Known:
        """What ``decide`` is told about ``source`` now."""
        state = self.sources.get(source.id)
        good = self.snapshots.get(state.good_snapshot_id) if state and state.good_snapshot_id else None
        held = self.held.get(source.id)
        return Known(
            open_set=self.open_sets.get((source.provider, source.product_key)),
            good=good_read(good) if good is not None else None,
            held=Held(
                id=held.id,
                codes=frozenset(held.codes),
                reason=HoldReason(held.reason),
                first_seen_at=held.first_seen_at,
            )
            if held is not None
            else None,
            rejected=self.rejected.get(source.id),
        )

    def claim(self, snapshot_id: int | None) -> Claim | None:
        """The claim stored with a snapshot (for a read whose body was the same)."""
        snapshot = self.snapshots.get(snapshot_id) if snapshot_id is not None else None
        return claim_of(snapshot.claims) if snapshot is not None else None

    def text(self, snapshot_id: int | None) -> str | None:
        snapshot = self.snapshots.get(snapshot_id) if snapshot_id is not None else None
        return snapshot.text if snapshot is not None else None

    def decided(self, source: Source, kind: DecisionKind, codes: frozenset[str]) -> None:
        """Keep the open set current after a decision that applies ``codes``."""
        if kind in (DecisionKind.BASELINE, DecisionKind.CONFIRM):
            self.open_sets[(source.provider, source.product_key)] = codes


def load_known(session: Session, *, sources: Sequence[Source], snapshot_ids: Iterable[int]) -> ChunkKnown:
    """Everything ``ChunkKnown`` holds for ``sources`` (availability pages), in a few queries."""
    ids = sorted({s.id for s in sources})
    known = ChunkKnown(open_sets=open_sets(session, sorted({(s.provider, s.product_key) for s in sources})))
    for part in chunked(ids, _CHUNK):
        known.sources.update((row.id, row) for row in session.scalars(select(SourceRow).where(SourceRow.id.in_(part))))
        known.held.update(
            (row.source_id, row)
            for row in session.scalars(
                select(HeldChangeRow).where(HeldChangeRow.source_id.in_(part), HeldChangeRow.status == HeldStatus.HELD)
            )
        )
        for row in session.scalars(
            select(HeldChangeRow)
            .where(HeldChangeRow.source_id.in_(part), HeldChangeRow.status.in_(_RESOLVED))
            .order_by(HeldChangeRow.resolved_at)
        ):
            if row.status == HeldStatus.REJECTED:  # the latest resolution wins: an accepted one forgets a rejection
                known.rejected[row.source_id] = frozenset(row.codes)
            else:
                known.rejected.pop(row.source_id, None)
    wanted = set(snapshot_ids) | {row.good_snapshot_id for row in known.sources.values() if row.good_snapshot_id}
    for some in chunked(sorted(wanted), _CHUNK):
        known.snapshots.update(
            (row.id, row)
            for row in session.scalars(
                select(SnapshotRow).where(SnapshotRow.id.in_(some)).options(defer(SnapshotRow.raw_body))
            )
        )
    return known


def good_read(snapshot: SnapshotRow) -> GoodRead:
    """The facts of a good read, from its snapshot."""
    claims: dict[str, Any] = snapshot.claims or {}
    modified = claims.get("last_modified")
    return GoodRead(
        order=tuple(claims.get("order", ())),
        shape=tuple(claims.get("shape", ())),
        unmapped=tuple(claims.get("unmapped", ())),
        final_url=snapshot.final_url,
        complete=bool(claims.get("complete", True)),
        last_modified=datetime.fromisoformat(modified) if isinstance(modified, str) else None,
    )


def claim_of(stored: dict[str, Any] | None) -> Claim | None:
    """A claim back from its stored JSON (None when none was stored)."""
    if not stored or "codes" not in stored:
        return None
    return Claim(
        codes=frozenset(stored["codes"]),
        unmapped=tuple(stored.get("unmapped", ())),
        caveats={k: tuple(v) for k, v in (stored.get("caveats") or {}).items()},
        names=int(stored.get("names", 0)),
        order=tuple(stored.get("order", ())),
        shape=tuple(stored.get("shape", ())),
    )


def claim_json(claim: Claim, *, complete: bool, last_modified: datetime | None = None) -> dict[str, object]:
    """A claim as stored with its snapshot, with the facts the next read is judged against."""
    return {
        "codes": sorted(claim.codes),
        "order": list(claim.order),
        "shape": list(claim.shape),
        "unmapped": list(claim.unmapped),
        "caveats": {k: list(v) for k, v in claim.caveats.items()},
        "names": claim.names,
        "complete": complete,
        "last_modified": last_modified.isoformat() if last_modified else None,
    }


def open_sets(session: Session, products: Sequence[Product]) -> dict[Product, frozenset[str] | None]:
    """Each product's open countries; frozenset() if it had intervals once, None if never observed.

    One row per product (its open countries joined by the database), not one per interval.
    """
    wanted = set(products)
    sets: dict[Product, frozenset[str] | None] = {}
    for part in chunked(sorted({product for _, product in products}), _CHUNK):
        rows = session.execute(
            select(
                AvailabilityRow.provider, AvailabilityRow.product, func.aggregate_strings(AvailabilityRow.country, ",")
            )
            .where(AvailabilityRow.product.in_(part), AvailabilityRow.valid_to.is_(None))
            .group_by(AvailabilityRow.provider, AvailabilityRow.product)
        )
        for provider, product, joined in rows:
            if (provider, product) in wanted:
                sets[(provider, product)] = frozenset(joined.split(","))
    closed_or_new = sorted(wanted - sets.keys())
    for part in chunked(sorted({product for _, product in closed_or_new}), _CHUNK):
        seen = set(
            session.execute(
                select(AvailabilityRow.provider, AvailabilityRow.product)
                .where(AvailabilityRow.product.in_(part))
                .distinct()
            )
        )
        in_part = set(part)
        for key in closed_or_new:
            if key[1] in in_part:
                sets[key] = frozenset() if key in seen else None
    return sets
