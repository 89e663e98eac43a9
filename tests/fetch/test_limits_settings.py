"""Each size cap is a setting that takes effect: feed entries, stored diffs, Slack messages."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import load_settings
from monitor.notify.render import render_change
from monitor.store.models import NewsItemRow
from monitor.types import Change, ChangeKind
from tests.fetch.conftest import Crawler, feed
from tests.fetch.server import LocalServer
from tests.pages import FORTY, page
from tests.replay import T0, Replayer

LONG_FEED = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>
<item><guid>a</guid><title>{"T" * 500}</title><description>{"word " * 2000}</description></item>
</channel></rss>"""


def test_feed_entry_caps_come_from_settings(site: LocalServer, sqlite_crawler: Crawler) -> None:
    site.set("/feed.xml", LONG_FEED, content_type="application/rss+xml")
    sqlite_crawler.catalog(feed("news", site.url("/feed.xml")))
    env = {"REGIONWATCH_LIMITS__FEED_TITLE_CHARS": "100", "REGIONWATCH_LIMITS__FEED_SUMMARY_CHARS": "1000"}
    assert sqlite_crawler.json("crawl", "--all", env=env)[0]["outcome"] == "changed"
    with sqlite_crawler.engine.connect() as conn:
        title, summary = conn.execute(select(NewsItemRow.title, NewsItemRow.summary)).one()
    assert len(title) <= 100 and len(summary) <= 1000


def test_stored_diff_cap(sessions: sessionmaker[Session]) -> None:
    noisy = page(FORTY, title="Supported countries " + " ".join(f"w{i}" for i in range(3000)))
    r = Replayer(sessions)
    r.observe(page(FORTY), T0)
    (change,) = r.observe(noisy, T0 + timedelta(days=1), diff_chars=1000)
    assert change.kind == "text" and change.diff is not None
    assert change.diff["truncated"] is True
    assert len(change.diff["lines"]) + sum(len(str(text)) for _, text in change.diff["words"]) <= 1000
    assert load_settings(None, limits={"diff_chars": 5000}).limits.diff_chars == 5000


def test_slack_country_list_cap() -> None:
    codes = tuple(sorted({"AL", "AR", "AU", "AT", "BD", "BE", "BR", "CA", "CL", "CO", "DK", "EG"}))
    change = Change(kind=ChangeKind.AVAILABILITY, source_id="x", provider="acme", product="api", removed=codes)
    few = render_change(change, dedup_key="k", max_countries=5)
    many = render_change(change, dedup_key="k", max_countries=50)
    assert "and 7 more" in str(few.blocks) and few.replies
    assert "more" not in str(many.blocks) and not many.replies
