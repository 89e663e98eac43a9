"""regionwatch init: a starter settings file and a database at head."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import typer

from monitor.cli.context import AppContext
from monitor.config import DEFAULT_CONFIG_FILE, load_settings
from monitor.errors import RegionwatchError
from monitor.store import migrate
from monitor.store.catalog import sync_sources
from monitor.store.engine import database_url, sqlite_file, transaction
from monitor.timeutil import utcnow


def init(ctx: typer.Context) -> None:
    """Write a commented starter regionwatch.toml and create the database at head."""
    # All or nothing: the settings file is written beside its final name and moved into place only
    # once the database is at head with the catalog's sources in it; when anything fails, nothing
    # is left behind (a SQLite file this command created is removed), so a second init starts over.
    state: AppContext = ctx.obj
    target = DEFAULT_CONFIG_FILE
    if target.exists():
        raise RegionwatchError(f"{target} already exists: not overwritten (edit it, or remove it first)")
    starter = resources.files("monitor").joinpath("starter.toml").read_text("utf-8")
    draft = target.with_name(f".{target.name}.init-{os.getpid()}")
    try:
        draft.write_text(starter, encoding="utf-8")
    except OSError as exc:
        raise RegionwatchError(
            f"cannot write {target.resolve()}: {exc.strerror or exc} (run init in a directory you can write to)"
        ) from None
    created: Path | None = None
    try:
        settings = load_settings(draft)
        created = _new_sqlite_file(settings.database_url)
        migrate.upgrade(settings.database_url)
        state = AppContext(settings=settings, debug=state.debug)
        with transaction(state.sessions()) as session:
            result = sync_sources(session, state.catalog, now=utcnow())
        revision = migrate.current(state.engine)
        state.engine.dispose()
        draft.replace(target)
    except BaseException:
        draft.unlink(missing_ok=True)
        if created is not None:
            for leftover in (created, *(created.with_name(created.name + s) for s in ("-wal", "-shm", "-journal"))):
                leftover.unlink(missing_ok=True)
        raise
    typer.echo(f"wrote {target}")
    typer.echo(
        f"database ready at revision {revision} (head): "
        f"{settings.database_url}; {len(result.added)} sources from {state.catalog.origin}"
    )


def _new_sqlite_file(raw: str) -> Path | None:
    """The SQLite file init is about to create (None when it exists already, or for PostgreSQL)."""
    path = sqlite_file(database_url(raw))
    return None if path is None or path.exists() else path
