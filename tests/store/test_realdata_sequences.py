"""Real pages replayed in order through detection (shared/realdata; skipped when absent).

The four Anthropic copies (2025-05-02 → 2026-01-14) and the two Gemini copies differ in
navigation, indentation, apostrophes and bullets, not in countries: zero availability changes.
The Gemini pair is one text change (the page's text really moved), which alerts nobody.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.sources.catalog import load_catalog
from monitor.store.availability import open_codes
from monitor.store.models import AlertRow, ChangeRow
from monitor.types import Source
from tests.replay import Replayer
from tests.sources.test_bundled_catalog import anthropic_layout, devsite_layout

T0 = datetime(2025, 5, 2, tzinfo=UTC)
ANTHROPIC = [
    "anthropic__swilliams__88a217c.html",
    "anthropic__swilliams__969a700.html",
    "anthropic__pocketllm__530233f.md",
    "anthropic__xiqi__098160d.md",
]
GEMINI = ["gemini__codephreak__07dfb33.md", "gemini__drsnuggles__5c235bd.md"]


def _replay(sessions: sessionmaker[Session], source: Source, pages: list[bytes]) -> list[ChangeRow]:
    """Each page read (and re-read, as a crawl confirms) 30 days after the one before."""
    replayer = Replayer(sessions, catalog=load_catalog(), source=source)
    changes: list[ChangeRow] = []
    for step, body in enumerate(pages):
        changes += replayer.observe(body, T0 + timedelta(days=30 * step))
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
