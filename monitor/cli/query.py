"""regionwatch availability / changes: questions about the history."""

from __future__ import annotations

from typing import Annotated

import typer

from monitor.cli.context import AppContext
from monitor.cli.output import Format, emit
from monitor.query import history
from monitor.query.filters import country_code, moment
from monitor.timeutil import utcnow
from monitor.types import ChangeKind

FormatOption = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv")]
ProviderOption = Annotated[str | None, typer.Option("--provider", "-p", help="provider slug, e.g. openai")]


def availability(
    ctx: typer.Context,
    as_of: Annotated[str | None, typer.Option("--as-of", help="a date (2024-07-10), time, or 7d/3m ago")] = None,
    provider: ProviderOption = None,
    product: Annotated[str | None, typer.Option("--product", help="product, e.g. api")] = None,
    country: Annotated[str | None, typer.Option("--country", help="code or name, e.g. HK or 香港")] = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Who served whom at a moment (default: now)."""
    state: AppContext = ctx.obj
    at = moment(as_of, now=utcnow())
    rows = history.availability(
        state.sessions(), at=at, provider=provider, product=product, country=country_code(country) if country else None
    )
    emit(
        rows,
        ["provider", "product", "country", "name", "valid_from", "valid_to", "caveats"],
        fmt,
        title=f"Available as of {at.isoformat(timespec='seconds')}",
    )


def changes(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option("--since", help="a date, or 7d/3m ago")] = None,
    kind: Annotated[ChangeKind | None, typer.Option("--kind", help="availability, signal, text or operator")] = None,
    provider: ProviderOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """What was detected, newest first; signals are changes of kind "signal"."""
    state: AppContext = ctx.obj
    rows = history.changes(
        state.sessions(),
        since=moment(since, now=utcnow()) if since else None,
        kind=kind.value if kind else None,
        provider=provider,
    )
    columns = [
        "id",
        "detected_at",
        "kind",
        "provider",
        "product",
        "removed",
        "added",
        "countries",
        "action",
        "effective_date",
        "effective_precision",
        "scope",
        "source",
        "title",
        "url",
    ]
    emit(rows, columns, fmt, title="Changes", first=("id", "detected_at", "kind", "provider", "title"))
