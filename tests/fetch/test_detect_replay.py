"""Issue 4's replay through the real `regionwatch crawl`: one availability change, right as-of answers.

(1) 40 countries, (2) two dropped and one added, (3) only reordered and restyled, (4) 403 with
a challenge, (5) 200 challenge page, (6) the list lost to a redesign, (7) the selector reads
navigation words, (8) back to (3).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy import func, select

from monitor.store.models import ChangeRow
from tests.fetch.conftest import Crawler
from tests.fetch.server import LocalServer
from tests.pages import CHALLENGE, FORTY, NAVIGATION, REDESIGN
from tests.pages import page as html_page

STEP2 = [n for n in FORTY if n not in ("Hong Kong", "Macao")] + ["Vietnam"]


def _as_of(crawler: Crawler, moment: datetime) -> set[str]:
    rows = crawler.json_rows("availability", "--as-of", moment.isoformat(), "--provider", "acme")
    return {r["country"] for r in rows}


def test_eight_steps_through_crawl(site: LocalServer, crawler: Crawler) -> None:
    crawler.catalog_path.write_text(
        f"""
[[source]]
id = "acme-api"
kind = "page"
url = "{site.url("/countries")}"
provider = "acme"
product = "api"
[source.availability]
select = "ul.countries li"
exclude = ["nav", "footer"]
""",
        encoding="utf-8",
    )
    restyled = html_page(list(reversed(STEP2)), item_class="v2")
    steps: list[tuple[bytes, int, dict[str, str]]] = [
        (html_page(FORTY), 200, {}),
        (html_page(STEP2), 200, {}),
        (restyled, 200, {}),
        (CHALLENGE, 403, {"cf-mitigated": "challenge"}),
        (CHALLENGE, 200, {}),
        (REDESIGN, 200, {}),
        (NAVIGATION, 200, {}),
        (restyled, 200, {}),
    ]
    outcomes, moments = [], []
    for body, status, headers in steps:
        site.set("/countries", body, status=status, headers=headers)
        (row,) = crawler.json("crawl", "--all")
        outcomes.append(row["outcome"])
        moments.append(datetime.now(UTC))
        time.sleep(0.01)
    assert outcomes[0] == "changed" and outcomes[1] == "confirmed"  # held on its read, confirmed by a fresh one
    assert outcomes[3] == "blocked" and outcomes[4] == "blocked"
    assert outcomes[5] == "suspect" and outcomes[6] == "suspect"
    with crawler.engine.connect() as conn:
        kinds = dict(conn.execute(select(ChangeRow.kind, func.count()).group_by(ChangeRow.kind)).all())
        change = conn.execute(select(ChangeRow.added, ChangeRow.removed).where(ChangeRow.kind == "availability")).one()
    assert kinds.get("availability") == 1, kinds
    assert list(change.added) == ["VN"] and list(change.removed) == ["HK", "MO"]
    before, after = _as_of(crawler, moments[0]), _as_of(crawler, moments[-1])
    assert len(before) == 40 and {"HK", "MO"} <= before and "VN" not in before
    assert len(after) == 39 and "VN" in after and not {"HK", "MO"} & after
