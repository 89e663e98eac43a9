"""regionwatch init: a starter settings file and a database at head."""

from __future__ import annotations

from importlib import resources

import typer

from monitor.cli.context import AppContext
from monitor.config import DEFAULT_CONFIG_FILE, load_settings
from monitor.errors import RegionwatchError
from monitor.store import migrate
from monitor.store.catalog import sync_sources
from monitor.store.engine import transaction
from monitor.timeutil import utcnow


def init(ctx: typer.Context) -> None:
    """Write a commented starter regionwatch.toml and create the database at head."""
    state: AppContext = ctx.obj
    if DEFAULT_CONFIG_FILE.exists():
        raise RegionwatchError(
            f"{DEFAULT_CONFIG_FILE} already exists: not overwritten (edit it, or remove it first)"
        )
    starter = resources.files("monitor").joinpath("starter.toml").read_text("utf-8")
    DEFAULT_CONFIG_FILE.write_text(starter, encoding="utf-8")
    typer.echo(f"wrote {DEFAULT_CONFIG_FILE}")
    state = AppContext(settings=load_settings(DEFAULT_CONFIG_FILE), debug=state.debug)
    migrate.upgrade(state.settings.database_url)
    with transaction(state.sessions()) as session:
        result = sync_sources(session, state.catalog, now=utcnow())
    typer.echo(f"database ready at revision {migrate.current(state.engine)} (head): "
               f"{state.settings.database_url}; {len(result.added)} sources from {state.catalog.origin}")
