"""The regionwatch command: one Typer app, one sub-module per command group.

Start-up is paid on every run (a benchmark and cron start ``regionwatch crawl`` each cycle),
so a command's module is imported only when that command runs: ``regionwatch crawl`` never
loads the digest's Jinja2, the outbox, the web stack or Alembic. ``COMMANDS`` lists every
command with its one-line help, which ``regionwatch --help`` shows without importing any of
them; tests/cli/test_startup.py keeps those lines equal to the commands' own help.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.main
from typer import _click as click  # the Click that this Typer vendors
from typer.core import TyperCommand, TyperGroup, TyperOption

from monitor.errors import CatalogError, RegionwatchError


@dataclass(frozen=True)
class LazyCommand:
    """Where a command lives (``module:attribute``: a function or a Typer group) and its help."""

    target: str
    help: str

    def load(self, name: str) -> click.Command:
        """Import the module and build the command exactly as ``app.command``/``app.add_typer`` would."""
        module, _, attribute = self.target.partition(":")
        found = getattr(importlib.import_module(module), attribute)
        holder = typer.Typer()
        if isinstance(found, typer.Typer):
            holder.add_typer(found, name=name)
        else:
            holder.command(name)(found)
        return typer.main.get_group(holder).commands[name]


#: Every command, in the order --help lists them.
COMMANDS: dict[str, LazyCommand] = {
    "crawl": LazyCommand(
        "monitor.cli.crawl:crawl", "Fetch the chosen sources now, in one batch; record and detect what changed."
    ),
    "run": LazyCommand(
        "monitor.cli.run:run", "The daemon: scheduled crawls, alert dispatch every few seconds, the weekly digest."
    ),
    "extract": LazyCommand(
        "monitor.cli.extract:extract", "Dry run: the claims a saved page makes under a source's selector."
    ),
    "reextract": LazyCommand(
        "monitor.cli.extract:reextract",
        "Recompute claims from stored snapshots after an extractor fix (corrections, no alerts).",
    ),
    "availability": LazyCommand("monitor.cli.query:availability", "Who served whom at a moment (default: now)."),
    "changes": LazyCommand(
        "monitor.cli.query:changes", 'What was detected, newest first; signals are changes of kind "signal".'
    ),
    "history": LazyCommand(
        "monitor.cli.history:history",
        "Every availability interval: when it started and ended, and the change or snapshot behind it.",
    ),
    "diff": LazyCommand(
        "monitor.cli.history:diff",
        "One change: countries removed and added, then its line and word diff (coloured on a terminal).",
    ),
    "serve": LazyCommand(
        "monitor.cli.serve:serve",
        "Serve the read-only web view: overview, maps, countries, providers, changes, JSON API, feed.",
    ),
    "demo": LazyCommand(
        "monitor.cli.demo:demo",
        "Replay real events offline (local site, local Slack, temporary database): no setup, no network.",
    ),
    "init": LazyCommand(
        "monitor.cli.init:init", "Write a commented starter regionwatch.toml and create the database at head."
    ),
    "worker": LazyCommand(
        "monitor.cli.worker:worker", "A Celery worker: takes crawl and dispatch tasks from the broker until stopped."
    ),
    "workers": LazyCommand(
        "monitor.cli.worker:workers_app", "The Celery workers: which are up, what they run, what waits in the queue."
    ),
    "db": LazyCommand(
        "monitor.cli.db:app", "Database schema: upgrade to the newest revision, show the current one, copy it."
    ),
    "sources": LazyCommand("monitor.cli.sources:app", "The source catalog: list it, validate it."),
    "digest": LazyCommand("monitor.cli.digest:app", "The weekly digest e-mail: preview it as HTML, or send it now."),
    "alerts": LazyCommand(
        "monitor.cli.alerts:app", "The alert outbox: list it, send what is due to Slack, retry dead alerts."
    ),
    "held": LazyCommand(
        "monitor.cli.held:app", "Held set changes: list them, accept one that is real, reject one that is not."
    ),
}


class LazyCommands(MutableMapping[str, click.Command]):
    """A group's commands by name: all names known up front, each command built on first access."""

    def __init__(self, lazy: dict[str, LazyCommand], built: MutableMapping[str, click.Command]) -> None:
        self._entries: dict[str, LazyCommand | click.Command] = {**lazy, **built}

    def __getitem__(self, name: str) -> click.Command:
        entry = self._entries[name]
        if isinstance(entry, LazyCommand):
            entry = self._entries[name] = entry.load(name)
        return entry

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._entries[name] = command

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def summary(self, name: str) -> click.Command | None:
        """The command if built, else a stand-in carrying only its name and help (for listings)."""
        entry = self._entries.get(name)
        if isinstance(entry, LazyCommand):
            return TyperCommand(name, help=entry.help)
        return entry


class LazyGroup(TyperGroup):
    """The root group: ``--help`` lists the commands from ``COMMANDS``; running one imports only it."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.lazy = LazyCommands(COMMANDS, self.commands)
        self.commands = self.lazy
        self._listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.lazy)  # the names only: TyperGroup's would build every command

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self.lazy.summary(cmd_name) if self._listing else self.lazy.get(cmd_name)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


def _clean_metavar(option: TyperOption, ctx: click.Context) -> str | None:
    """Help's type column as a reader wants it: nothing for a flag (Typer 0.29 prints ``<bool>``
    beside ``--help``), ``<int>`` rather than ``<int range>`` (the range is printed after it)."""
    if option.is_bool_flag or option.metavar is not None:
        return option.metavar
    return option.display_type(ctx).replace(" range>", ">")


TyperOption.display_type_rich = _clean_metavar  # type: ignore[method-assign,assignment]

app = typer.Typer(
    name="regionwatch",
    cls=LazyGroup,
    help="Watch AI and API providers for changes in where their APIs may be used.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
)


def _version(value: bool) -> None:
    """``--version``: the installed distribution's version."""
    if value:
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as installed

        try:
            typer.echo(f"regionwatch {installed('regionwatch')}")
        except PackageNotFoundError:
            typer.echo("regionwatch (not installed: run from a checkout)")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="settings file (default: ./regionwatch.toml)")
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="show tracebacks and debug logs")] = False,
    version: Annotated[
        bool, typer.Option("--version", is_eager=True, callback=_version, help="print the version and exit")
    ] = False,
) -> None:
    """Regionwatch: availability pages, newsrooms and regulators, watched for you."""
    from monitor.cli.context import AppContext
    from monitor.config import isolated_settings, load_settings

    # the demo states all its settings: a bad REGIONWATCH_* variable or file cannot stop it
    settings = isolated_settings() if ctx.invoked_subcommand == "demo" else load_settings(config)
    level = logging.DEBUG if debug else getattr(logging, settings.log_level.upper(), logging.INFO)
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr, force=True
    )
    for noisy in ("alembic", "apscheduler"):  # their INFO lines repeat every job run
        logging.getLogger(noisy).setLevel(logging.DEBUG if debug else logging.WARNING)
    # slack-sdk logs an ERROR for every failed request; the dispatcher says what each failure means
    # (one WARNING per attempt, one ERROR per outage or dead alert), so its own lines are debug only
    logging.getLogger("slack_sdk").setLevel(logging.DEBUG if debug else logging.CRITICAL)
    ctx.obj = AppContext(settings=settings, debug=debug)


def main() -> None:
    """Entry point: one line on stderr for known errors, tracebacks only with --debug."""
    debug = "--debug" in sys.argv[1:]
    try:
        app(standalone_mode=True)
    except CatalogError as exc:
        _fail(debug, *exc.problems)
    except RegionwatchError as exc:
        _fail(debug, str(exc))
    except Exception as exc:
        message = _database_error(exc)
        if message is None:
            raise
        _fail(debug, message)


def _database_error(exc: Exception) -> str | None:
    """SQLAlchemy's errors in one line; None for anything else (SQLAlchemy is not imported to ask)."""
    if "sqlalchemy.exc" not in sys.modules:  # then nothing raised can be one of its errors
        return None
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    if isinstance(exc, OperationalError):
        return f"database error: {exc.orig}: check database_url and that the server is up"
    if isinstance(exc, SQLAlchemyError):
        return f"database error: {exc}"
    return None


def _fail(debug: bool, *lines: str) -> None:
    if debug:
        logging.getLogger("monitor").exception("failed")
    for line in lines:
        sys.stderr.write(f"error: {line}\n")
    raise SystemExit(1)
