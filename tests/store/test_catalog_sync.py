"""Catalog sync: entries upserted, removed entries kept with their history."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.sources.catalog import parse_catalog
from monitor.store.catalog import sync_sources
from monitor.store.engine import transaction
from monitor.store.models import FetchRow, SourceRow

ENTRY = """
[[source]]
id = "{id}"
kind = "page"
url = "https://example.com/{id}"
provider = "example"
every = "{every}"
"""


def catalog(*entries: tuple[str, str]):  # type: ignore[no-untyped-def]
    return parse_catalog("".join(ENTRY.format(id=i, every=e) for i, e in entries), origin="t")


def test_sync_adds_updates_and_marks_removed(sessions: sessionmaker[Session]) -> None:
    factory = sessions
    t0, t1, t2 = (datetime(2025, 1, d, tzinfo=UTC) for d in (1, 2, 3))
    with transaction(factory) as s:
        result = sync_sources(s, catalog(("a", "6h"), ("b", "1h")), now=t0)
    assert result.added == ("a", "b")
    with transaction(factory) as s:
        s.add(FetchRow(source_id="b", started_at=t0, finished_at=t0, outcome="changed"))
    with transaction(factory) as s:
        result = sync_sources(s, catalog(("a", "2h")), now=t1)
    assert result.updated == ("a",) and result.removed == ("b",)
    with factory() as s:
        b = s.get(SourceRow, "b")
        assert b is not None and b.removed_at == t1 and not b.enabled
        assert s.scalars(select(FetchRow).where(FetchRow.source_id == "b")).all()
    with transaction(factory) as s:
        result = sync_sources(s, catalog(("a", "2h"), ("b", "1h")), now=t2)
    assert result.updated == ("b",) and result.added == ()
    with factory() as s:
        b = s.get(SourceRow, "b")
        assert b is not None and b.removed_at is None and b.enabled
