"""regionwatch worker / workers status: Celery workers for crawls and dispatch (executor = celery)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from monitor.cli.context import AppContext
from monitor.cli.output import Format, emit
from monitor.errors import ConfigError

workers_app = typer.Typer(
    help="The Celery workers: which are up, what they run, what waits in the queue.", no_args_is_help=True
)


def _celery_mode(state: AppContext) -> None:
    if state.settings.executor != "celery":
        raise ConfigError(
            "executor is 'local': set executor = \"celery\" (and a PostgreSQL database_url) to run workers"
        )


def worker(
    ctx: typer.Context,
    queues: Annotated[
        str | None,
        typer.Option("--queues", "-Q", help="queues to take tasks from, comma-separated (default: celery.queue)"),
    ] = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", min=1, help="tasks run side by side (one process each)")
    ] = 1,
    hostname: Annotated[
        str | None, typer.Option("--hostname", "-n", help="the worker's name (default: regionwatch@HOST)")
    ] = None,
) -> None:
    """A Celery worker: takes crawl and dispatch tasks from the broker until stopped."""
    state: AppContext = ctx.obj
    _celery_mode(state)
    state.sessions()  # refuses a database that is not migrated
    catalog = state.catalog
    state.engine.dispose()  # the pool's processes open their own connections
    from monitor.executor.app import worker_app
    from monitor.executor.work import Worker

    app = worker_app(state.settings, Worker(state.settings, catalog))
    level = logging.getLevelName(logging.getLogger().getEffectiveLevel())
    app.worker_main(
        [
            "worker",
            f"--queues={queues or state.settings.celery.queue}",
            f"--concurrency={concurrency}",
            f"--hostname={hostname or 'regionwatch@%h'}",
            f"--loglevel={level}",
            "--without-gossip",
            "--without-mingle",
        ]
    )


@workers_app.command("status")
def status(
    ctx: typer.Context,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="seconds to wait for workers to answer")] = 2.0,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table, json or csv")] = Format.TABLE,
) -> None:
    """Which workers answer, what each runs, and how many tasks wait in the queue."""
    state: AppContext = ctx.obj
    _celery_mode(state)
    from monitor.executor.app import make_app
    from monitor.executor.status import cluster_state

    found = cluster_state(make_app(state.settings), state.settings.celery.queue, timeout=timeout)
    rows = [
        {"worker": w.name, "active": w.active, "reserved": w.reserved, "processed": w.processed} for w in found.workers
    ]
    emit(rows, ["worker", "active", "reserved", "processed"], fmt)
    if fmt is Format.TABLE:
        oldest = f", oldest due {found.oldest_due:%Y-%m-%d %H:%M:%S}Z" if found.oldest_due else ""
        waiting = "unknown" if found.waiting is None else str(found.waiting)
        typer.echo(f"{len(found.workers)} worker(s) up; queue {found.queue!r}: {waiting} task(s) waiting{oldest}")
