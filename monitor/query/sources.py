"""Source health: per source, how its last fetch ended, its failure streak, suspicion, staleness, last change.

A source is stale when it has had no successful read for ``STALE_CADENCES`` of its own cadences:
"ok" must not be said of a fact last checked months ago.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from monitor.store import reads
from monitor.store.held import held_changes
from monitor.store.models import SourceRow

STALE_CADENCES = 3


def status(
    sessions: sessionmaker[Session], *, provider: str | None = None, now: datetime | None = None
) -> list[dict[str, Any]]:
    """One row per source of the current catalog, by provider and id (staleness judged when now is given)."""
    with sessions() as session:
        rows = reads.sources(session, provider=provider)
        latest = reads.latest_change_by_source(session, [r.id for r in rows])
        waiting = {v.source: v for v in held_changes(session)}
    result = []
    for row in rows:
        change = latest.get(row.id)
        result.append(
            {
                "id": row.id,
                "provider": row.provider,
                "product": row.product,
                "kind": row.kind,
                "url": row.url,
                "enabled": row.enabled,
                "health": health(row, now=now),
                "last_outcome": row.last_outcome,
                "every_seconds": row.every_seconds,
                "stale": is_stale(row, now),
                "last_fetch_at": row.last_fetch_at,
                "last_success_at": row.last_success_at,
                "consecutive_failures": row.consecutive_failures or 0,
                "failing_since": row.failing_since,
                "suspect": row.suspect_since is not None,
                "suspect_reason": row.suspect_reason,
                "suspect_since": row.suspect_since,
                "last_change_id": change.id if change else None,
                "last_change_at": change.detected_at if change else None,
                "last_change_title": change.title if change else None,
                "held_change_id": waiting[row.id].id if row.id in waiting else None,
                "held_reason": waiting[row.id].reason if row.id in waiting else None,
            }
        )
    return result


def health(row: SourceRow, *, now: datetime | None = None) -> str:
    """One word: disabled, suspect, failing, never fetched, stale or ok."""
    if not row.enabled:
        return "disabled"
    if row.suspect_since is not None:
        return "suspect"
    if row.consecutive_failures:
        return "failing"
    if row.last_fetch_at is None:
        return "never fetched"
    if is_stale(row, now):
        return "stale"
    return "ok"


def is_stale(row: SourceRow, now: datetime | None) -> bool:
    """No successful read within STALE_CADENCES of the source's cadence (unknown without a clock)."""
    if now is None or not row.enabled or row.last_fetch_at is None:
        return False
    last = row.last_success_at
    return last is None or now - last > timedelta(seconds=STALE_CADENCES * max(row.every_seconds, 60))


def product_freshness(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per product of one provider's status rows: when last checked, and what makes its facts doubtful."""
    found: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r["kind"] != "page" or not r["product"]:
            continue
        entry = found.setdefault(r["product"], {"last_checked": None, "warnings": []})
        if r["last_success_at"] and (entry["last_checked"] is None or r["last_success_at"] > entry["last_checked"]):
            entry["last_checked"] = r["last_success_at"]
        if r["suspect"]:
            entry["warnings"].append(
                f"source {r['id']} held as suspect ({r['suspect_reason'] or 'unknown reason'})"
                + (f" since {r['suspect_since']:%Y-%m-%d}" if r["suspect_since"] else "")
            )
        elif r["stale"]:
            last = f"{r['last_success_at']:%Y-%m-%d}" if r["last_success_at"] else "never"
            entry["warnings"].append(f"source {r['id']} is stale: last successful read {last}")
        elif r["health"] == "failing":
            entry["warnings"].append(f"source {r['id']} is failing ({r['consecutive_failures']} in a row)")
    return found
