"""Issue 9, nothing false: every page of the bad-input corpus after a good 40-country page.

All fixtures are sources of one catalog: one crawl serves each the good page (the baseline),
a second serves each its bad page. Per fixture: the stated outcome, the 40 countries still
open, no availability change, no alert but operator notices (and, where the fixture allows,
a low-severity text change).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from monitor.store.models import AlertRow, ChangeRow, SnapshotRow
from tests.conftest import BACKENDS
from tests.dbs import PostgresDatabases, SqliteDatabases
from tests.fetch.conftest import FAST, Crawler
from tests.fetch.server import LocalServer
from tests.pages import FORTY, page
from tests.reliability.corpus import BadPage, corpus

CORPUS = corpus()
GOOD = page(FORTY)


@dataclass(frozen=True)
class Seen:
    """What the second crawl did to one source."""

    row: dict[str, Any]
    open_before: frozenset[str]
    open_after: frozenset[str]
    change_kinds: list[str]
    alert_kinds: list[str]
    first_outcome: str
    snapshots: int


def _catalog(site: LocalServer) -> str:
    blocks = [
        f'[[source]]\nid = "{bad.name}"\nkind = "page"\nurl = "{site.url("/bad/" + bad.name)}"\n'
        f'provider = "p-{bad.name}"\nproduct = "api"\n'
        f'[source.availability]\nselect = "ul.countries li"\nexclude = ["nav", "footer"]\n'
        for bad in CORPUS
    ]
    return "\n".join(blocks)


def _serve_bad(site: LocalServer, bad: BadPage) -> None:
    path = "/bad/" + bad.name
    if bad.redirect is not None:
        target = f"/r/{bad.name}{bad.redirect}"
        site.redirect(path, target, status=bad.redirect_status)
        path = target.split("?", 1)[0]
    site.set(path, bad.body, status=bad.status, headers=bad.headers, content_type=bad.content_type, gzip=bad.gzip)


@pytest.fixture(scope="module", params=BACKENDS)
def seen(
    request: pytest.FixtureRequest,
    server: LocalServer,
    sqlite_dbs: SqliteDatabases,
    postgres_dbs: PostgresDatabases | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Seen]]:
    """Both crawls through `regionwatch crawl`, once per backend; what each source saw."""
    if request.param == "postgres" and postgres_dbs is None:
        pytest.skip("PostgreSQL not configured: set REGIONWATCH_TEST_POSTGRES_URL")
    dbs = postgres_dbs if request.param == "postgres" else sqlite_dbs
    assert dbs is not None
    url = dbs.migrated()
    crawler = Crawler(tmp_path_factory.mktemp("bad"), url)
    crawler.catalog_path.write_text(_catalog(server), encoding="utf-8")
    assert set(FAST) <= set(crawler.env) and "REGIONWATCH_SLACK__TOKEN" not in os.environ
    for bad in CORPUS:
        server.set("/bad/" + bad.name, GOOD)
    first = {r["source"]: r for r in crawler.json("crawl", "--all")}
    before = crawler.open_codes()
    for bad in CORPUS:
        _serve_bad(server, bad)
    second = {r["source"]: r for r in crawler.json("crawl", "--all")}
    after = crawler.open_codes()
    with crawler.engine.connect() as conn:
        changes = conn.execute(select(ChangeRow.source_id, ChangeRow.kind)).all()
        alerts = conn.execute(
            select(ChangeRow.source_id, ChangeRow.kind).join(AlertRow, AlertRow.change_id == ChangeRow.id)
        ).all()
        snapshots = [s for (s,) in conn.execute(select(SnapshotRow.source_id))]
    yield {
        bad.name: Seen(
            row=second[bad.name],
            first_outcome=first[bad.name]["outcome"],
            open_before=before.get("p-" + bad.name, frozenset()),
            open_after=after.get("p-" + bad.name, frozenset()),
            change_kinds=[k for s, k in changes if s == bad.name],
            alert_kinds=[k for s, k in alerts if s == bad.name],
            snapshots=snapshots.count(bad.name),
        )
        for bad in CORPUS
    }
    crawler.close()
    if isinstance(dbs, PostgresDatabases):
        dbs.drop(url)


def test_the_corpus_is_big_and_self_describing() -> None:
    assert len(CORPUS) >= 30
    assert all(bad.description and bad.outcomes for bad in CORPUS)
    assert len({bad.name for bad in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("bad", CORPUS, ids=[b.name for b in CORPUS])
def test_a_bad_page_changes_nothing_and_alerts_nobody(bad: BadPage, seen: dict[str, Seen]) -> None:
    got = seen[bad.name]
    assert got.first_outcome == "changed" and len(got.open_before) == 40
    assert got.row["outcome"] in bad.outcomes, (bad.description, got.row)
    assert got.open_after == got.open_before
    assert "availability" not in got.change_kinds
    allowed = {"operator"} | bad.allow_kinds
    assert set(got.change_kinds) <= allowed and set(got.alert_kinds) <= allowed, got.change_kinds


def test_failed_fetches_keep_no_snapshot(seen: dict[str, Seen]) -> None:
    """An error outcome stores no snapshot: the bad body can never become a baseline."""
    errors = {
        name
        for name, s in seen.items()
        if s.row["outcome"] not in ("changed", "unchanged", "suspect", "held", "not_modified")
    }
    assert len(errors) >= 20
    assert {name: seen[name].snapshots for name in errors} == dict.fromkeys(errors, 1)
