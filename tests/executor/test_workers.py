"""Crawls on real Celery workers: at-least-once delivery from the broker, exactly-once effects in PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from monitor.config import load_settings
from monitor.executor.app import make_app, send_crawl
from monitor.executor.work import catalog_digest
from monitor.sources.catalog import load_catalog
from monitor.store.models import FetchRow, SourceRow
from tests.executor.conftest import Cluster, wait
from tests.fakes.slack import FakeSlack
from tests.fetch.server import LocalServer
from tests.pages import FORTY, page

STEP2 = [n for n in FORTY if n not in ("Hong Kong", "Macao")] + ["Vietnam"]


def _catalog(cluster: Cluster, site: LocalServer, extra: int = 0) -> None:
    site.set("/countries", page(FORTY), etag=True)
    blocks = [
        f"""
[[source]]
id = "acme-api"
kind = "page"
url = "{site.url("/countries")}"
provider = "acme"
product = "api"
every = "1h"
[source.availability]
select = "ul.countries li"
"""
    ]
    for i in range(extra):
        site.set(f"/p{i}", f"<html><body><p>page {i}</p></body></html>")
        blocks.append(
            f'[[source]]\nid = "p{i}"\nkind = "page"\nurl = "{site.url(f"/p{i}")}"\nprovider = "other"\nevery = "1h"\n'
        )
    cluster.catalog_path.write_text("\n".join(blocks), encoding="utf-8")


def _slack(cluster: Cluster, slack: FakeSlack) -> None:
    cluster.env.update(
        {
            "REGIONWATCH_SLACK__TOKEN": "xoxb-test",
            "REGIONWATCH_SLACK__API_URL": slack.api_url,
            "REGIONWATCH_SLACK__CHANNEL": "#ai-access",
        }
    )


def _make_due(cluster: Cluster) -> datetime:
    """As if the hour had passed since the last fetch; the moment after which a fetch counts as new."""
    with cluster.engine.begin() as conn:
        conn.execute(update(SourceRow).values(last_fetch_at=datetime.now(UTC) - timedelta(hours=2)))
    return datetime.now(UTC)


def _fetched_after(cluster: Cluster, source_id: str, since: datetime) -> int:
    return int(
        cluster.scalar(
            select(func.count())
            .select_from(FetchRow)
            .where(FetchRow.source_id == source_id, FetchRow.started_at >= since)
        )
    )


def test_a_worker_killed_mid_crawl_leaves_one_fetch_one_change_one_message(cluster: Cluster, site: LocalServer) -> None:
    with FakeSlack() as slack:
        _slack(cluster, slack)
        _catalog(cluster, site, extra=3)
        first = cluster.worker()
        cluster.run_once()
        wait(lambda: cluster.fetches("acme-api") == 1 and cluster.fetches("p2") == 1, 30, "baseline crawl")
        assert slack.messages() == []  # the first read is a baseline
        # a true change, served slowly so the worker is killed while it fetches it
        site.set("/countries", page(STEP2), etag=True, delay=3.0)
        since = _make_due(cluster)
        cluster.run_once()
        doomed = first
        for hits in (2, 3):  # killed twice: the task comes back after each, to the next worker
            wait(lambda: len(site.hits("/countries")) >= hits, 30, "the change being fetched")  # noqa: B023
            doomed.kill()
            assert cluster.changes() == 0
            if hits == 2:
                doomed = cluster.worker()
        site.set("/countries", page(STEP2), etag=True)
        cluster.worker()  # the task comes back to this one once the visibility timeout has passed
        wait(lambda: len(slack.messages("#ai-access")) >= 1, 60, "the alert")
        cluster.run_once()  # nothing is due again: nothing is sent twice
        wait(lambda: _fetched_after(cluster, "p2", since) >= 1, 30, "the other sources")
        assert cluster.changes() == 1
        # the read and its confirming re-fetch, once: the killed attempt recorded nothing
        assert _fetched_after(cluster, "acme-api", since) == 2, _rows(cluster, "acme-api")
        assert all(_fetched_after(cluster, f"p{i}", since) == 1 for i in range(3))
        assert len(slack.messages("#ai-access")) == 1


def test_a_task_delivered_twice_records_its_fetches_once(cluster: Cluster, site: LocalServer) -> None:
    _catalog(cluster, site, extra=2)
    cluster.worker()
    settings = load_settings(None, **_settings_values(cluster))
    catalog = load_catalog(cluster.catalog_path)
    app = make_app(settings)
    due = datetime.now(UTC)
    for _ in range(3):  # the same task, as a broker that redelivers would hand it over
        send_crawl(app, settings, ["acme-api", "p0", "p1"], due, catalog_digest(catalog))
    wait(lambda: cluster.fetches("p1") >= 1, 30, "the crawl")
    cluster.run_once()  # and the scheduler, which finds nothing due
    wait(lambda: "skipped" in cluster.workers[0].output(), 30, "the copies to be skipped")
    assert [cluster.fetches(i) for i in ("acme-api", "p0", "p1")] == [1, 1, 1]


def _rows(cluster: Cluster, source_id: str) -> list[tuple[object, ...]]:
    with cluster.engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(FetchRow.started_at, FetchRow.outcome, FetchRow.error).where(FetchRow.source_id == source_id)
            )
        ]


def _settings_values(cluster: Cluster) -> dict[str, object]:
    return {
        "database_url": cluster.db_url,
        "executor": "celery",
        "sources": cluster.catalog_path,
        "celery": {
            "broker_url": cluster.env["REGIONWATCH_CELERY__BROKER_URL"],
            "queue": cluster.env["REGIONWATCH_CELERY__QUEUE"],
        },
    }
