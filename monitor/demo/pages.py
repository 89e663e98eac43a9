"""The pages and feeds the demo serves, written by the project (pure functions, no I/O).

Each page has the shape of the live page it stands in for, so the bundled catalog's selectors
read it as they would read the real one: OpenAI's docs keep the list in ``<main>``, Anthropic's
docs (Mintlify) in ``#content-area .prose``, Google's devsite in ``.devsite-article-body``
with the "On this page" box in ``<devsite-toc>``. The country lists are abridged; every text is
the project's own words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from html import escape

#: Names every demo list shares (abridged; none of CN HK MO RU BY IR KP SY CU is listed anywhere).
COMMON = (
    "Argentina",
    "Australia",
    "Austria",
    "Bangladesh",
    "Belgium",
    "Brazil",
    "Canada",
    "Chile",
    "Colombia",
    "Czechia",
    "Denmark",
    "Egypt",
    "Finland",
    "France",
    "Germany",
    "Ghana",
    "Greece",
    "India",
    "Indonesia",
    "Ireland",
    "Israel",
    "Italy",
    "Japan",
    "Kenya",
    "Malaysia",
    "Mexico",
    "Morocco",
    "Netherlands",
    "New Zealand",
    "Nigeria",
    "Norway",
    "Pakistan",
    "Philippines",
    "Poland",
    "Portugal",
    "Singapore",
    "South Africa",
    "South Korea",
    "Spain",
    "Sweden",
    "Switzerland",
    "Taiwan",
    "Thailand",
    "Türkiye",
    "United Arab Emirates",
    "United Kingdom",
    "United States of America",
    "Vietnam",
)
#: The six Balkan countries the demo's Gemini list gains (the first list leaves them out).
BALKANS = ("Albania", "Bosnia and Herzegovina", "Kosovo", "Montenegro", "North Macedonia", "Serbia")


def names(*groups: Iterable[str], without: Iterable[str] = ()) -> list[str]:
    """The union of the groups, alphabetical, minus ``without``."""
    left_out = set(without)
    return sorted({n for group in groups for n in group} - left_out)


def _items(countries: Iterable[str]) -> str:
    return "\n".join(f"<li>{escape(name)}</li>" for name in countries)


def _document(title: str, body: str) -> bytes:
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title></head>\n'
        f"<body>\n{body}\n</body></html>\n"
    ).encode()


def openai_countries(countries: Sequence[str], *, intro: str, theme: str = "docs") -> bytes:
    """developers.openai.com: sidebar in <nav>, the list in <main>, an "on this page" <aside>."""
    body = f"""<header class="{theme}-header"><nav><a href="/">Docs</a> <a href="/api">API</a></nav></header>
<nav class="{theme}-sidebar"><ul><li>Overview</li><li>Quickstart</li><li>Models</li><li>Pricing</li></ul></nav>
<main class="{theme}-main"><h1>Supported countries and territories</h1>
<p>{escape(intro)}</p>
<ul class="{theme}-list">
{_items(countries)}
</ul></main>
<aside><ul><li>On this page</li></ul></aside>
<footer><ul><li>Terms</li><li>Privacy</li></ul></footer>"""
    return _document("Supported countries and territories | OpenAI API (demo copy)", body)


_SIDEBAR = (
    '<div id="sidebar"><h5>Using the API</h5><ul><li>Messages</li><li>Models</li><li>Supported regions</li></ul></div>'
)


def anthropic_regions(countries: Sequence[str]) -> bytes:
    """docs.claude.com: the sidebar's lists, then the article's prose with the list."""
    body = f"""{_SIDEBAR}
<div id="content-area"><header><h1>Supported regions</h1></header>
<div class="prose"><p>Here are the countries, regions and territories the Claude API can be used from
(abridged for the demo):</p>
<ul>
{_items(countries)}
</ul></div></div>"""
    return _document("Supported regions - Claude Docs (demo copy)", body)


def anthropic_redesign(countries: Sequence[str]) -> bytes:
    """The same page after a redesign: the list became a grid of spans (the selector reads nothing)."""
    spans = "\n".join(f'<span class="chip">{escape(name)}</span>' for name in countries)
    body = f"""{_SIDEBAR}
<div id="content-area"><header><h1>Supported regions</h1></header>
<div class="prose"><p>The Claude API can be used from these countries, regions and territories:</p>
<div class="country-grid">
{spans}
</div></div></div>"""
    return _document("Supported regions - Claude Docs (demo copy)", body)


def gemini_regions(countries: Sequence[str], *, updated: str) -> bytes:
    """ai.google.dev (devsite): breadcrumbs and the embedded TOC outside the article body."""
    body = f"""<article class="devsite-article">
<div class="devsite-article-meta"><ul class="devsite-breadcrumb-list">
<li>Home</li><li>Gemini API</li><li>Gemini API Docs</li></ul></div>
<h1 class="devsite-page-title">Available regions for Google AI Studio and Gemini API</h1>
<devsite-toc class="devsite-nav"><ul><li>On this page</li></ul></devsite-toc>
<div class="devsite-article-body clearfix">
<p>The Gemini API and Google AI Studio can be used in the following countries and territories
(abridged for the demo):</p>
<ul>
{_items(countries)}
</ul></div></article>
<footer><p>Last updated {escape(updated)} UTC.</p></footer>"""
    return _document("Available regions | Gemini API (demo copy)", body)


def challenge_page() -> bytes:
    """What a bot wall answers instead of the page."""
    return _document(
        "Just a moment...",
        "<p>Checking your browser before you reach the page. Enable JavaScript and cookies to continue.</p>",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Post:
    """One newsroom post or feed item."""

    slug: str
    title: str
    summary: str
    published: datetime


def newsroom(posts: Sequence[Post]) -> bytes:
    """www.anthropic.com/news: a listing of posts, newest first."""
    entries = "\n".join(
        f'<li><a href="/news/{p.slug}"><h3>{escape(p.title)}</h3></a><p>{escape(p.summary)}</p>'
        f"<time>{p.published:%b} {p.published.day}, {p.published:%Y}</time></li>"
        for p in sorted(posts, key=lambda p: p.published, reverse=True)
    )
    body = (
        f'<header><nav><a href="/">Home</a></nav></header>\n<main><h1>Newsroom</h1>\n'
        f'<ul class="posts">\n{entries}\n</ul></main>'
    )
    return _document("Newsroom | Anthropic (demo copy)", body)


def rss(*, title: str, link: str, language: str, posts: Sequence[Post]) -> bytes:
    """An RSS 2.0 feed of the posts, newest first."""
    items = "\n".join(
        f"<item><title>{escape(p.title)}</title><link>{escape(link)}/{p.slug}</link>"
        f'<guid isPermaLink="false">{escape(p.slug)}</guid><pubDate>{format_datetime(p.published)}</pubDate>'
        f"<description>{escape(p.summary)}</description></item>"
        for p in sorted(posts, key=lambda p: p.published, reverse=True)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>{escape(title)}</title>'
        f"<link>{escape(link)}</link><description>{escape(title)} (demo feed)</description>"
        f"<language>{language}</language>\n{items}\n</channel></rss>\n"
    ).encode()
