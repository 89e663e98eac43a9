"""The bundled catalog: it validates, and its availability selectors read the saved real pages.

The saved copies live in ../shared/realdata/availability (tests skip when it is absent). The
two Anthropic ``.html`` copies are the live page's HTML: the catalog's selector runs on them
as they are. The other copies are Markdown conversions of the live pages, which flatten the
site's sidebar in front of the article. Each is rebuilt the way the live page is laid out:
the sidebar (everything up to the last link bullet before the list) outside the body, the
article rendered by markdown-it-py inside the element the live page holds its body in, and
link bullets (navigation) dropped:

- OpenAI's docs (developers.openai.com): the article inside ``<main>``;
- Anthropic's docs (docs.claude.com, Mintlify): ``<div id="content-area"><div class="prose">``;
- Google's devsite (ai.google.dev): ``<article class="devsite-article">`` holding the embedded
  ``<devsite-toc>`` ("On this page", kept as a bullet by one copy) and then
  ``<div class="devsite-article-body">``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from monitor.extract.availability import extract_claim
from monitor.sources.catalog import load_catalog
from monitor.types import Claim, Source, SourceKind

NEVER_LISTED = frozenset({"CN", "HK", "MO", "RU", "BY", "IR", "KP", "SY", "CU"})
_LINK_BULLET = re.compile(r"^\s*[*-]\s+\[")
_BULLET = re.compile(r"^\s*[*-]\s+\S")
_TOC_BULLET = re.compile(r"^\s*[*-]\s+On this page\s*$")


def _source(ident: str) -> Source:
    return load_catalog().by_id()[ident]


def _split_sidebar(markdown: str) -> tuple[list[str], list[str]]:
    """(sidebar, article): the sidebar ends at the last link bullet before the page's list.

    The list is the longest run of plain bullets; the sidebar's own plain bullets ("Skill
    Management", "Prompt tools") come in short runs between its link bullets.
    """
    lines = markdown.splitlines()
    runs: list[list[int]] = [[]]
    for index, line in enumerate(lines):
        if _BULLET.match(line) and not _LINK_BULLET.match(line) and not _TOC_BULLET.match(line):
            runs[-1].append(index)
        elif line.strip() and runs[-1]:
            runs.append([])
    start = max(runs, key=len)[0]
    links = [i for i in range(start) if _LINK_BULLET.match(lines[i])]
    cut = links[-1] + 1 if links else 0
    return lines[:cut], lines[cut:]


def _render(lines: list[str]) -> str:
    kept = [line for line in lines if not _LINK_BULLET.match(line)]
    return MarkdownIt("commonmark").render("\n".join(kept) + "\n")


def openai_layout(markdown: str) -> str:
    sidebar, article = _split_sidebar(markdown)
    return f"<html><body><nav>{_render(sidebar)}</nav><main>{_render(article)}</main></body></html>"


def anthropic_layout(markdown: str) -> str:
    sidebar, article = _split_sidebar(markdown)
    return (
        f"<html><body><div id='sidebar'>{_render(sidebar)}</div><div id='content-area'>"
        f"<div class='prose'>{_render(article)}</div></div></body></html>"
    )


def devsite_layout(markdown: str) -> str:
    sidebar, article = _split_sidebar(markdown)
    toc = [line for line in article if _TOC_BULLET.match(line)]
    body = [line for line in article if not _TOC_BULLET.match(line)]
    return (
        f"<html><body><nav>{_render(sidebar)}</nav><article class='devsite-article'>"
        f"<devsite-toc class='devsite-nav'>{_render(toc)}</devsite-toc>"
        f"<div class='devsite-article-body clearfix'>{_render(body)}</div></article></body></html>"
    )


def _read(realdata: Path, name: str, source_id: str, layout: Callable[[str], str] | None) -> Claim:
    spec = _source(source_id).availability
    assert spec is not None
    path = realdata / "availability" / name
    page = path.read_bytes() if layout is None else layout(path.read_text("utf-8")).encode("utf-8")
    return extract_claim(page, spec)


def test_bundled_catalog_validates() -> None:
    catalog = load_catalog()
    assert len({s.id for s in catalog.sources}) == len(catalog.sources) > 0
    assert catalog.routes == ()  # a bundled catalog must not invent channels
    for source in catalog.sources:
        assert source.url.startswith("https://"), source.id
        if source.kind is SourceKind.FEED:
            assert source.availability is None, source.id


def test_availability_lists_keep_their_own_history() -> None:
    """Two lists of one (provider, product) would overwrite each other's intervals."""
    keys = [(s.provider, s.product_key) for s in load_catalog().sources if s.availability is not None]
    assert len(keys) == len(set(keys))


def test_catalog_covers_providers_and_regulators() -> None:
    providers = {s.provider for s in load_catalog().sources}
    assert {"openai", "anthropic", "google", "us-bis", "us-ofac", "eu-commission"} <= providers


def test_bundled_comments_say_why() -> None:
    """Every entry is preceded by a comment saying what it watches and why."""
    text = (Path(__file__).resolve().parents[2] / "monitor" / "sources" / "default.toml").read_text("utf-8")
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line == "[[source]]":
            assert lines[index - 1].startswith("# "), f"no comment above line {index + 1}"


def test_every_bundled_availability_page_was_checked() -> None:
    """Issue 14: a bundled availability page says which saved copy its selector was checked on.

    A page nobody could check is left out with a comment, never bundled with a guessed selector
    (a wrong one reads menus or half the list: a false "country removed").
    """
    text = (Path(__file__).resolve().parents[2] / "monitor" / "sources" / "default.toml").read_text("utf-8")
    blocks = text.split("[[source]]")
    for comment, entry in pairwise(blocks):
        if "[source.availability]" not in entry:
            continue
        above = comment.rstrip().splitlines()
        start = max(i for i, line in enumerate(above) if not line.startswith("#")) + 1 if above else 0
        said = " ".join(above[start:])
        assert "Checked" in said or "Verified" in said, entry.splitlines()[1]
    assert "not checked" not in text.lower() and "not yet checked" not in text.lower()


@pytest.mark.parametrize("name", ["anthropic__swilliams__88a217c.html", "anthropic__swilliams__969a700.html"])
def test_anthropic_selector_on_the_live_html(realdata: Path, name: str) -> None:
    claim = _read(realdata, name, "anthropic-api-regions", None)
    assert claim.unmapped == ()
    assert len(claim.codes) == claim.names == 175
    assert claim.caveats == {"UA": ("Crimea", "Donetsk", "Luhansk")}
    assert not claim.codes & NEVER_LISTED


@pytest.mark.parametrize(
    ("name", "source_id", "layout", "names", "codes"),
    [
        ("openai__piercecohen1__3e48887.md", "openai-api-countries", openai_layout, 188, 188),
        ("anthropic__swilliams__88a217c.md", "anthropic-api-regions", anthropic_layout, 175, 175),
        ("anthropic__swilliams__969a700.md", "anthropic-api-regions", anthropic_layout, 175, 175),
        ("anthropic__pocketllm__530233f.md", "anthropic-api-regions", anthropic_layout, 175, 175),
        ("anthropic__xiqi__098160d.md", "anthropic-api-regions", anthropic_layout, 175, 175),
        # "Bosnia" and "Herzegovina" are two bullets in the older copy: 223 names, one code.
        ("gemini__codephreak__07dfb33.md", "gemini-api-regions", devsite_layout, 223, 222),
        ("gemini__drsnuggles__5c235bd.md", "gemini-api-regions", devsite_layout, 222, 222),
    ],
)
def test_selector_on_the_saved_copies(
    realdata: Path, name: str, source_id: str, layout: Callable[[str], str], names: int, codes: int
) -> None:
    claim = _read(realdata, name, source_id, layout)
    assert claim.unmapped == ()
    assert claim.names == names
    assert len(claim.codes) == codes
    assert not claim.codes & NEVER_LISTED


def test_copies_of_one_page_agree(realdata: Path) -> None:
    anthropic = {
        _read(realdata, "anthropic__swilliams__88a217c.html", "anthropic-api-regions", None).codes,
        _read(realdata, "anthropic__pocketllm__530233f.md", "anthropic-api-regions", anthropic_layout).codes,
        _read(realdata, "anthropic__xiqi__098160d.md", "anthropic-api-regions", anthropic_layout).codes,
    }
    gemini = {
        _read(realdata, "gemini__codephreak__07dfb33.md", "gemini-api-regions", devsite_layout).codes,
        _read(realdata, "gemini__drsnuggles__5c235bd.md", "gemini-api-regions", devsite_layout).codes,
    }
    assert len(anthropic) == 1 and len(gemini) == 1


def test_layout_keeps_navigation_out_of_the_body(realdata: Path) -> None:
    """The rebuilt pages are what the test claims: the sidebar is outside the selected body."""
    page = devsite_layout((realdata / "availability" / "gemini__codephreak__07dfb33.md").read_text("utf-8"))
    assert "<devsite-toc class='devsite-nav'><ul>\n<li>On this page</li>" in page
    page = anthropic_layout((realdata / "availability" / "anthropic__pocketllm__530233f.md").read_text("utf-8"))
    sidebar, body = page.split("<div id='content-area'>")
    assert "Skill Management" in sidebar and "Skill Management" not in body
