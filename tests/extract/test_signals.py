"""Signals from news items: self-describing fixtures, real data, robustness and speed."""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.extract.countries import find_countries
from monitor.extract.dates import load_terms
from monitor.extract.providers import UNSUPPORTED_REGIONS, match_providers
from monitor.extract.signals import (
    CJK,
    LATIN,
    MAX_TEXT,
    MAX_TITLE,
    RESTRICTIVE,
    WIDENING,
    detect_language,
    extract_signal,
)
from monitor.types import Signal

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "news"
ANTHROPIC_FEED = "feeds/anthropic-news-olshansk/feed_anthropic_news@2025-10-05b_30512d44.xml"
KNOWN_HEADERS = frozenset(
    {
        "description",
        "expect",
        "expect-providers",
        "expect-countries",
        "expect-groups",
        "expect-action",
        "expect-effective",
        "expect-language",
        "expect-min-relevance",
        "expect-max-relevance",
        "published",
        "language",
        "default-provider",
        "url",
    }
)


@dataclass(frozen=True)
class NewsCase:
    """One fixture: header fields, then a title line and a body."""

    headers: dict[str, str]
    title: str
    text: str

    @classmethod
    def load(cls, path: Path) -> NewsCase:
        head, separator, rest = path.read_text(encoding="utf-8").partition("\n---\n")
        assert separator, f"{path.name}: no '---' line between header and item"
        headers: dict[str, str] = {}
        for line in head.splitlines():
            key, colon, value = line.removeprefix("#").partition(":")
            if colon and not line.startswith("#   "):
                headers[key.strip()] = value.strip()
        title, _, text = rest.partition("\n")
        return cls(headers, title, text)

    def run(self) -> Signal | None:
        published = self.headers.get("published")
        return extract_signal(
            title=self.title,
            text=self.text,
            published=datetime.fromisoformat(published) if published else None,
            url=self.headers.get("url"),
            language=self.headers.get("language"),
            default_provider=self.headers.get("default-provider"),
        )


CASES = sorted(FIXTURES.glob("*.txt"))


def test_fixture_corpus_is_big_enough_and_well_formed() -> None:
    assert len(CASES) >= 15
    negatives = 0
    for path in CASES:
        case = NewsCase.load(path)
        assert set(case.headers) <= KNOWN_HEADERS, f"{path.name}: unknown header"
        assert "description" in case.headers and "published" in case.headers, path.name
        if case.headers.get("expect") == "none":
            negatives += 1
        else:
            assert {"expect-providers", "expect-countries", "expect-action"} <= set(case.headers)
    assert negatives >= 5


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_fixture(path: Path) -> None:
    case = NewsCase.load(path)
    expect = case.headers
    signal = case.run()
    if expect.get("expect") == "none":
        assert signal is None, f"{path.name}: expected no signal, got {signal}"
        return
    assert signal is not None, f"{path.name}: expected a signal"
    assert set(signal.providers) == set(expect["expect-providers"].split())
    assert set(signal.countries) == set(expect["expect-countries"].split())
    assert signal.action == expect["expect-action"]
    assert set(signal.groups) == set(expect.get("expect-groups", "").split())
    if "expect-effective" in expect:
        wanted = expect["expect-effective"]
        assert signal.effective_date == (None if wanted == "none" else date.fromisoformat(wanted))
    if "expect-language" in expect or "language" in expect:
        assert signal.language == expect.get("expect-language", expect.get("language"))
    assert float(expect.get("expect-min-relevance", 0)) <= signal.relevance
    assert signal.relevance <= float(expect.get("expect-max-relevance", 1))
    assert signal.title == case.title.strip()


# --- real data -----------------------------------------------------------------------------------


def _idx_article(realdata: Path) -> tuple[str, str]:
    text = (realdata / "news" / "idxchannel-2024-06-27-openai-china-id.txt").read_text("utf-8")
    title = next(line for line in text.splitlines()[1:] if line.strip())
    return title, text


def test_indonesian_article_on_openai_cutting_off_china(realdata: Path) -> None:
    title, text = _idx_article(realdata)
    published = datetime(2024, 6, 27, 11, 1, tzinfo=timezone(timedelta(hours=7)))
    signal = extract_signal(title=title, text=text, published=published)
    assert signal is not None
    assert signal.providers == ("openai",)
    assert "CN" in signal.countries
    assert signal.action in RESTRICTIVE
    assert signal.language == "id"
    # The article says "mulai Juli 2024" (from July 2024) and never names the day; a month alone
    # resolves to its first day, the earliest the cut-off can apply. 9 July is not in the text.
    assert signal.effective_date is not None
    assert (signal.effective_date.year, signal.effective_date.month) == (2024, 7)
    assert signal.relevance >= 0.9


def _feed_signals(realdata: Path) -> dict[str, Signal]:
    feed = feedparser.parse(str(realdata / ANTHROPIC_FEED))
    assert len(feed.entries) == 184
    found: dict[str, Signal] = {}
    for entry in feed.entries:
        published = datetime.fromtimestamp(calendar.timegm(entry.published_parsed), UTC)
        signal = extract_signal(
            title=entry.title,
            text=entry.get("summary", ""),
            published=published,
            url=entry.link,
            default_provider="anthropic",
        )
        if signal is not None:
            found[entry.title] = signal
    return found


def test_anthropic_restriction_item_in_real_feed(realdata: Path) -> None:
    signal = _feed_signals(realdata)["Updating restrictions of sales to unsupported regions"]
    assert signal.providers == ("anthropic",)
    assert "CN" in signal.countries
    assert signal.action == "restrict"
    assert signal.url == "https://www.anthropic.com/news/updating-restrictions-of-sales-to-unsupported-regions"


def test_only_access_items_of_real_feed_are_signals(realdata: Path) -> None:
    """4 of 184 items: one restriction and three openings; funding, models, features, policy
    essays, hires, and government or country-named items without an access action are not."""
    found = _feed_signals(realdata)
    assert {title: s.action for title, s in found.items()} == {
        "Updating restrictions of sales to unsupported regions": "restrict",
        "Claude is now available in Europe": "available",
        "Introducing Claude to Canada": "launch",
        "Claude is now available in Brazil": "available",
    }
    assert found["Introducing Claude to Canada"].countries == ("CA",)
    assert found["Claude is now available in Brazil"].countries == ("BR",)
    restriction = found["Updating restrictions of sales to unsupported regions"]
    assert all(restriction.relevance > s.relevance for s in found.values() if s is not restriction)
    # The near misses: a country, a region or an access word, but no access to a place.
    near_misses = [
        "Anthropic signs MOU with UK Government to explore how AI can transform UK public services",
        "Offering expanded Claude access across all three branches of the U.S. government",
        "Expanding access to Claude for government",
        "Claude Gov models for U.S. national security customers",
        "Anthropic appoints Hidetoshi Tojo as Head of Japan and announces hiring plans",
        "Anthropic appoints Guillaume Princen as Head of EMEA and announces 100+ new roles across the region",
        "Anthropic to sign the EU Code of Practice",
        "Claude is now available in Microsoft 365 Copilot",
        "Claude on Amazon Bedrock now available to every AWS customer",
        "Securing America's compute advantage: Anthropic’s position on the diffusion rule",
        "Anthropic expands global leadership in enterprise AI, naming Chris Ciauri as Managing Director "
        "of International",
        "Anthropic partners with Menlo Ventures to launch Anthology Fund",
    ]
    assert not set(near_misses) & set(found)


@pytest.mark.parametrize(
    ("provider", "copy"),
    [
        ("openai", "openai__piercecohen1__3e48887.md"),
        ("anthropic", "anthropic__xiqi__098160d.md"),
        ("google", "gemini__drsnuggles__5c235bd.md"),
    ],
)
def test_unsupported_regions_are_absent_from_the_providers_own_lists(realdata: Path, provider: str, copy: str) -> None:
    """The stand-in for "unsupported regions" holds only countries the provider does not list."""
    page = (realdata / "availability" / copy).read_text(encoding="utf-8")
    listed = set(find_countries(page))
    assert len(listed) > 150
    assert not listed & set(UNSUPPORTED_REGIONS[provider])


# --- smaller units -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("OpenAI and ChatGPT", ("openai",)),
        ("Azure OpenAI Service", ("microsoft",)),
        ("Claude, then Gemini, then Llama", ("anthropic", "google", "meta")),
        ("a meta-analysis of llama herds", ()),
        ("Meta-analysis", ()),
        ("百度文心一言与阿里通义千问", ("baidu", "alibaba")),
        ("DeepSeek和Mistral", ("deepseek", "mistral")),
        ("GPT-4-turbo dan Copilot", ("openai", "microsoft")),
        ("the open AI ecosystem", ()),
        ("ERNIE Bot", ("baidu",)),
        ("Qwen2.5", ("alibaba",)),
    ],
)
def test_match_providers(text: str, expected: tuple[str, ...]) -> None:
    assert match_providers(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("OpenAI将于7月9日起封锁来自中国大陆的API流量", "zh"),
        ("OpenAI akan memblokir akses dari Tiongkok mulai 9 Juli", "id"),
        ("OpenAI will block access from China starting July 9", "en"),
        ("", "en"),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_default_provider_only_when_item_names_none() -> None:
    published = datetime(2024, 6, 25, tzinfo=UTC)
    named = extract_signal(
        title="Claude is now available in Brazil", text="", published=published, default_provider="openai"
    )
    bare = extract_signal(title="Now available in Brazil", text="", published=published, default_provider="openai")
    assert named is not None and named.providers == ("anthropic",)
    assert bare is not None and bare.providers == ("openai",)
    assert named.relevance > bare.relevance
    assert extract_signal(title="Now available in Brazil", text="", published=None) is None


def test_no_access_action_no_signal() -> None:
    assert extract_signal(title="OpenAI opens an office in Singapore", text="", published=None) is None


def test_relevance_ranks_restriction_with_everything_first() -> None:
    published = datetime(2024, 6, 25, tzinfo=UTC)
    full = extract_signal(title="OpenAI to block API access from China starting July 9", text="", published=published)
    undated = extract_signal(title="OpenAI to block API access from China", text="", published=published)
    regional = extract_signal(title="OpenAI to block API access from unsupported regions", text="", published=published)
    launch = extract_signal(title="Gemini now available in Europe", text="", published=published)
    assert full and undated and regional and launch
    assert full.relevance == 1.0
    assert full.relevance > undated.relevance > launch.relevance
    assert undated.relevance > regional.relevance
    assert launch.action in WIDENING and launch.relevance <= 0.5


def test_vocabulary_covers_the_issue() -> None:
    """Every term the issue asks for is read as an action of the right direction."""
    published = datetime(2024, 6, 25, tzinfo=UTC)
    reducing = [
        "block",
        "cut off",
        "restrict",
        "suspend",
        "withdraw",
        "ban",
        "no longer available",
        "封锁",
        "限制",
        "停止服务",
        "不再支持",
        "禁止",
        "暂停",
        "blokir",
        "memblokir",
        "memutus akses",
        "membatasi",
        "pembatasan",
        "menghentikan",
    ]
    widening = [
        "OpenAI launch in Japan",
        "OpenAI expand to Japan",
        "OpenAI now available in Japan",
        "OpenAI在香港推出",
        "OpenAI在香港上线",
        "OpenAI向香港用户开放",
        "OpenAI tersedia di Indonesia",
        "OpenAI meluncurkan layanan di Indonesia",
    ]
    for term in reducing:
        signal = extract_signal(title=f"OpenAI {term} China", text="", published=published)
        assert signal is not None and signal.action in RESTRICTIVE, term
    for title in widening:
        signal = extract_signal(title=title, text="", published=published)
        assert signal is not None and signal.action in WIDENING, title
    assert extract_signal(title="OpenAI unsupported regions", text="", published=published) is not None


def test_vocabulary_file_is_well_formed() -> None:
    terms = load_terms()
    assert set(terms["actions"]) == RESTRICTIVE | WIDENING
    for table in terms["actions"].values():
        assert set(table) == {*LATIN, *CJK}, "every language names every action"
    for name, table in terms["cues"].items():
        assert {*LATIN, "zh", "ja", "ko"} <= set(table), f"every language has {name} cues"


# --- robustness and speed ------------------------------------------------------------------------

_WORDS = [
    "OpenAI",
    "Claude",
    "block",
    "China",
    "中国",
    "封锁",
    "7月9日起",
    "starting",
    "July",
    "9",
    "mulai",
    "Juli",
    "in",
    "di",
    "regions",
    "地区",
    "available",
    "tersedia",
    "(",
    "—",
    "effective immediately",
    "from",
    "2024",
    "Tiongkok",
    "\n",
    ".",
    "。",
    "ban",
    "오픈AI",
    "중국",
    "차단하지 않는다",
    "オープンAI",
    "遮断",
    "しない",
    "sperrt",
    "nicht",
    "bloque",
    "pas",
    "l'Italie",
    "bloqueia",
    "não",
    "EU",
    "欧盟",
    "Chinese",
    "owned",
    "reportedly",
    "从7月起",
    "7월부터",
    "ab Juli 2024",
    "…",
]
_texts = st.one_of(
    st.text(max_size=300), st.lists(st.sampled_from(_WORDS) | st.text(max_size=8), max_size=40).map(" ".join)
)
_published = st.one_of(st.none(), st.datetimes(timezones=st.just(UTC)))


#: The cap on one item: text is cut at MAX_TITLE and MAX_TEXT so that hostile text costs at most
#: about 0.1 s; the deadline leaves room for a loaded machine, not for a regression to seconds.
CAP = timedelta(seconds=1)
extract_signal(title="OpenAI blocks China", text="", published=None)  # the caches, before the clock


@settings(max_examples=300, deadline=CAP)
@given(
    title=_texts,
    text=_texts,
    published=_published,
    language=st.sampled_from([None, "en", "zh", "zh-Hant", "id", "ja", "ko", "de", "fr", "es", "pt", "xx"]),
    default=st.sampled_from([None, "openai"]),
)
def test_extract_signal_never_crashes(
    title: str, text: str, published: datetime | None, language: str | None, default: str | None
) -> None:
    signal = extract_signal(title=title, text=text, published=published, language=language, default_provider=default)
    if signal is not None:
        assert signal.providers and signal.action in RESTRICTIVE | WIDENING
        assert 0.0 <= signal.relevance <= 1.0


def test_the_longest_hostile_item_is_read_within_the_cap() -> None:
    """Every vocabulary word, repeated to the length limits: a signal or none, inside the cap."""
    words = " ".join(w for w in _WORDS if w != "reportedly")  # a rumour would end the reading early
    for title, text in (
        ("OpenAI blocks China", (words + "\n") * (MAX_TEXT // len(words) + 2)),  # many sentences
        ("OpenAI blocks China", (words + " ") * (MAX_TEXT // len(words) + 2)),  # few, long ones
        ((words * 40)[: MAX_TITLE * 2], words),
    ):
        start = time.perf_counter()
        extract_signal(title=title, text=text, published=datetime(2024, 6, 25, tzinfo=UTC))
        assert time.perf_counter() - start < CAP.total_seconds()


@pytest.mark.parametrize(
    ("title", "countries", "effective"),
    [
        # a weekday in brackets between the day and its suffix: 9日(火)以降
        ("オープンAI、中国からのアクセスを7月9日(火)以降ブロック", ("CN",), date(2024, 7, 9)),
        # continuity inside the action's own words (无法继续使用) does not undo it
        ("自7月9日起，中国用户无法继续使用ChatGPT", ("CN",), date(2024, 7, 9)),
        # brackets among the words that describe the provider: its home is no place acted on
        ("한국, 중국 인공지능(AI) 스타트업 딥시크 다운로드 중단", ("KR",), None),
    ],
)
def test_forms_met_in_real_published_news(title: str, countries: tuple[str, ...], effective: date | None) -> None:
    """Forms that real articles found with the search tool use (sentences written here)."""
    signal = extract_signal(title=title, text="", published=datetime(2024, 6, 26, tzinfo=UTC))
    assert signal is not None and signal.action in RESTRICTIVE
    assert signal.countries == countries and signal.effective_date == effective
