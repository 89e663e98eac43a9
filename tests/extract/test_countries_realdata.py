"""Country normalisation against real provider pages in ../shared/realdata (see its README)."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest

from monitor.extract.countries import find_countries, normalize_names
from monitor.types import Claim

ANTHROPIC = (
    "anthropic__swilliams__88a217c.md",
    "anthropic__swilliams__969a700.md",
    "anthropic__pocketllm__530233f.md",
    "anthropic__xiqi__098160d.md",
)
GEMINI = ("gemini__codephreak__07dfb33.md", "gemini__drsnuggles__5c235bd.md")
OPENAI = "openai__piercecohen1__3e48887.md"
NEVER_LISTED = {"CN", "HK", "MO", "RU", "BY", "IR", "KP", "SY", "CU"}
_BULLET = re.compile(r"^\s*[*-]\s+(?P<text>.+?)\s*$")


def list_items(text: str) -> list[str]:
    """The page's country list: the longest run of bullets that are not Markdown links.

    Test-only reader. Menus come before the list as runs of link bullets ("* [Errors](...)")
    or short runs of plain ones ("* Models"); the list of countries is the longest run.
    """
    runs: list[list[str]] = [[]]
    for line in text.splitlines():
        bullet = _BULLET.match(line)
        if bullet and not bullet["text"].startswith("["):
            runs[-1].append(bullet["text"])
        elif runs[-1]:
            runs.append([])
    return max(runs, key=len)


def html_list_items(data: bytes) -> list[str]:
    """Test-only reader of the .html copies: the longest <ul> without links."""
    document = lxml.html.fromstring(data)
    lists = [ul.findall("li") for ul in document.iter("ul") if not ul.xpath(".//a")]
    return [li.text_content().strip() for li in max(lists, key=len)]


def claim(realdata: Path, name: str) -> tuple[list[str], Claim]:
    items = list_items((realdata / "availability" / name).read_text(encoding="utf-8"))
    return items, normalize_names(items)


@pytest.mark.parametrize(
    ("name", "entries", "codes"),
    [
        *((name, 175, 175) for name in ANTHROPIC),
        (OPENAI, 188, 188),
        (GEMINI[0], 223, 222),  # "Bosnia" and "Herzegovina" are two bullets, sorted apart
        (GEMINI[1], 222, 222),
    ],
)
def test_every_name_maps(realdata: Path, name: str, entries: int, codes: int) -> None:
    items, read = claim(realdata, name)
    assert read.unmapped == ()
    assert len(items) == read.names == entries
    assert len(read.codes) == codes
    assert not read.codes & NEVER_LISTED


def test_anthropic_copies_agree(realdata: Path) -> None:
    sets = {name: claim(realdata, name)[1].codes for name in ANTHROPIC}
    assert len(set(sets.values())) == 1
    assert len(sets[ANTHROPIC[0]]) == 175


def test_gemini_copies_agree(realdata: Path) -> None:
    old, new = (claim(realdata, name)[1].codes for name in GEMINI)
    assert old == new
    assert {"BA", "XK", "BQ", "FK", "CG", "CD", "TR", "BS", "GM"} <= new


def test_openai_names_that_need_care(realdata: Path) -> None:
    read = claim(realdata, OPENAI)[1]
    assert {"CG", "CD", "CZ", "VA", "SZ", "TL", "MM", "TR"} <= read.codes
    assert read.caveats == {"UA": ("with certain exceptions",)}


@pytest.mark.parametrize("name", ANTHROPIC)
def test_ukraine_caveat(realdata: Path, name: str) -> None:
    read = claim(realdata, name)[1]
    assert read.caveats == {"UA": ("Crimea", "Donetsk", "Luhansk")}
    assert {"CI", "CZ", "VA", "TL", "CG"} <= read.codes


def test_openai_serves_what_anthropic_serves_and_more(realdata: Path) -> None:
    openai = claim(realdata, OPENAI)[1].codes
    anthropic = claim(realdata, ANTHROPIC[-1])[1].codes
    assert openai - anthropic == {
        "AF",
        "CD",
        "CF",
        "ER",
        "ET",
        "LY",
        "ML",
        "MM",
        "NI",
        "SD",
        "SO",
        "SS",
        "YE",
    }
    assert anthropic <= openai


def test_indonesian_news_mentions(realdata: Path) -> None:
    text = (realdata / "news" / "idxchannel-2024-06-27-openai-china-id.txt").read_text("utf-8")
    # China, "Chinese University of Hong Kong-Shenzhen", "Singapura"; "AS" (Amerika Serikat)
    # is deliberately not read: see data/aliases.toml.
    assert find_countries(text) == ("CN", "HK", "SG")


@pytest.mark.parametrize("name", ["anthropic__swilliams__88a217c", "anthropic__swilliams__969a700"])
def test_html_copies_agree_with_markdown(realdata: Path, name: str) -> None:
    items = html_list_items((realdata / "availability" / f"{name}.html").read_bytes())
    read = normalize_names(items)
    assert read.unmapped == ()
    assert read.codes == claim(realdata, f"{name}.md")[1].codes
    assert read.caveats == {"UA": ("Crimea", "Donetsk", "Luhansk")}
