"""regionwatch history / diff: the intervals with their evidence, and one change in detail."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from monitor.cli.context import AppContext
from monitor.cli.diffview import diff_rows, print_change
from monitor.cli.output import Format, emit
from monitor.errors import RegionwatchError
from monitor.query import history as queries
from monitor.query.filters import country_code, moment
from monitor.timeutil import utcnow

FormatOption = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv")]

TABLE_COLUMNS = ["provider", "product", "country", "name", "valid_from", "valid_to", "evidence", "ended_by"]
CSV_COLUMNS = [
    "provider",
    "product",
    "country",
    "name",
    "valid_from",
    "valid_to",
    "recorded_at",
    "closed_at",
    "change_id",
    "change_title",
    "snapshot_id",
    "closed_by_change_id",
    "closed_by_title",
    "caveats",
]


def history(
    ctx: typer.Context,
    provider: Annotated[str | None, typer.Option("--provider", "-p", help="provider slug, e.g. openai")] = None,
    product: Annotated[str | None, typer.Option("--product", help="product, e.g. api")] = None,
    country: Annotated[str | None, typer.Option("--country", help="code or name, e.g. HK or 香港")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="only intervals still true at or after: a date, 7d, 3m")
    ] = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Every availability interval: when it started and ended, and the change or snapshot behind it."""
    state: AppContext = ctx.obj
    rows = queries.intervals(
        state.sessions(),
        provider=provider,
        product=product,
        country=country_code(country) if country else None,
        since=moment(since, now=utcnow()) if since else None,
    )
    emit(rows, CSV_COLUMNS if fmt is Format.CSV else TABLE_COLUMNS, fmt, title="Availability history")


def diff(
    ctx: typer.Context,
    change_id: Annotated[int, typer.Argument(help="a change id, from 'regionwatch changes'")],
    fmt: FormatOption = Format.TABLE,
) -> None:
    """One change: countries removed and added, then its line and word diff (coloured on a terminal)."""
    state: AppContext = ctx.obj
    detail: dict[str, Any] | None = queries.change(state.sessions(), change_id)
    if detail is None:
        raise RegionwatchError(f"no change {change_id}: list them with 'regionwatch changes'")
    if fmt is Format.JSON:
        emit([detail], [], fmt)
    elif fmt is Format.CSV:
        emit(diff_rows(detail), ["part", "op", "text"], fmt)
    else:
        print_change(detail)
