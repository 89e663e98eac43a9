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
from typing import Any

from monitor.errors import ExtractError
from monitor.extract.html import block_text, collapse, decode, parse

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
        (r"\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:Z|[+-]\d\d:?\d\d)?\b", "", (":",)),
        # cache-busting query parameters: "app.js?v=123&x=1" -> "app.js?x=1"
        (rf"&{_BUSTERS}=[^&#\s\"'<>]*", "", ("=",)),
        (rf"\?{_BUSTERS}=[^&#\s\"'<>]*&", "?", ("=",)),
        (rf"\?{_BUSTERS}=[^&#\s\"'<>]*", "", ("=",)),
        # nonces, tokens and build ids given by name
        (
            rf"\b(nonce|csrf[_-]?token|token|build[_-]?id|buildid|request[_-]?id)"
            rf"({_SP}*[:=]{_SP}*)[\"']?[\w+/=.-]{{6,}}[\"']?",
            r"\1\2",
            ("nonce", "token", "build", "request"),
        ),
        # copyright years: "© 2019–2025 Example" -> "© Example"
        (rf"((?:©|\(c\)|copyright){_SP}*)(?:\d{{4}}{_SP}*[-–—]{_SP}*)?\d{{4}}\b", r"\1", ("©", "(c)", "copyright")),
    )
)
# Characters that IGNORECASE matches to a hint's letter but lower() does not turn into it.
_UNALIGNED = ("\u0131", "\u017f")  # "ı" (i), "ſ" (s)
_LINE_COST = 100  # characters a pattern scans in the time one line is picked out for it
# Long tokens, judged one by one: UUIDs, hex strings (hashes, build ids), base64-like nonces.
_RUN_CHAR = "[A-Za-z0-9_+/=-]"  # what a long token is made of
_LONG_TOKEN = re.compile(rf"{_RUN_CHAR}{{16,}}")
# The same test at C speed, over UTF-8 bytes (token characters are ASCII, one byte each; any
# other character is bytes >= 0x80 or a non-token ASCII byte): token bytes become "t", the rest
# " ", and a match is there exactly when 16 "t" are.
_TOKEN_BYTES = bytes(ord("t") if re.fullmatch(_RUN_CHAR, chr(b)) else ord(" ") for b in range(256))
_TOKEN_RUN = b"t" * 16
_TOKEN_PARTS = tuple(
    re.compile(pattern, re.ASCII)
    for pattern in (
        r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
        r"(?i)\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{16,}\b",
        r"(?<![\w+/])(?=[\w+/]*\d)(?=[\w+/]*[A-Z])(?=[\w+/]*[a-z])[\w+/]{24,}={0,2}(?![\w+/])",
    )
)


def normalize_text(
    html_or_text: bytes, *, content_type: str | None, ignore: Sequence[str] = (), root: Any | None = None
) -> str:
    """The comparable text of a document: visible text, one block per line, volatile bits out.

    ``root``: the document already parsed (``extract.html.shared_parse``), read and left as it was.
    """
    charset = _charset(content_type)
    if _is_html(html_or_text, content_type):
        lines = block_text(root) if root is not None else _html_text(html_or_text, charset)
    else:
        decoded = decode(html_or_text, charset).splitlines()
        lines = "\n".join(line for line in map(collapse, decoded) if line)
    text = lines
    for pattern in _compile_ignore(tuple(ignore)):
        text = pattern.sub("", text)
    text = _strip_volatile(text)
    return lines if text == lines else _recollapse(text)


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


def _html_text(body: bytes, charset: str | None) -> str:
    """The visible lines of an HTML document, joined ("" when there is no document)."""
    try:
        return block_text(parse(body, charset))
    except ExtractError:
        return ""


def _recollapse(text: str) -> str:
    """Collapsed lines again, after patterns took bits out of them.

    The text was collapsed lines ("\\n" between lines, one " " between words) and the patterns
    only removed characters or put back some of their own: its only white space is " " and
    "\\n". Then ``collapse_lines`` comes down to these replacements, each done at C speed.
    """
    while "  " in text:
        text = text.replace("  ", " ")
    if " \n" in text:
        text = text.replace(" \n", "\n")
    if "\n " in text:
        text = text.replace("\n ", "\n")
    while "\n\n" in text:
        text = text.replace("\n\n", "\n")
    return text.strip(" \n")


def _strip_volatile(text: str) -> str:
    """``text`` without what changes on every request (a pattern runs only if its hint is there).

    A pattern matches within one line, and each match holds one of its hints: when the
    lower-cased text lines up with the text, a pattern is run over the lines with a hint only.
    """
    lowered = text.lower()
    lined_up: bool | None = None
    current: str | None = lowered  # text.lower(), when known
    for volatile, replacement, hints in _VOLATILE:
        if not any(hint in lowered for hint in hints):
            continue
        if lined_up is None:
            lined_up = _lined_up(text, lowered)
        if not lined_up:
            text = volatile.sub(replacement, text)
            continue
        if current is None:
            current = text.lower()
        changed = _sub_in_lines(volatile, replacement, text, current, hints)
        if changed is not text:  # still lined up: a pattern adds "?" or bits of the text only
            text, current = changed, None
    if _TOKEN_RUN not in text.encode("utf-8", "surrogatepass").translate(_TOKEN_BYTES):
        return text  # no run of token characters long enough: nothing for _LONG_TOKEN
    return _LONG_TOKEN.sub(_volatile_token, text)


def _lined_up(text: str, lowered: str) -> bool:
    """True when ``lowered[i]`` is ``text[i]`` lower-cased, and a hint matched by a pattern's
    IGNORECASE is there in ``lowered`` too: no character lower-cases to two ("İ"), and none is
    one of those that IGNORECASE matches to a hint's letter but lower() does not turn into it.
    """
    if len(lowered) != len(text):
        return False
    return text.isascii() or not any(char in text for char in _UNALIGNED)


def _sub_in_lines(pattern: re.Pattern[str], replacement: str, text: str, lowered: str, hints: tuple[str, ...]) -> str:
    """``pattern.sub(replacement, text)``, run on the lines where ``lowered`` has a hint."""
    starts: set[int] = set()
    for hint in hints:
        at = lowered.find(hint)
        while at >= 0:
            starts.add(text.rfind("\n", 0, at) + 1)
            end = text.find("\n", at)
            at = lowered.find(hint, end) if end >= 0 else -1
    if not starts:
        return text
    if len(starts) * _LINE_COST > len(text):  # many lines: one pass over the text is cheaper
        return pattern.sub(replacement, text)
    pieces: list[str] = []
    last = 0
    for start in sorted(starts):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        line = text[start:end]
        new = pattern.sub(replacement, line)
        if new != line:
            pieces += (text[last:start], new)
            last = end
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


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
