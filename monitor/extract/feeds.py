"""Feeds (RSS, Atom, RDF) read by feedparser into FeedEntry records; never raises on bad input.

An entry's key is its id, else its link, else a hash of its content, so the same item is
recognised across fetches. Text fields are plain text (tags stripped from HTML fields),
size-limited, and free of characters a database refuses. Dates are aware UTC; an entry
without a readable date has ``published = None`` (the store falls back to first-seen).
A feed that is not well-formed is flagged ``bozo`` but keeps whatever entries were read.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import io
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser

from monitor.types import FeedEntry

MAX_KEY = 500
MAX_TITLE = 2_000
MAX_SUMMARY = 20_000
_TAG = re.compile(r"<[^>]*>")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")
_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedLimits:
    """How much of each entry is kept (settings ``limits.feed_title_chars`` / ``feed_summary_chars``)."""

    title: int = MAX_TITLE
    summary: int = MAX_SUMMARY


DEFAULT_FEED_LIMITS = FeedLimits()


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedParseResult:
    """What a feed body held: its entries (first occurrence of each key), and whether it was bad."""

    entries: tuple[FeedEntry, ...]
    bozo: bool
    bozo_reason: str | None = None
    language: str | None = None


def parse_feed(body: bytes, headers: Mapping[str, str], limits: FeedLimits = DEFAULT_FEED_LIMITS) -> FeedParseResult:
    """Read a feed body; the response headers give its charset and base URL."""
    parsed: Any = feedparser.parse(io.BytesIO(body), response_headers=dict(headers))
    language = _language(parsed.feed.get("language"))
    entries: dict[str, FeedEntry] = {}
    for raw in parsed.entries:
        entry = _entry(raw, language, limits)
        entries.setdefault(entry.key, entry)
    reason = parsed.get("bozo_exception")
    return FeedParseResult(
        entries=tuple(entries.values()),
        bozo=bool(parsed.get("bozo")),
        bozo_reason=_clean(str(reason), 500) if reason is not None else None,
        language=language,
    )


def entry_hash(title: str, link: str | None, summary: str) -> str:
    """The content hash of an entry: it changes when its title, link or text is edited."""
    data = "\x1f".join((title, link or "", summary)).encode("utf-8", "replace")
    return hashlib.sha256(data).hexdigest()


def _entry(raw: Any, feed_language: str | None, limits: FeedLimits) -> FeedEntry:
    title = _text(raw, "title", limits.title)
    summary = _text(raw, "summary", limits.summary) or _content(raw, limits.summary)
    link = _clean(str(raw.get("link") or ""), MAX_KEY * 4) or None
    digest = entry_hash(title, link, summary)
    key = _clean(str(raw.get("id") or ""), 10_000) or link or f"hash:{digest}"
    if len(key) > MAX_KEY:
        key = "sha256:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
    return FeedEntry(
        key=key,
        link=link,
        title=title,
        summary=summary,
        published=_published(raw),
        content_hash=digest,
        language=_language(raw.get("language")) or feed_language,
    )


def _text(raw: Any, field: str, limit: int) -> str:
    value = raw.get(field)
    if not isinstance(value, str):
        return ""
    detail = raw.get(f"{field}_detail") or {}
    if detail.get("type") in _HTML_TYPES:
        value = html.unescape(_TAG.sub(" ", value))
    return _clean(value, limit)


def _content(raw: Any, limit: int) -> str:
    for part in raw.get("content") or ():
        value = part.get("value")
        if isinstance(value, str) and value.strip():
            if part.get("type") in _HTML_TYPES:
                value = html.unescape(_TAG.sub(" ", value))
            return _clean(value, limit)
    return ""


def _published(raw: Any) -> datetime | None:
    for field in ("published_parsed", "updated_parsed", "created_parsed"):
        value = raw.get(field)
        if isinstance(value, time.struct_time):
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, OSError, ValueError):
                continue
    return None


def _language(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value.lower() if len(value) <= 10 and _LANGUAGE.match(value) else None


def _clean(text: str, limit: int) -> str:
    """One line per paragraph, runs of spaces collapsed, no NULs or lone surrogates, capped."""
    text = text.replace("\x00", "")
    lines = (" ".join(line.split()) for line in text.splitlines())
    cleaned = "\n".join(line for line in lines if line)[:limit]
    return cleaned.encode("utf-8", "replace").decode("utf-8")
