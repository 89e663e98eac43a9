"""regionwatch run: the daemon (or one full cycle with --once)."""

from __future__ import annotations

from typing import Annotated

import typer

from monitor.cli.context import AppContext
from monitor.schedule.lock import daemon_lock
from monitor.timeutil import utcnow


def run(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="one cycle (crawl due, detect, dispatch), then exit")] = False,
    tick: Annotated[float, typer.Option("--tick", min=1, help="seconds between checks for due sources")] = 60.0,
) -> None:
    """The daemon: scheduled crawls, alert dispatch every few seconds, the weekly digest."""
    state: AppContext = ctx.obj
    state.sessions()  # refuses a database that is not migrated
    with daemon_lock(state.engine):
        from monitor.schedule.daemon import Daemon  # the scheduler and senders load only here

        daemon = Daemon(state.settings, state.catalog, state.engine, clock=utcnow)
        if once:
            daemon.once()
        else:
            daemon.run_forever(tick=tick)
