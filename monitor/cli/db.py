"""regionwatch db: schema migrations, and copying a database into a new one."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from monitor.cli.context import AppContext
from monitor.store import migrate

app = typer.Typer(
    help="Database schema: upgrade to the newest revision, show the current one, copy it.", no_args_is_help=True
)


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


@app.command("copy")
def copy(
    ctx: typer.Context,
    to: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="URL",
            help="the new, empty database to copy into (postgresql://user@host:5432/db, or sqlite:///file.db)",
        ),
    ],
) -> None:
    """Copy the whole database (history, changes, outbox) into a new one: SQLite to PostgreSQL, or back."""
    from monitor.store.copy import copy_database

    state: AppContext = ctx.obj
    shown: dict[str, float] = {}

    def progress(table: str, copied: int, total: int) -> None:
        now = time.monotonic()
        if copied == total or now - shown.get(table, 0.0) >= 2.0:  # a line per table, and every 2 s on big ones
            shown[table] = now
            typer.echo(f"{table}: {copied:,} of {total:,} rows", err=True)

    started = time.monotonic()
    done = copy_database(state.settings.database_url, to, progress=progress)
    rows = sum(c.rows for c in done)
    typer.echo(
        f"copied {rows:,} rows in {len(done)} tables in {time.monotonic() - started:.1f} s; counts verified. "
        f"Point database_url (REGIONWATCH_DATABASE_URL) at the new database, then restart the daemon."
    )
