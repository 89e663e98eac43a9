"""Issue 9, limits: what no existing test pins down. Page size (fetch.max_bytes) is covered by
the corpus (too-large, gzip-bomb) and tests/fetch/test_crawl_cli.py; diffs by
tests/detect/test_textdiff.py; Slack messages by tests/notify/test_render.py."""

from __future__ import annotations

from monitor.extract.feeds import MAX_KEY, MAX_SUMMARY, MAX_TITLE, parse_feed


def test_feed_titles_and_summaries_are_capped() -> None:
    title, summary = "T" * (MAX_TITLE * 3), "word " * MAX_SUMMARY
    rss = (
        f"<?xml version='1.0'?><rss version='2.0'><channel><title>x</title><item>"
        f"<title>{title}</title><link>https://example.com/{'a' * MAX_KEY * 5}</link>"
        f"<description>{summary}</description></item></channel></rss>"
    ).encode()
    (entry,) = parse_feed(rss, {}).entries
    assert len(entry.title) <= MAX_TITLE and len(entry.summary) <= MAX_SUMMARY
    assert len(entry.key) <= MAX_KEY and len(entry.link or "") <= MAX_KEY * 4
