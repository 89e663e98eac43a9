"""The cluster's promises: politeness across workers, one message per alert with several dispatchers,
a failing task ends visibly, RabbitMQ works as well as Redis, and `workers status` sees the workers."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from sqlalchemy import func, select

from monitor.config import load_settings
from monitor.executor.app import DISPATCH, make_app, send_crawl
from monitor.store.models import AlertRow
from tests.executor.conftest import Cluster, wait
from tests.fakes.slack import FakeSlack, Fault
from tests.fetch.server import LocalServer
from tests.pages import FORTY, page

STEP2 = [n for n in FORTY if n not in ("Hong Kong", "Macao")] + ["Vietnam"]


def _pages(cluster: Cluster, site: LocalServer, count: int, **extra: str) -> list[str]:
    """``count`` plain pages on the one loopback domain."""
    blocks = []
    for i in range(count):
        site.set(f"/p{i}", f"<html><body><p>page {i}</p></body></html>", **extra)  # type: ignore[arg-type]
        blocks.append(
            f'[[source]]\nid = "p{i}"\nkind = "page"\nurl = "{site.url(f"/p{i}")}"\nprovider = "other"\nevery = "1h"\n'
        )
    cluster.catalog_path.write_text("\n".join(blocks), encoding="utf-8")
    return [f"p{i}" for i in range(count)]


def _app(cluster: Cluster):  # type: ignore[no-untyped-def]
    settings = load_settings(
        None,
        database_url=cluster.db_url,
        executor="celery",
        sources=cluster.catalog_path,
        celery={
            "broker_url": cluster.env["REGIONWATCH_CELERY__BROKER_URL"],
            "queue": cluster.env["REGIONWATCH_CELERY__QUEUE"],
        },
    )
    return settings, make_app(settings)


def test_two_workers_never_fetch_one_domain_at_once(cluster: Cluster, site: LocalServer) -> None:
    cluster.env.update({"REGIONWATCH_FETCH__PER_DOMAIN": "1", "REGIONWATCH_CELERY__BATCH": "3"})
    site.reset()
    site.set("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain", delay=0.2)
    ids = _pages(cluster, site, 9)
    for path in [f"/p{i}" for i in range(9)]:
        site.set(path, f"<html><body><p>{path}</p></body></html>", delay=0.2)
    cluster.worker(name="a")
    cluster.worker(name="b")
    cluster.run_once()  # three tasks of three sources, one domain
    wait(lambda: all(cluster.fetches(i) == 1 for i in ids), 60, "every source fetched")
    assert site.peak_in_flight == 1
    logs = cluster.workers[0].output() + cluster.workers[1].output()
    assert logs.count("succeeded") >= 3


def test_two_dispatchers_and_a_killed_one_send_each_alert_once(cluster: Cluster, site: LocalServer) -> None:
    with FakeSlack() as slack:
        cluster.env.update(
            {
                "REGIONWATCH_SLACK__TOKEN": "xoxb-test",
                "REGIONWATCH_SLACK__API_URL": slack.api_url,
                "REGIONWATCH_SLACK__CHANNEL": "#ai-access",
                "REGIONWATCH_SLACK__INTERVAL": "0",
            }
        )
        blocks = []
        for name in ("a", "b", "c"):
            site.set(f"/{name}", page(FORTY))
            blocks.append(
                f'[[source]]\nid = "{name}"\nkind = "page"\nurl = "{site.url(f"/{name}")}"\n'
                f'provider = "prov-{name}"\nproduct = "api"\nevery = "1h"\n'
                '[source.availability]\nselect = "ul.countries li"\n'
            )
        cluster.catalog_path.write_text("\n".join(blocks), encoding="utf-8")
        assert cluster.run("crawl", "--all").returncode == 0  # baselines, on this machine
        for name in ("a", "b", "c"):
            site.set(f"/{name}", page(STEP2))
        assert cluster.run("crawl", "--all").returncode == 0  # three changes, three alerts pending
        assert cluster.scalar(select(func.count()).select_from(AlertRow)) == 3
        slack.script("chat.postMessage", Fault(delay=2.5))  # posted at once, answered late
        _, app = _app(cluster)
        doomed = cluster.worker(name="doomed")
        app.send_task(DISPATCH, queue=cluster.env["REGIONWATCH_CELERY__QUEUE"])
        wait(lambda: len(slack.requests("chat.postMessage")) >= 1, 30, "the first post")
        doomed.kill()  # mid-dispatch: the message is on Slack, the outbox does not know
        cluster.worker("--concurrency", "2", name="a")
        cluster.worker("--concurrency", "2", name="b")
        for _ in range(8):
            app.send_task(DISPATCH, queue=cluster.env["REGIONWATCH_CELERY__QUEUE"])
        assert cluster.run("alerts", "dispatch").returncode == 0
        sent = select(func.count()).select_from(AlertRow).where(AlertRow.status == "sent")
        for _ in range(10):  # until the dead dispatcher's lease has run out and the row is taken over
            if cluster.scalar(sent) == 3:
                break
            app.send_task(DISPATCH, queue=cluster.env["REGIONWATCH_CELERY__QUEUE"])
            time.sleep(1)
        wait(lambda: cluster.scalar(sent) == 3, 30, "every alert sent")
        top = [m for m in slack.messages("#ai-access", replies=False)]
        assert len(top) == 3, [m.text for m in top]


def test_a_task_that_keeps_failing_ends_as_a_failed_fetch(cluster: Cluster, site: LocalServer) -> None:
    cluster.env["REGIONWATCH_CELERY__MAX_RETRIES"] = "1"
    _pages(cluster, site, 2)
    assert cluster.run("crawl", "--all").returncode == 0  # the sources known, fetched once
    cluster.worker()
    settings, app = _app(cluster)
    send_crawl(app, settings, ["p0", "p1"], datetime.now(UTC), "not-the-catalog")  # never matches
    wait(lambda: cluster.fetches("p1") == 2, 30, "the task to give up")
    result = cluster.run("sources", "status", "--format", "json")
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    assert rows["p0"]["last_outcome"] == "connect" and rows["p0"]["consecutive_failures"] == 1
    assert "gave up after 2 attempt(s)" in cluster.workers[0].output()
    assert len(site.hits("/p0")) == 1  # only by the crawl above: the failure is the task's, said so


def test_rabbitmq_worker_crawls_and_status_sees_it(rabbit_cluster: Cluster, site: LocalServer) -> None:
    ids = _pages(rabbit_cluster, site, 3)
    rabbit_cluster.worker(name="rabbit")
    rabbit_cluster.run_once()
    wait(lambda: all(rabbit_cluster.fetches(i) == 1 for i in ids), 30, "the crawl over RabbitMQ")
    result = rabbit_cluster.run("workers", "status", "--format", "json")
    assert result.returncode == 0, result.stderr
    (worker,) = json.loads(result.stdout)
    assert worker["worker"].startswith("rabbit-") and worker["processed"] >= 1


def test_workers_status_on_redis_counts_waiting_tasks(cluster: Cluster, site: LocalServer) -> None:
    _pages(cluster, site, 2)
    cluster.run_once()  # no worker yet: the task waits
    result = cluster.run("workers", "status", "--timeout", "0.5")
    assert result.returncode == 0, result.stderr
    assert "0 worker(s) up" in result.stdout and "1 task(s) waiting, oldest due" in result.stdout
