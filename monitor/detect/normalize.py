"""The text of a page as compared between fetches: visible, one block per line, volatile bits out.

Restyling (classes, attributes, indentation, inline tags) leaves the text as it was; what
changes on every request (timestamps, build ids, nonces, cache-busting query strings, "Last
updated" lines, copyright years) is removed before hashing, and so is whatever the source's own
``ignore`` patterns match.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence

from monitor.errors import ExtractError
from monitor.extract.html import block_lines, collapse, decode, parse

_HTML_SNIFF = re.compile(rb"<(?:!doctype\s+html|html|head|body|div|p|ul|table|meta)[\s>/]", re.I)
_SP = r"[^\S\n]"  # a space that does not end the line: the patterns run over the whole text
_UPDATED_LINE = (
    rf"^(?:(?:page{_SP}+|this{_SP}+page{_SP}+(?:was{_SP}+)?)?last{_SP}+"
    rf"(?:updated|modified|reviewed|edited)|updated(?:{_SP}+(?:on|at))?|modified{_SP}+on"
    rf"|terakhir{_SP}+diperbarui|diperbarui|最后更新|最後更新|更新于|更新於|更新日期|更新时间)"
    rf"(?:{_SP}+(?:on|at|pada))?{_SP}*[:：-]?{_SP}*(?=[^\n]{{0,40}}$)(?=[^\d\n]*\d)[^\n]*"
)
_BUSTERS = r"(?:v|ver|version|_|t|ts|cb|cachebust(?:er)?|hash|rev|build|timestamp)"
_FLAGS = re.IGNORECASE | re.MULTILINE
# (pattern, replacement, words one of which the lower-cased text must hold for it to apply)
_VOLATILE: tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...] = tuple(
    (re.compile(pattern, _FLAGS), replacement, hints)
    for pattern, replacement, hints in (
        # "Last updated 2025-02-25", "Updated on May 2, 2025", "最后更新：2025年2月25日" lines
        (_UPDATED_LINE, "", ("updated", "modified", "reviewed", "edited", "diperbarui", "更新")),
        # ISO 8601 timestamps (a plain date stays: "effective 2024-07-09" is content)
        (r"\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:Z|[+-]\d\d:?\d\d)?\b", "",
         (":",)),
        # cache-busting query parameters: "app.js?v=123&x=1" -> "app.js?x=1"
        (rf"&{_BUSTERS}=[^&#\s\"'<>]*", "", ("=",)),
        (rf"\?{_BUSTERS}=[^&#\s\"'<>]*&", "?", ("=",)),
        (rf"\?{_BUSTERS}=[^&#\s\"'<>]*", "", ("=",)),
        # nonces, tokens and build ids given by name
        (rf"\b(nonce|csrf[_-]?token|token|build[_-]?id|buildid|request[_-]?id)"
         rf"({_SP}*[:=]{_SP}*)[\"']?[\w+/=.-]{{6,}}[\"']?", r"\1\2",
         ("nonce", "token", "build", "request")),
        # copyright years: "© 2019–2025 Example" -> "© Example"
        (rf"((?:©|\(c\)|copyright){_SP}*)(?:\d{{4}}{_SP}*[-–—]{_SP}*)?\d{{4}}\b", r"\1",
         ("©", "(c)", "copyright")),
    )
)
# Long tokens, judged one by one: UUIDs, hex strings (hashes, build ids), base64-like nonces.
_LONG_TOKEN = re.compile(r"[A-Za-z0-9_+/=-]{16,}")
_TOKEN_PARTS = tuple(
    re.compile(pattern, re.ASCII)
    for pattern in (
        r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
        r"(?i)\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{16,}\b",
        r"(?<![\w+/])(?=[\w+/]*\d)(?=[\w+/]*[A-Z])(?=[\w+/]*[a-z])[\w+/]{24,}={0,2}(?![\w+/])",
    )
)


def normalize_text(
    html_or_text: bytes, *, content_type: str | None, ignore: Sequence[str] = ()
) -> str:
    """The comparable text of a document: visible text, one block per line, volatile bits out."""
    charset = _charset(content_type)
    if _is_html(html_or_text, content_type):
        lines = _html_lines(html_or_text, charset)
    else:
        lines = [line for line in map(collapse, decode(html_or_text, charset).splitlines()) if line]
    text = "\n".join(lines)
    for pattern in _compile_ignore(tuple(ignore)):
        text = pattern.sub("", text)
    text = _strip_volatile(text)
    return "\n".join(" ".join(words) for words in map(str.split, text.split("\n")) if words)


def content_hash(text: str) -> str:
    """A stable hash of normalised text (hex BLAKE2b, 128 bits)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def quick_hash(body: bytes) -> str:
    """A cheap hash of the raw bytes, to skip parsing a body seen before."""
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def _is_html(body: bytes, content_type: str | None) -> bool:
    """True when the body is HTML by its content type, or by its first bytes when untyped."""
    if content_type:
        kind = content_type.split(";", 1)[0].strip().lower()
        return kind in ("text/html", "application/xhtml+xml")
    return _HTML_SNIFF.search(body, 0, 2048) is not None


def _charset(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header, if any."""
    for param in (content_type or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def _html_lines(body: bytes, charset: str | None) -> list[str]:
    """The visible lines of an HTML document (none when there is no document)."""
    try:
        return block_lines(parse(body, charset))
    except ExtractError:
        return []


def _strip_volatile(text: str) -> str:
    """``text`` without what changes on every request (a pattern runs only if its hint is there)."""
    lowered = text.lower()
    for volatile, replacement, hints in _VOLATILE:
        if any(hint in lowered for hint in hints):
            text = volatile.sub(replacement, text)
    return _LONG_TOKEN.sub(_volatile_token, text)


def _volatile_token(match: re.Match[str]) -> str:
    """A long token, or its parts that are UUIDs, hashes or nonces removed."""
    token = match.group()
    for pattern in _TOKEN_PARTS:
        token = pattern.sub("", token)
    return token


@functools.lru_cache(maxsize=256)
def _compile_ignore(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """The source's ignore patterns, compiled once (multiline: ``^``/``$`` match at lines)."""
    try:
        return tuple(re.compile(p, re.MULTILINE) for p in patterns)
    except re.error as exc:
        raise ExtractError(f"bad ignore pattern: {exc}") from exc
