"""The Celery app, built from Settings: at-least-once delivery, one task at a time per process.

``acks_late`` with ``task_reject_on_worker_lost``: a task is acknowledged only when it ends, so a
worker killed mid-task (even with kill -9) leaves it to be delivered again: at once on RabbitMQ,
after ``celery.visibility_timeout`` on Redis. ``worker_prefetch_multiplier = 1``: a worker holds
no more tasks than it runs, so an idle worker gets the next one. JSON only, never pickle.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from celery import Celery, Task

from monitor.config import Settings
from monitor.executor.work import DomainBusyError, Worker

CRAWL = "regionwatch.crawl"
DISPATCH = "regionwatch.dispatch"


def make_app(settings: Settings) -> Celery:
    """An app that can enqueue Regionwatch's tasks (the scheduler's side)."""
    app = Celery("regionwatch", broker=settings.celery.broker_url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=settings.celery.queue,
        task_ignore_result=True,
        broker_transport_options=_transport_options(settings.celery.visibility_timeout),
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        # a crawl is killed at fetch.crawl_timeout (twice: it may re-fetch for a confirmation)
        task_time_limit=2 * settings.fetch.crawl_timeout + 600,
        worker_cancel_long_running_tasks_on_connection_loss=True,
    )
    return app


def _transport_options(visibility: float) -> dict[str, float]:
    """Redis: how long a taken task stays invisible, and a sweep for lost ones every quarter of that
    (kombu's default sweep, every ~100 s, would leave a dead worker's task waiting far longer)."""
    return {
        "visibility_timeout": visibility,
        "unacked_restore_interval": max(1.0, min(60.0, visibility / 4)),
        "unacked_restore_throttle": 1,
    }


def worker_app(settings: Settings, worker: Worker) -> Celery:
    """The app with the tasks bound to ``worker`` (the worker's side)."""
    app = make_app(settings)
    retries, delay, busy = settings.celery.max_retries, settings.celery.retry_delay, settings.celery.busy_delay

    @app.task(name=CRAWL, bind=True, max_retries=None)  # type: ignore[untyped-decorator]
    def crawl(task: Task, source_ids: list[str], due_at: str, digest: str, failures: int = 0) -> dict[str, int]:
        when = datetime.fromisoformat(due_at)
        try:
            return worker.crawl(source_ids, when, digest).as_json()
        except DomainBusyError:
            raise task.retry(countdown=busy) from None
        except Exception as exc:  # the task boundary: retried, then recorded as failed
            if failures >= retries:
                return {"failed": worker.give_up(source_ids, when, exc, failures + 1)}
            raise task.retry(
                args=[source_ids, due_at, digest, failures + 1], kwargs={}, countdown=delay * 2**failures, exc=exc
            ) from exc

    @app.task(name=DISPATCH)  # type: ignore[untyped-decorator]
    def dispatch() -> None:
        worker.dispatch()

    return app


def send_crawl(app: Celery, settings: Settings, source_ids: list[str], due_at: datetime, digest: str) -> Any:
    """Enqueue one crawl task."""
    return app.send_task(
        CRAWL,
        args=[source_ids, due_at.isoformat(), digest],
        queue=settings.celery.queue,
        headers={"regionwatch_enqueued_at": due_at.isoformat()},
    )
