"""Real pages replayed in order through detection (shared/realdata; skipped when absent).

The four Anthropic copies (2025-05-02 → 2026-01-14) and the two Gemini copies differ in
navigation, indentation, apostrophes and bullets, not in countries: zero availability changes.
The Gemini pair is one text change (the page's text really moved), which alerts nobody.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.detect.normalize import content_hash, normalize_text, quick_hash
from monitor.sources.catalog import load_catalog
from monitor.store.availability import open_codes
from monitor.store.catalog import sync_sources
from monitor.store.detections import PageObservation, apply_page
from monitor.store.engine import transaction
from monitor.store.models import AlertRow, ChangeRow, SnapshotRow
from monitor.types import Source
from tests.sources.test_bundled_catalog import anthropic_layout, devsite_layout

T0 = datetime(2025, 5, 2, tzinfo=UTC)
ANTHROPIC = ["anthropic__swilliams__88a217c.html", "anthropic__swilliams__969a700.html",
             "anthropic__pocketllm__530233f.md", "anthropic__xiqi__098160d.md"]
GEMINI = ["gemini__codephreak__07dfb33.md", "gemini__drsnuggles__5c235bd.md"]


def _replay(sessions: sessionmaker[Session], source: Source, pages: list[bytes]) -> list[ChangeRow]:
    catalog = load_catalog()
    with transaction(sessions) as s:
        sync_sources(s, catalog, now=T0)
    changes: list[ChangeRow] = []
    previous: tuple[int, str] | None = None
    for step, body in enumerate(pages):
        at = T0 + timedelta(days=30 * step)
        text = normalize_text(body, content_type="text/html", ignore=source.ignore)
        with transaction(sessions) as s:
            snap = SnapshotRow(source_id=source.id, content_hash=content_hash(text), raw_hash=quick_hash(body),
                               raw_body=zlib.compress(body), text=text, first_seen=at, last_seen=at)
            s.add(snap)
            s.flush()
            changes += apply_page(s, PageObservation(
                source=source, snapshot_id=snap.id, body=body, text=text, observed_at=at,
                previous_snapshot_id=previous[0] if previous else None,
                previous_text=previous[1] if previous else None), routes=catalog.routes)
            previous = (snap.id, text)
    return changes


def _page(realdata: Path, name: str, layout) -> bytes:  # type: ignore[no-untyped-def]
    raw = (realdata / "availability" / name).read_text("utf-8")
    return raw.encode() if name.endswith(".html") else layout(raw).encode()


def test_anthropic_four_copies_zero_availability_changes(realdata: Path, sessions: sessionmaker[Session]) -> None:
    source = load_catalog().by_id()["anthropic-api-regions"]
    changes = _replay(sessions, source, [_page(realdata, n, anthropic_layout) for n in ANTHROPIC])
    assert [c for c in changes if c.kind != "text"] == []
    with sessions() as s:
        codes = open_codes(s, source.provider, source.product_key)
        assert codes is not None and len(codes) == 175
        assert s.scalar(select(func.count()).select_from(AlertRow)) == 0


def test_gemini_pair_one_text_change_no_availability_change(realdata: Path, sessions: sessionmaker[Session]) -> None:
    source = load_catalog().by_id()["gemini-api-regions"]
    changes = _replay(sessions, source, [_page(realdata, n, devsite_layout) for n in GEMINI])
    assert [(c.kind, c.severity) for c in changes] == [("text", 10)]
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AlertRow)) == 0
