"""Re-extraction after an extractor fix: recompute claims from stored snapshots (extract/ reads, store/ writes).

The differences are recorded as technical corrections: a change row marked ``correction``
with no outbox rows, applied to the intervals from now on (the past is not rewritten).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.detect.availability import diff_sets
from monitor.detect.guard import reject_reason
from monitor.errors import RegionwatchError
from monitor.extract.availability import extract_claim
from monitor.store.availability import apply_set_change, open_codes
from monitor.store.changes import record_change
from monitor.store.known import claim_json
from monitor.store.models import ChangeRow, SnapshotRow
from monitor.types import Change, ChangeKind, Route, Severity, Source
from monitor.zipped import unzip


@dataclass(frozen=True, slots=True, kw_only=True)
class ReextractResult:
    snapshots: int
    claims_changed: int
    correction: ChangeRow | None


def reextract(session: Session, source: Source, *, routes: Sequence[Route], now: datetime) -> ReextractResult:
    """Recompute every snapshot's claim; correct the open set if the newest good claim differs."""
    spec = source.availability
    if spec is None:
        raise RegionwatchError(f"source {source.id!r} has no [source.availability] selector to re-run")
    changed, latest = 0, None
    snapshots = session.scalars(
        select(SnapshotRow).where(SnapshotRow.source_id == source.id).order_by(SnapshotRow.id)
    ).all()
    for snapshot in snapshots:
        claim = extract_claim(unzip(snapshot.raw_body), spec)
        stored = sorted((snapshot.claims or {}).get("codes", []))
        if stored != sorted(claim.codes):
            changed += 1
        rejected = reject_reason(claim, max_unmapped=spec.max_unmapped)
        complete = bool((snapshot.claims or {}).get("complete", True))
        snapshot.claims = {**claim_json(claim, complete=complete), **({"suspect": rejected[0]} if rejected else {})}
        if rejected is None:
            latest = (snapshot, claim)
    if latest is None:
        return ReextractResult(snapshots=len(snapshots), claims_changed=changed, correction=None)
    return ReextractResult(
        snapshots=len(snapshots),
        claims_changed=changed,
        correction=_correct(session, source, *latest, routes=routes, now=now),
    )


def _correct(
    session: Session, source: Source, snapshot: SnapshotRow, claim: object, *, routes: Sequence[Route], now: datetime
) -> ChangeRow | None:
    codes = frozenset(getattr(claim, "codes", frozenset()))
    previous = open_codes(session, source.provider, source.product_key) or frozenset()
    added, removed = diff_sets(previous, codes)
    if not added and not removed:
        return None
    change = Change(
        kind=ChangeKind.AVAILABILITY,
        source_id=source.id,
        provider=source.provider,
        product=source.product_key,
        added=added,
        removed=removed,
        severity=Severity.LOW,
        title=f"technical correction after re-extraction of {source.id}",
        url=source.url,
    )
    row = record_change(session, change, routes=routes, detected_at=now, to_snapshot_id=snapshot.id, correction=True)
    apply_set_change(
        session,
        provider=source.provider,
        product=source.product_key,
        added=added,
        removed=removed,
        valid_from=now,
        recorded_at=now,
        change_id=row.id,
        snapshot_id=snapshot.id,
    )
    return row
