"""The digest's sections and rendering: a replayed week in, escaped text and HTML out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.errors import ConfigError, RegionwatchError
from monitor.notify.digest import (
    MAX_DIFF_LINE,
    MAX_DIFF_LINES,
    MAX_TITLE,
    Digest,
    Reader,
    RenderedDigest,
    SignalItem,
    TextItem,
    _country,
    country_news,
    excerpt,
    gather,
    last_complete_period,
    one_line,
    parse_period,
    readers,
    render,
    safe_url,
    zone,
)
from tests.notify.digest_week import DIGEST_CATALOG, HOSTILE_URL, OTHER, READER, WEEK, fill_week

UTC_ZONE = zone("UTC")


@pytest.fixture
def digest(sessions: sessionmaker[Session]) -> Digest:
    fill_week(sessions)
    with sessions() as session:
        return gather(session, parse_period(WEEK, UTC_ZONE), UTC_ZONE)


def _reader(address: str) -> Reader:
    (reader,) = readers([address], DIGEST_CATALOG.routes)
    return reader


def test_sections_hold_the_week_and_only_the_week(digest: Digest) -> None:
    (acme,) = digest.availability
    (change,) = acme.changes
    assert acme.provider == "acme" and change.product == "api"
    assert [c.code for c in change.removed] == ["HK", "MO"] and [c.code for c in change.added] == ["VN"]
    assert change.effective == "2024-07-09" and change.seen == date(2024, 7, 9)
    assert change.removed[0].name == "Hong Kong SAR China" and change.removed[0].flag == "🇭🇰"
    (signal,) = digest.signals  # the W29 signal is not in W28's digest
    assert signal.action == "block" and [c.code for c in signal.countries] == ["CN", "HK"]
    assert signal.url is None  # javascript: is never kept as a link
    (text,) = digest.texts  # the W27 cosmetic edit is not either
    assert text.source_id == "acme-api" and text.seen == date(2024, 7, 8)
    assert any("<script>alert(1)</script>" in line for line in text.excerpt)
    health = {(h.source_id, h.problem) for h in digest.health}
    assert health == {("acme-api", "suspect"), ("acme-news", "failing")}


class _Tags(HTMLParser):
    """Every tag and attribute of a document, as a browser's tokenizer would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes += [(name, value or "") for name, value in attrs]


def test_untrusted_text_never_reaches_the_html_raw(digest: Digest) -> None:
    rendered = render(digest, _reader(READER))
    html = rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown, as text
    assert "&lt;img src=x onerror=alert(2)&gt;" in html and "HK &amp; CN" in html
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert HOSTILE_URL not in html and "javascript:" not in html.lower()
    parsed = _Tags()
    parsed.feed(html)
    assert parsed.tags <= {
        "html",
        "head",
        "meta",
        "title",
        "body",
        "h1",
        "h2",
        "h3",
        "p",
        "ul",
        "li",
        "span",
        "strong",
        "br",
        "a",
        "pre",
        "code",
    }
    assert not [name for name, _ in parsed.attributes if name.startswith("on")]
    hrefs = [value for name, value in parsed.attributes if name == "href"]
    assert hrefs and all(h.startswith("https://acme.example/") for h in hrefs)
    assert "<style" not in html and 'style="' in html  # CSS inlined
    assert HOSTILE_URL not in rendered.text  # the plain part shows no such link either


def test_sections_render_in_both_parts(digest: Digest) -> None:
    rendered = render(digest, _reader(READER))
    assert rendered.subject == f"Regionwatch weekly digest {WEEK}: 1 availability change, 1 signal"
    for part in (rendered.text, rendered.html):
        for needle in (
            "Vietnam",
            "Macao SAR China",
            "effective 2024-07-09",
            "acme-news",
            "failing since 2024-07-12",
            "suspect since 2024-07-11",
            "2024-07-08 to 2024-07-14",
        ):
            assert needle in part, (needle, part)
    assert "next week's news" not in rendered.text


def test_your_countries_come_from_the_routes_naming_the_address(digest: Digest) -> None:
    ops = _reader(READER)
    assert ops.countries == ("CN", "HK", "VN")  # two routes, one spelling the address in capitals
    text = render(digest, ops).text
    mine = text.split("YOUR COUNTRIES")[1].split("AVAILABILITY CHANGES")[0]
    assert "Hong Kong SAR China (HK): acme no longer listed (api); effective 2024-07-09" in mine
    assert "Vietnam (VN): acme newly listed (api)" in mine and "China (CN): acme announced: block" in mine
    assert "Macao" not in mine
    assert "No countries are subscribed for cfo@example.com" in render(digest, _reader(OTHER)).text
    assert "YOUR COUNTRIES" not in render(digest, None).text
    everywhere = Reader(address="all@example.com", everywhere=True)  # a route without a country filter
    assert {n.country.code for n in country_news(digest, everywhere)} == {"CN", "HK", "MO", "VN"}
    quiet = render(Digest(period=digest.period, availability=(), signals=(), texts=(), health=()), everywhere)
    assert "Nothing changed this week in any country." in quiet.text


def test_long_diffs_are_cut_to_an_excerpt() -> None:
    diff = "--- before\n+++ after\n" + "\n".join(f"+line {i} " + "x" * 1000 for i in range(500))
    lines, cut = excerpt(diff)
    assert cut and 0 < len(lines) <= MAX_DIFF_LINES
    assert all(len(line) <= MAX_DIFF_LINE for line in lines) and lines[0].startswith("+line 0 ")
    period = parse_period(WEEK, UTC_ZONE)
    item = TextItem(source_id="s", provider="p", seen=date(2024, 7, 8), url=None, excerpt=lines, cut=cut)
    rendered: RenderedDigest = render(
        Digest(period=period, availability=(), signals=(), texts=(item,), health=(), more_texts=70), None
    )
    assert len(rendered.html) < 20_000 and "[diff cut short]" in rendered.html
    assert "and 70 more: regionwatch changes --kind text --since 2024-07-08" in rendered.text
    assert "No availability changes." in rendered.text and "All sources healthy." in rendered.text


def test_titles_are_one_line_without_hidden_characters() -> None:
    title = "Acme\n\nleaves   HK\u202egnp.exe\x1b[31m\x00 " + "x" * 400
    cleaned = one_line(title, MAX_TITLE)
    assert cleaned.startswith("Acme leaves HKgnp.exe[31m x") and len(cleaned) == MAX_TITLE
    assert cleaned.endswith("…") and "\u202e" not in cleaned and "\x1b" not in cleaned


@pytest.mark.parametrize("url", ["https://acme.example/a?b=1&c=2", "http://acme.example:8080/x#y"])
def test_http_links_are_kept(url: str) -> None:
    assert safe_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "//acme.example/x",
        "https://",
        'https://acme.example/"onmouseover="alert(1)',
        "https://acme.example/<script>",
        "ftp://acme.example/",
        "https://[::1/",
        "",
        None,
        "https://acme.example/" + "a" * 3000,
    ],
)
def test_other_links_are_dropped(url: str | None) -> None:
    assert safe_url(url) is None


def test_periods_are_iso_weeks_in_the_configured_zone() -> None:
    week = parse_period("2024-W28", UTC_ZONE)
    assert (week.first_day, week.last_day) == (date(2024, 7, 8), date(2024, 7, 14))
    assert week.start == datetime(2024, 7, 8, tzinfo=UTC) and week.end == datetime(2024, 7, 15, tzinfo=UTC)
    hong_kong = zone("Asia/Hong_Kong")
    assert parse_period("2024-W28", hong_kong).start == datetime(2024, 7, 7, 16, tzinfo=UTC)
    sunday_night_utc = datetime(2024, 7, 14, 23, tzinfo=UTC)  # already Monday in Hong Kong
    assert last_complete_period(sunday_night_utc, UTC_ZONE).name == "2024-W27"
    assert last_complete_period(sunday_night_utc, hong_kong).name == "2024-W28"
    assert last_complete_period(datetime(2025, 1, 6, 8, tzinfo=UTC), UTC_ZONE).name == "2025-W01"
    assert parse_period("2020-W53", UTC_ZONE).first_day == date(2020, 12, 28)


@pytest.mark.parametrize("text", ["2024-28", "2024-W54", "2023-W53", "W28", "2024-W2"])
def test_bad_periods_say_how_to_write_one(text: str) -> None:
    with pytest.raises(RegionwatchError, match="use an ISO week such as 2024-W28"):
        parse_period(text, UTC_ZONE)


def test_unknown_time_zone_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
        zone("Mars/Olympus")


def test_html_diffs_are_coloured_inline_codes_sit_beside_flags_links_say_where(digest: Digest) -> None:
    html = render(digest, _reader(READER)).html
    assert 'class="add" style="' in html and "background-color: #dafbe1" in html  # css-inline kept the colour
    assert 'class="del" style="' in html and "background-color: #ffebe9" in html
    assert '🇭🇰 <span class="code" style="' in html  # the code right after the flag: no font, nothing lost
    assert ">acme api list page</a>" in html and ">open the acme-api page</a>" in html
    assert ">read<" not in html and ">page<" not in html and ">url<" not in html


def test_source_trouble_after_the_week_is_not_in_its_digest(sessions: sessionmaker[Session]) -> None:
    fill_week(sessions)
    with sessions() as session:
        earlier = gather(session, parse_period("2024-W27", UTC_ZONE), UTC_ZONE)
        this = gather(session, parse_period(WEEK, UTC_ZONE), UTC_ZONE)
    week_end = parse_period("2024-W27", UTC_ZONE).last_day
    assert all(h.since is None or h.since <= week_end for h in earlier.health)
    assert all(h.since is not None and h.since > week_end for h in earlier.later_health)
    assert len(earlier.health) + len(earlier.later_health) == len(this.health) + len(this.later_health)


def test_a_line_per_team_route_and_links_to_the_web_view(digest: Digest) -> None:
    from monitor.notify.links import WebLinks

    reader = _reader(READER)
    assert len(reader.teams) == 2
    rendered = render(digest, reader, links=WebLinks("https://rw.example.com"))
    team_lines = [line for line in rendered.text.splitlines() if line.endswith(("above", "nothing changed"))]
    assert len(team_lines) == 2
    assert "https://rw.example.com/country/HK" in rendered.text
    assert 'href="https://rw.example.com/change/' in rendered.html and "in Regionwatch</a>" in rendered.html
    assert "rw.example.com" not in render(digest, reader).html  # no public URL, no web links


def test_a_month_and_an_ownership_restriction_read_as_such(digest: Digest) -> None:
    owned = SignalItem(
        provider="anthropic",
        action="restrict",
        countries=(_country("CN"),),
        effective="September 2025",
        seen=date(2024, 7, 10),
        title="Anthropic restricts companies majority-owned from China",
        url=None,
        scope="ownership",
    )
    rendered = render(replace(digest, signals=(owned,)), _reader(READER))
    for part in (rendered.text, rendered.html):
        assert "effective September 2025" in part
        assert "for companies owned from" in part
