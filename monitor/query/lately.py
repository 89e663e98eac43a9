"""What changed lately: a window of changes up to a moment, filtered, with notices and held changes apart."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from monitor.query.history import change_dict
from monitor.store import held as store_held
from monitor.store.changes import list_changes
from monitor.store.models import HeldStatus
from monitor.types import ChangeKind

WINDOWS = {"7d": timedelta(days=7), "30d": timedelta(days=30), "90d": timedelta(days=90)}
DEFAULT_WINDOW = "30d"


def recent(
    sessions: sessionmaker[Session],
    *,
    since: datetime,
    until: datetime,
    kind: str | None = None,
    provider: str | None = None,
    country: str | None = None,
    min_severity: int | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Changes detected in (since, until], newest first: user-facing ones and operator notices apart."""
    with sessions() as session:
        rows = [
            change_dict(r)
            for r in list_changes(session, since=since, kind=kind, provider=provider)
            if r.detected_at <= until
        ]
    if country is not None:
        rows = [r for r in rows if country in (*r["added"], *r["removed"], *r["countries"])]
    if min_severity is not None:
        rows = [r for r in rows if r["severity"] >= min_severity]
    notices = [r for r in rows if r["kind"] == ChangeKind.OPERATOR.value]
    return {
        "changes": [r for r in rows if r["kind"] != ChangeKind.OPERATOR.value],
        "notices": notices,
        "held": held_changes(sessions, until=until),
    }


def held_changes(sessions: sessionmaker[Session], *, until: datetime) -> list[dict[str, Any]]:
    """Set changes held (for a confirming read or a person) at ``until``, newest first: first seen
    by then and not yet resolved by then (``regionwatch held list``)."""
    with sessions() as session:
        views = store_held.held_changes(session, status=None)
    return [
        {
            "id": v.id,
            "provider": v.provider,
            "product": v.product,
            "added": list(v.added),
            "removed": list(v.removed),
            "reason": v.reason,
            "damage": v.damage,
            "held_since": v.first_seen,
        }
        for v in views
        if v.first_seen <= until and _unresolved(v, until)
    ]


def _unresolved(view: store_held.HeldView, until: datetime) -> bool:
    return view.status == HeldStatus.HELD or (view.resolved_at is not None and view.resolved_at > until)
