"""News items: feed entries de-duplicated by (source, entry key); an edited entry is not new."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from monitor.chunked import chunked
from monitor.store.models import NewsItemRow
from monitor.types import FeedEntry

_CHUNK = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class NewsRecorded:
    """The ids of the items a feed fetch added, and of those whose content it changed."""

    new: tuple[int, ...] = ()
    edited: tuple[int, ...] = ()


def record_entries(
    session: Session, source_id: str, entries: Sequence[FeedEntry], *, bozo: bool, now: datetime
) -> NewsRecorded:
    """Insert unseen entries, count edits of seen ones, move last_seen of the rest."""
    unique: dict[str, FeedEntry] = {}
    for entry in entries:
        unique.setdefault(entry.key, entry)
    entries = list(unique.values())
    known = _known(session, source_id, [e.key for e in entries])
    fresh = [e for e in entries if e.key not in known]
    edited = [e for e in entries if e.key in known and known[e.key][1] != e.content_hash]
    seen = [known[e.key][0] for e in entries if e.key in known and known[e.key][1] == e.content_hash]
    new_ids = _insert(session, source_id, fresh, bozo=bozo, now=now)
    if edited:
        session.execute(update(NewsItemRow), [_edit(known[e.key], e, now) for e in edited])
    for chunk in chunked(seen, _CHUNK):
        session.execute(
            update(NewsItemRow)
            .where(NewsItemRow.id.in_(chunk))
            .values(last_seen=now)
            .execution_options(synchronize_session=False)
        )
    return NewsRecorded(new=tuple(new_ids), edited=tuple(known[e.key][0] for e in edited))


def _known(session: Session, source_id: str, keys: list[str]) -> dict[str, tuple[int, str, int]]:
    """(id, content_hash, edits) of the entries already stored, by key."""
    found: dict[str, tuple[int, str, int]] = {}
    for chunk in chunked(keys, _CHUNK):
        rows = session.execute(
            select(NewsItemRow.entry_key, NewsItemRow.id, NewsItemRow.content_hash, NewsItemRow.edits).where(
                NewsItemRow.source_id == source_id, NewsItemRow.entry_key.in_(chunk)
            )
        )
        found.update({key: (ident, digest, edits) for key, ident, digest, edits in rows})
    return found


def _insert(session: Session, source_id: str, entries: list[FeedEntry], *, bozo: bool, now: datetime) -> list[int]:
    if not entries:
        return []
    rows = [
        {
            "source_id": source_id,
            "entry_key": e.key,
            "link": e.link,
            "title": e.title,
            "summary": e.summary,
            "content_hash": e.content_hash,
            "language": e.language,
            "published_at": e.published or now,
            "published_guessed": e.published is None,
            "first_seen": now,
            "last_seen": now,
            "edits": 0,
            "bozo": bozo,
        }
        for e in entries
    ]
    statement = insert(NewsItemRow).returning(NewsItemRow.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows))


def _edit(known: tuple[int, str, int], entry: FeedEntry, now: datetime) -> dict[str, Any]:
    ident, _digest, edits = known
    return {
        "id": ident,
        "link": entry.link,
        "title": entry.title,
        "summary": entry.summary,
        "content_hash": entry.content_hash,
        "edits": edits + 1,
        "edited_at": now,
        "last_seen": now,
    }
