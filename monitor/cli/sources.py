"""regionwatch sources: the catalog, listed and validated."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.context import AppContext
from monitor.cli.output import Format, emit
from monitor.query import sources as source_queries
from monitor.sources.catalog import load_catalog
from monitor.timeutil import format_duration, utcnow

app = typer.Typer(help="The source catalog: list it, validate it.", no_args_is_help=True)

FormatOption = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv")]


@app.command("list")
def list_sources(ctx: typer.Context, fmt: FormatOption = Format.TABLE) -> None:
    """List the catalog's sources, grouped by provider."""
    state: AppContext = ctx.obj
    ordered = sorted(state.catalog.sources, key=lambda s: (s.provider, s.id))
    rows = [
        {
            "provider": s.provider,
            "id": s.id,
            "kind": s.kind.value,
            "product": s.product,
            "every": format_duration(s.every),
            "availability": s.availability is not None,
            "enabled": s.enabled,
            "url": s.url,
        }
        for s in ordered
    ]
    columns = ["provider", "id", "kind", "product", "every", "availability", "enabled", "url"]
    emit(rows, columns, fmt, title=f"Sources ({state.catalog.origin})")


@app.command("validate")
def validate(
    ctx: typer.Context,
    file: Annotated[Path | None, typer.Argument(help="catalog file; default: the configured one")] = None,
) -> None:
    """Check a catalog file and report every problem with its entry and key."""
    state: AppContext = ctx.obj
    catalog = load_catalog(file) if file is not None else state.catalog
    typer.echo(f"ok: {len(catalog.sources)} sources, {len(catalog.routes)} routes in {catalog.origin}")


@app.command("status")
def status(
    ctx: typer.Context,
    provider: Annotated[str | None, typer.Option("--provider", "-p", help="provider slug, e.g. openai")] = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Per source: last outcome, consecutive failures, suspect state, last change."""
    state: AppContext = ctx.obj
    rows = source_queries.status(state.sessions(), provider=provider, now=utcnow())
    columns = [
        "provider",
        "id",
        "health",
        "last_outcome",
        "last_fetch_at",
        "consecutive_failures",
        "suspect_reason",
        "held_change_id",
        "last_change_id",
        "last_change_at",
        "last_change_title",
    ]
    emit(
        rows,
        columns,
        fmt,
        title="Source health",
        first=("provider", "id", "health", "last_outcome", "last_fetch_at", "last_change_title"),
    )
