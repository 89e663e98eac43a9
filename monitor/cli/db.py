"""regionwatch db: schema migrations."""

from __future__ import annotations

import typer

from monitor.cli.context import AppContext
from monitor.store import migrate

app = typer.Typer(help="Database schema: upgrade to the newest revision, show the current one.",
                  no_args_is_help=True)


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Create the database or bring it to the newest schema revision."""
    state: AppContext = ctx.obj
    migrate.upgrade(state.settings.database_url)
    typer.echo(f"database at revision {migrate.current(state.engine)} (head)")


@app.command("current")
def current(ctx: typer.Context) -> None:
    """Show the database's schema revision and whether it is the newest (exit status 1 if not)."""
    state: AppContext = ctx.obj
    at = migrate.recorded_revisions(state.engine)
    head = migrate.head(state.settings.database_url)
    if not at:
        typer.echo("none (empty database): run 'regionwatch db upgrade'")
        raise typer.Exit(1)
    if at == (head,):
        typer.echo(f"{head} (head)")
        return
    known = migrate.known_revisions(state.settings.database_url)
    if not set(at) <= known:
        typer.echo(f"{', '.join(at)}: newer than this Regionwatch ({head} is its newest): upgrade Regionwatch")
    else:
        typer.echo(f"{', '.join(at)} (head is {head}: run 'regionwatch db upgrade')")
    raise typer.Exit(1)
