"""Judging a capture: settled failures, the quick-hash shortcut, normalised and feed comparisons."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.detect.normalize import content_hash, normalize_text, quick_hash
from monitor.errors import ExtractError
from monitor.extract.availability import extract_claim
from monitor.fetch.assess import assess, document_complete
from monitor.types import AvailabilitySpec, Capture, Outcome, Source, SourceKind

NOW = datetime(2025, 9, 4, tzinfo=UTC)
PAGE = Source(id="p", kind=SourceKind.PAGE, url="http://x/", provider="x")
FEED = Source(id="f", kind=SourceKind.FEED, url="http://x/feed", provider="x")
BODY = b"<html><body><ul><li>Albania</li><li>Algeria</li></ul></body></html>"
RSS = (
    b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
    b"<item><title>One</title><link>http://x/1</link></item></channel></rss>"
)


def cap(body: bytes, *, status: int = 200, outcome: Outcome | None = None, content_type: str = "text/html") -> Capture:
    return Capture(
        source_id="p",
        url="http://x/",
        final_url="http://x/",
        fetched_at=NOW,
        elapsed=0.0,
        status=status,
        body=body,
        outcome=outcome,
        headers={"content-type": content_type},
    )


def test_a_settled_failure_stays_and_its_body_is_hashed() -> None:
    result = assess(cap(b"denied", status=403, outcome=Outcome.BLOCKED), PAGE, raw_hash=None, last_hash=None)
    assert result.outcome is Outcome.BLOCKED and result.body_hash == quick_hash(b"denied")


def test_first_content_is_changed_with_its_text() -> None:
    result = assess(cap(BODY), PAGE, raw_hash=None, last_hash=None)
    assert result.outcome is Outcome.CHANGED
    assert result.text == "Albania\nAlgeria" and result.content_hash == content_hash(result.text)


def test_same_bytes_are_unchanged_without_normalising() -> None:
    result = assess(cap(BODY), PAGE, raw_hash=quick_hash(BODY), last_hash="anything")
    assert result.outcome is Outcome.UNCHANGED and result.text is None


def test_restyled_bytes_with_the_same_text_are_unchanged() -> None:
    restyled = BODY.replace(b"<ul>", b"<ul class='new'>")
    last = content_hash(normalize_text(BODY, content_type="text/html"))
    assert assess(cap(restyled), PAGE, raw_hash=quick_hash(BODY), last_hash=last).outcome is Outcome.UNCHANGED


def test_a_page_without_text_is_a_decode_failure() -> None:
    result = assess(cap(b"<html><body><script>app()</script></body></html>"), PAGE, raw_hash=None, last_hash=None)
    assert result.outcome is Outcome.DECODE


def test_feeds_with_entries_are_read_and_without_them_fail() -> None:
    good = assess(cap(RSS, content_type="application/rss+xml"), FEED, raw_hash=None, last_hash=None)
    assert good.outcome is Outcome.CHANGED and [e.title for e in good.entries] == ["One"]
    broken = RSS.replace(b"</channel></rss>", b"<item><title>Two &bogus; </item>")
    kept = assess(cap(broken, content_type="application/rss+xml"), FEED, raw_hash=None, last_hash=None)
    assert kept.outcome is Outcome.CHANGED and kept.bozo and len(kept.entries) >= 1
    html = assess(cap(b"<html><body>News</body></html>"), FEED, raw_hash=None, last_hash=None)
    assert html.outcome is Outcome.DECODE and html.error and "feed" in html.error


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SPECS = (
    AvailabilitySpec(select="ul.countries li", exclude=("nav", "footer")),
    AvailabilitySpec(select="li"),
    AvailabilitySpec(select="p"),
    AvailabilitySpec(select="td"),
)


@pytest.mark.parametrize("path", sorted(FIXTURES.rglob("*.html")), ids=lambda p: p.name)
def test_one_parse_for_text_and_list_reads_as_two_would(path: Path) -> None:
    """An availability page is parsed once for its text and its list: the same as parsing twice,
    and the list's extraction (which drops excluded parts of the tree) never shows in the text."""
    body = path.read_bytes()
    for spec in SPECS:
        source = replace(PAGE, availability=spec)
        result = assess(cap(body, content_type="text/html; charset=utf-8"), source, raw_hash=None, last_hash=None)
        text = normalize_text(body, content_type="text/html; charset=utf-8")
        if result.outcome is Outcome.CHANGED:
            assert result.text == text
            try:
                claim = extract_claim(body, spec)
            except ExtractError:
                assert result.claim is None
            else:
                assert result.claim == claim
        else:
            assert not text


def test_an_html_document_that_never_closes_is_incomplete() -> None:
    assert document_complete(b"<!doctype html><html><body><ul><li>Albania</li></ul></body></html>\n")
    assert document_complete(b"<HTML><BODY><UL><LI>Albania</UL></BODY></HTML><script>late()</script>")
    assert not document_complete(b"<!doctype html><html><body><ul><li>Albania</li><li>Alg")
    assert document_complete(b"Albania, Algeria")  # no <html> at all: plain text counts as whole
