"""The regionwatch command: one Typer app, one sub-module per command group."""

from __future__ import annotations

import logging
import sys
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from monitor.cli import alerts, crawl, db, demo, digest, extract, history, query, run, serve, sources
from monitor.cli.context import AppContext
from monitor.config import DEFAULT_CONFIG_FILE, load_settings
from monitor.errors import CatalogError, RegionwatchError
from monitor.store import migrate
from monitor.store.catalog import sync_sources
from monitor.store.engine import transaction
from monitor.timeutil import utcnow

app = typer.Typer(
    name="regionwatch",
    help="Watch AI and API providers for changes in where their APIs may be used.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(sources.app, name="sources")
app.add_typer(digest.app, name="digest")
app.add_typer(alerts.app, name="alerts")
app.command("crawl")(crawl.crawl)
app.command("run")(run.run)
app.command("extract")(extract.extract)
app.command("reextract")(extract.reextract)
app.command("availability")(query.availability)
app.command("changes")(query.changes)
app.command("history")(history.history)
app.command("diff")(history.diff)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)

log = logging.getLogger("monitor")


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="settings file (default: ./regionwatch.toml)")
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="show tracebacks and debug logs")] = False,
) -> None:
    """Regionwatch: availability pages, newsrooms and regulators, watched for you."""
    settings = load_settings(config)
    level = logging.DEBUG if debug else getattr(logging, settings.log_level.upper(), logging.INFO)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr, force=True)
    for noisy in ("alembic", "apscheduler"):  # their INFO lines repeat every job run
        logging.getLogger(noisy).setLevel(logging.DEBUG if debug else logging.WARNING)
    ctx.obj = AppContext(settings=settings, debug=debug)


@app.command()
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


def main() -> None:
    """Entry point: one line on stderr for known errors, tracebacks only with --debug."""
    debug = "--debug" in sys.argv[1:]
    try:
        app(standalone_mode=True)
    except CatalogError as exc:
        _fail(debug, *exc.problems)
    except RegionwatchError as exc:
        _fail(debug, str(exc))
    except OperationalError as exc:
        _fail(debug, f"database error: {exc.orig}: check database_url and that the server is up")
    except SQLAlchemyError as exc:
        _fail(debug, f"database error: {exc}")


def _fail(debug: bool, *lines: str) -> None:
    if debug:
        logging.getLogger("monitor").exception("failed")
    for line in lines:
        sys.stderr.write(f"error: {line}\n")
    raise SystemExit(1)
