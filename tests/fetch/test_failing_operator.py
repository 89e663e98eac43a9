"""A source failing for a day raises one operator alert per failure streak, never an availability one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from monitor.store.models import AlertRow, ChangeRow, SourceRow
from tests.fetch.conftest import Crawler, page
from tests.fetch.server import LocalServer


def test_failing_for_a_day_alerts_the_operator_once(site: LocalServer, sqlite_crawler: Crawler) -> None:
    site.set("/down", "oops", status=500)
    sqlite_crawler.catalog(page("down", site.url("/down")))
    assert sqlite_crawler.json("crawl", "--all")[0]["outcome"] == "http_5xx"
    with sqlite_crawler.engine.begin() as conn:
        conn.execute(update(SourceRow).values(failing_since=datetime.now(UTC) - timedelta(hours=25)))
    for _ in range(2):
        assert sqlite_crawler.json("crawl", "--all")[0]["outcome"] == "http_5xx"
    with sqlite_crawler.engine.connect() as conn:
        changes = conn.execute(select(ChangeRow.kind, ChangeRow.title)).all()
        alerts = conn.execute(select(AlertRow.destination)).scalars().all()
    assert [c.kind for c in changes] == ["operator"]
    assert "has been failing for 25 h" in changes[0].title and "http_5xx" in changes[0].title
    assert alerts == ["operator"]
