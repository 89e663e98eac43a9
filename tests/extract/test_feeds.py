"""parse_feed: keys that survive refetches, UTC dates, plain text, and bad feeds flagged not raised."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.extract.feeds import MAX_KEY, parse_feed

XML = {"content-type": "application/rss+xml; charset=utf-8"}


def rss(items: str, extra: str = "") -> bytes:
    return (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>News</title>{extra}{items}</channel></rss>"
    ).encode()


def test_keys_are_id_then_link_then_content_hash() -> None:
    result = parse_feed(
        rss(
            "<item><guid>urn:1</guid><link>https://x.test/1</link><title>One</title></item>"
            "<item><link>https://x.test/2</link><title>Two</title></item>"
            "<item><title>Three</title><description>only text</description></item>"
        ),
        XML,
    )
    keys = [e.key for e in result.entries]
    assert keys[:2] == ["urn:1", "https://x.test/2"] and keys[2].startswith("hash:")
    assert not result.bozo


def test_dates_are_aware_utc_or_none() -> None:
    result = parse_feed(
        rss(
            "<item><guid>a</guid><title>A</title><pubDate>Thu, 04 Sep 2025 09:00:00 +0200</pubDate></item>"
            "<item><guid>b</guid><title>B</title></item>"
        ),
        XML,
    )
    assert [e.published for e in result.entries] == [datetime(2025, 9, 4, 7, 0, tzinfo=UTC), None]


def test_html_becomes_plain_text_and_the_hash_follows_the_content() -> None:
    body = rss(
        "<item><guid>a</guid><title>Claude &amp; you</title>"
        "<description>&lt;p&gt;Now in &lt;b&gt;Brazil&lt;/b&gt;&lt;/p&gt;</description></item>"
    )
    (entry,) = parse_feed(body, XML).entries
    assert entry.title == "Claude & you" and entry.summary == "Now in Brazil"
    (edited,) = parse_feed(body.replace(b"Brazil", b"Chile"), XML).entries
    assert edited.key == entry.key and edited.content_hash != entry.content_hash


def test_long_keys_are_hashed_and_duplicates_keep_the_first() -> None:
    long_id = "https://x.test/" + "a" * 600
    result = parse_feed(
        rss(
            f"<item><guid>{long_id}</guid><title>Long</title></item>"
            "<item><guid>d</guid><title>First</title></item>"
            "<item><guid>d</guid><title>Second</title></item>"
        ),
        XML,
    )
    assert len(result.entries[0].key) <= MAX_KEY and result.entries[0].key.startswith("sha256:")
    assert [e.title for e in result.entries[1:]] == ["First"]


def test_bad_feeds_are_flagged_not_raised() -> None:
    broken = parse_feed(rss("<item><guid>a</guid><title>Kept &bogus;</title></item>"), XML)
    assert broken.bozo and broken.bozo_reason and [e.key for e in broken.entries] == ["a"]
    html = parse_feed(b"<html><body>Not a feed</body></html>", {"content-type": "text/html"})
    assert html.bozo and html.entries == ()
    assert parse_feed(b"", {}).entries == ()


def test_language_and_nul_characters() -> None:
    result = parse_feed(
        rss("<item><guid>a</guid><title>Hai\x00 dunia</title></item>", "<language>id-ID</language>").replace(
            b"\x00", b"&#0;"
        ),
        XML,
    )
    (entry,) = result.entries
    assert result.language == "id-id" and entry.language == "id-id"
    assert "\x00" not in entry.title
