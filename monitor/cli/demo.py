"""regionwatch demo: real events replayed offline, end to end, in about half a minute."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from monitor.cli.context import AppContext
from monitor.errors import RegionwatchError

DEFAULT_OUT = Path("regionwatch-demo-digest.html")


def demo(
    ctx: typer.Context,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="where to write the weekly digest's HTML", dir_okay=False)
    ] = DEFAULT_OUT,
    keep_db: Annotated[
        Path | None,
        typer.Option(
            "--keep-db",
            help="keep the demo's SQLite database at this (new) path, to query it afterwards",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Replay real events offline (local site, local Slack, temporary database): no setup, no network."""
    state: AppContext = ctx.obj
    if not state.debug:  # the demo narrates; the pipeline's own log lines would only repeat it
        logging.getLogger("monitor").setLevel(logging.ERROR)
    console = Console(highlight=False)
    from monitor.demo.runner import run_demo  # the whole pipeline loads only for the demo

    result = run_demo(console, out=out, keep_db=keep_db)
    console.print()
    console.rule("[bold]Done", align="left")
    posted = ", ".join(f"{n} in {channel}" for channel, n in sorted(result.messages.items())) or "none"
    console.print(
        f"Slack received {sum(result.messages.values())} messages ({posted}); finished in {result.elapsed:.1f} s."
    )
    console.print(f"Digest: {result.digest}")
    if result.database is not None:
        console.print(
            f"Database kept: {result.database}  (e.g. regionwatch changes, with "
            f"REGIONWATCH_DATABASE_URL=sqlite:///{result.database})"
        )
    if result.surprises:
        raise RegionwatchError("the demo did not go as expected: " + "; ".join(result.surprises))
