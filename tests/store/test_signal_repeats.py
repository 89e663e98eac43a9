"""One event, many reports: a signal that repeats an alerted one is kept, and alerts nobody.

The OpenAI notice of June 2024 reached developers from OpenAI itself and then from the press
in Chinese and Indonesian. Each report reads as the same signal (openai, block, CN HK MO,
effective 2024-07-09); only the first is a change with alerts. A report that adds a country or
another date, or comes from another provider, is news and alerts. (Item texts written here.)
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.announcements import observe_news
from monitor.sources.catalog import parse_catalog
from monitor.store.catalog import sync_sources
from monitor.store.engine import transaction
from monitor.store.models import AlertRow, ChangeRow, NewsItemRow
from monitor.store.news import record_entries
from monitor.types import FeedEntry

CATALOG = parse_catalog(
    """
[[source]]
id = "openai-news"
kind = "feed"
url = "https://openai.example/news.xml"
provider = "openai"

[[source]]
id = "press-zh"
kind = "feed"
url = "https://press.example/zh.xml"
provider = "press"
language = "zh"

[[source]]
id = "press-id"
kind = "feed"
url = "https://press.example/id.xml"
provider = "press"
language = "id"
""",
    origin="test",
)
SOURCES = CATALOG.by_id()
T0 = datetime(2024, 6, 25, 18, tzinfo=UTC)

NOTICE = (
    "OpenAI will block API traffic from unsupported regions from July 9",
    "API requests from regions OpenAI does not support, including mainland China, Hong Kong and "
    "Macau, will be blocked from 9 July 2024.",
)
ZH = (
    "OpenAI 将于7月9日起阻止来自不支持地区的API访问",
    "OpenAI 通知开发者：自2024年7月9日起，将封锁来自中国大陆、香港和澳门的 API 流量。",
)
ID = (
    "OpenAI akan memblokir akses API dari China mulai 9 Juli",
    "Mulai 9 Juli 2024 lalu lintas API dari China, Hong Kong dan Makau akan diblokir OpenAI.",
)
WIDER = (
    "OpenAI will block API traffic from Russia and Iran from July 9",
    "API requests from Russia and Iran will be blocked from 9 July 2024.",
)


def _entry(title: str, text: str, published: datetime) -> FeedEntry:
    digest = hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()
    return FeedEntry(
        key=digest[:16],
        link=f"https://example.org/{digest[:8]}",
        title=title,
        summary=text,
        published=published,
        content_hash=digest,
    )


def _read(sessions: sessionmaker[Session], source_id: str, item: tuple[str, str], at: datetime) -> list[int]:
    """A fetch of one feed that brings one new item; the ids of the changes it records."""
    with transaction(sessions) as s:
        recorded = record_entries(s, source_id, [_entry(*item, at)], bozo=False, now=at)
        changes = observe_news(s, SOURCES[source_id], recorded.new, now=at, routes=())
        return [c.id for c in changes]


def _setup(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        sync_sources(s, CATALOG, now=T0)


def test_reports_of_one_event_alert_once(sessions: sessionmaker[Session]) -> None:
    _setup(sessions)
    first = _read(sessions, "openai-news", NOTICE, T0)
    assert len(first) == 1
    assert _read(sessions, "press-zh", ZH, T0 + timedelta(hours=14)) == []
    assert _read(sessions, "press-id", ID, T0 + timedelta(days=2)) == []
    with sessions() as s:
        change = s.get(ChangeRow, first[0])
        assert change is not None and change.provider == "openai" and change.action == "block"
        assert change.effective_date is not None and change.effective_date.isoformat() == "2024-07-09"
        assert set(change.countries) == {"CN", "HK", "MO"}
        assert s.scalar(select(func.count()).select_from(ChangeRow)) == 1
        assert s.scalar(select(func.count()).select_from(AlertRow)) == 1
        echoes = s.scalars(select(NewsItemRow).where(NewsItemRow.source_id.in_(["press-zh", "press-id"]))).all()
        assert [(e.signal or {}).get("repeats_change") for e in echoes] == [first[0], first[0]]
        assert {(e.signal or {}).get("effective_date") for e in echoes} == {"2024-07-09"}


def test_a_report_that_adds_something_is_news(sessions: sessionmaker[Session]) -> None:
    _setup(sessions)
    assert len(_read(sessions, "openai-news", NOTICE, T0)) == 1
    assert len(_read(sessions, "press-zh", WIDER, T0 + timedelta(days=1))) == 1  # new countries


def test_the_same_words_a_season_later_are_a_new_event(sessions: sessionmaker[Session]) -> None:
    _setup(sessions)
    assert len(_read(sessions, "openai-news", NOTICE, T0)) == 1
    assert len(_read(sessions, "press-id", ID, T0 + timedelta(days=45))) == 1  # past the window


OWNERSHIP_MONTH = (
    "Anthropic to stop serving companies majority-owned by Chinese entities from September 2025",
    "Anthropic will no longer sell Claude to companies more than 50% owned by entities in China, "
    "starting September 2025.",
)


def test_a_month_and_an_ownership_scope_are_stored_as_read(sessions: sessionmaker[Session]) -> None:
    """The store keeps what the reader said: a month is a month (not the 1st), and a restriction
    on owners is not one on China's traffic. Migration 0004 gives the columns; both backends."""
    _setup(sessions)
    (change_id,) = _read(sessions, "press-id", OWNERSHIP_MONTH, T0)
    with sessions() as s:
        change = s.get(ChangeRow, change_id)
        assert change is not None and change.provider == "anthropic" and change.countries == ["CN"]
        assert change.effective_date is not None and change.effective_date.isoformat() == "2025-09-01"
        assert (change.effective_precision, change.scope) == ("month", "ownership")
        assert change.diff is not None and change.diff["evidence"]  # the words that made it
        item = s.scalars(select(NewsItemRow).where(NewsItemRow.source_id == "press-id")).one()
        assert (item.signal or {}).get("effective_precision") == "month"
        assert (item.signal or {}).get("scope") == "ownership"
