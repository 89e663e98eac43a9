"""``regionwatch workers status``: which workers answer, what they run, how much waits in the queue."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from celery import Celery


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerState:
    name: str
    active: int  # tasks running now
    reserved: int  # tasks taken, not yet started
    processed: int  # tasks done since the worker started


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterState:
    workers: tuple[WorkerState, ...]
    queue: str
    waiting: int | None  # messages in the queue; None if the broker would not say
    oldest_due: datetime | None  # the due time of the oldest waiting crawl task (Redis only)


def cluster_state(app: Celery, queue: str, *, timeout: float = 2.0) -> ClusterState:
    """Ask the workers that take from ``queue`` (Celery's inspect API) and the broker."""
    queues = app.control.inspect(timeout=timeout).active_queues() or {}
    names = sorted(n for n, taken in queues.items() if any(q.get("name") == queue for q in taken or []))
    inspect = app.control.inspect(timeout=timeout, destination=names)  # only these: no waiting for others
    active, reserved, stats = (
        (inspect.active() or {}, inspect.reserved() or {}, inspect.stats() or {}) if names else ({}, {}, {})
    )
    workers = tuple(
        WorkerState(
            name=n,
            active=len(active.get(n) or []),
            reserved=len(reserved.get(n) or []),
            processed=sum((stats.get(n) or {}).get("total", {}).values()),
        )
        for n in names
    )
    waiting, oldest = _queue(app, queue)
    return ClusterState(workers=workers, queue=queue, waiting=waiting, oldest_due=oldest)


def _queue(app: Celery, queue: str) -> tuple[int | None, datetime | None]:
    with app.connection_for_read() as conn:
        channel = conn.default_channel
        try:
            waiting = int(channel.queue_declare(queue=queue, passive=True).message_count)
        except conn.channel_errors:  # the queue does not exist yet (nothing was ever sent): nothing waits
            return 0, None
        client = getattr(channel, "client", None)  # Redis: the list's far end is the oldest message
        raw = client.lindex(queue, -1) if client is not None and waiting else None
    return waiting, _enqueued_at(raw)


def _enqueued_at(raw: Any) -> datetime | None:
    if not raw:
        return None
    try:
        stamp = json.loads(raw)["headers"].get("regionwatch_enqueued_at")
        return datetime.fromisoformat(stamp) if stamp else None
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
