"""Judging one capture against the source's last snapshot: changed, unchanged, or a failure.

Cheapest first: an outcome the crawl process already settled (a failure, a 304) is final; a
body whose quick hash equals the last snapshot's raw hash is ``unchanged`` without parsing;
otherwise the body is normalised (a page) or parsed (a feed) and its content hash compared;
a changed availability page's list is read here too, so the crawl can do it while it fetches.
A feed that yields no entry and is not well-formed is ``decode``; so is a page with no text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from monitor.detect.normalize import content_hash, normalize_text, quick_hash
from monitor.errors import ExtractError
from monitor.extract.availability import extract_claim
from monitor.extract.feeds import DEFAULT_FEED_LIMITS, FeedLimits, parse_feed
from monitor.extract.html import shared_parse
from monitor.types import AvailabilitySpec, Capture, Claim, FeedEntry, Outcome, Source, SourceKind


@dataclass(frozen=True, slots=True, kw_only=True)
class Assessment:
    """What a capture amounts to; ``text`` and ``content_hash`` are set for new content."""

    outcome: Outcome
    error: str | None = None
    body_hash: str | None = None
    text: str | None = None
    content_hash: str | None = None
    entries: tuple[FeedEntry, ...] = ()
    bozo: bool = False
    claim: Claim | None = None  # a changed availability page's list, read once here
    complete: bool = True  # False: an HTML document cut before its closing tags


def assess(
    capture: Capture,
    source: Source,
    *,
    raw_hash: str | None,
    last_hash: str | None,
    feed_limits: FeedLimits = DEFAULT_FEED_LIMITS,
) -> Assessment:
    """Judge a capture given the last snapshot's raw and content hashes (None: no snapshot)."""
    body_hash = quick_hash(capture.body) if capture.body else None
    if capture.outcome is not None:
        return Assessment(outcome=capture.outcome, error=capture.error, body_hash=body_hash)
    if capture.status is None:
        return Assessment(outcome=Outcome.CONNECT, error=capture.error or "no response")
    if body_hash is not None and body_hash == raw_hash:
        return Assessment(outcome=Outcome.UNCHANGED, body_hash=body_hash)
    if source.kind is SourceKind.FEED:
        return _feed(capture, body_hash, last_hash, feed_limits)
    return _page(capture, source, body_hash, last_hash)


def _page(capture: Capture, source: Source, body_hash: str | None, last_hash: str | None) -> Assessment:
    # An availability page is parsed once, for its text and then for its list.
    root = shared_parse(capture.body) if source.availability is not None else None
    try:
        text = normalize_text(
            capture.body, content_type=capture.headers.get("content-type"), ignore=source.ignore, root=root
        )
    except ExtractError as exc:
        return Assessment(outcome=Outcome.DECODE, error=str(exc), body_hash=body_hash)
    if not text:
        return Assessment(outcome=Outcome.DECODE, error="no readable text", body_hash=body_hash)
    result = _compared(text, body_hash, last_hash)
    if result.outcome is Outcome.CHANGED and source.availability is not None:
        return replace(
            result, claim=_claim(capture.body, source.availability, root), complete=document_complete(capture.body)
        )
    return result


_TAIL = 65_536


def document_complete(body: bytes) -> bool:
    """False for an HTML document that opens ``<html`` and never closes it (nor its body): a
    page cut before its end. Anything else (no ``<html`` at all, plain text) counts as whole."""
    head = body[:4096].lower()
    if b"<html" not in head:
        return True
    tail = body[-_TAIL:].lower()
    return b"</html" in tail or b"</body" in tail


def _claim(body: bytes, spec: AvailabilitySpec, root: Any | None) -> Claim | None:
    """The page's claim; None when extraction fails (detection retries it, and says why)."""
    try:
        return extract_claim(body, spec, root=root)
    except ExtractError:
        return None


def _feed(capture: Capture, body_hash: str | None, last_hash: str | None, limits: FeedLimits) -> Assessment:
    parsed = parse_feed(capture.body, capture.headers, limits)
    if parsed.bozo and not parsed.entries:
        reason = parsed.bozo_reason or "not a feed"
        return Assessment(outcome=Outcome.DECODE, error=f"not a readable feed: {reason}", body_hash=body_hash)
    result = _compared(feed_text(parsed.entries), body_hash, last_hash)
    if result.outcome is not Outcome.CHANGED:
        return result
    return Assessment(
        outcome=Outcome.CHANGED,
        body_hash=body_hash,
        text=result.text,
        content_hash=result.content_hash,
        entries=parsed.entries,
        bozo=parsed.bozo,
    )


def _compared(text: str, body_hash: str | None, last_hash: str | None) -> Assessment:
    digest = content_hash(text)
    if digest == last_hash:
        return Assessment(outcome=Outcome.UNCHANGED, body_hash=body_hash)
    return Assessment(outcome=Outcome.CHANGED, body_hash=body_hash, text=text, content_hash=digest)


def feed_text(entries: tuple[FeedEntry, ...]) -> str:
    """A feed's comparable text: its entries in order (so a new build date alone is no change)."""
    blocks = []
    for entry in entries:
        published = entry.published.isoformat() if entry.published else ""
        blocks.append(
            "\n".join(part for part in (entry.title, entry.link or entry.key, published, entry.summary) if part)
        )
    return "\n\n".join(blocks)
