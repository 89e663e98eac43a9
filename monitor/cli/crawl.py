"""regionwatch crawl: one check cycle now, a line per source and a summary."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from monitor.cli.context import AppContext
from monitor.cli.output import Format, emit
from monitor.errors import RegionwatchError
from monitor.timeutil import utcnow

if TYPE_CHECKING:
    from monitor.fetch.records import SourceReport

COLUMNS = ["source", "kind", "outcome", "status", "time", "detail"]


#: The exit status when not one source could be fetched (1 is an error before crawling).
NOTHING_FETCHED = 3


def crawl(
    ctx: typer.Context,
    source: Annotated[list[str] | None, typer.Option("--source", "-s", help="a source id (repeatable)")] = None,
    all_sources: Annotated[bool, typer.Option("--all", help="every enabled source in the catalog")] = False,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table, json or csv")] = Format.TABLE,
) -> None:
    """Fetch the chosen sources now, in one batch; record and detect what changed."""
    state: AppContext = ctx.obj
    if all_sources == bool(source):
        raise RegionwatchError("choose the sources: --source ID (repeatable) or --all, not both")
    from monitor.fetch.process import Warm
    from monitor.fetch.shard import process_count

    catalog = state.catalog
    ids = [s.id for s in catalog.sources if s.enabled] if all_sources else list(source or [])
    # The crawl processes start now and import Scrapy while this one loads the database state.
    with Warm.start(process_count(state.settings.fetch.processes, len(ids))) as warm:
        from monitor.cycle import check  # the crawl and detection stack: not needed for --help

        report = check(state.settings, catalog, ids, now=utcnow(), sessions=state.sessions(), warm=warm)
    emit([_row(r) for r in report.results], COLUMNS, fmt, title="Crawl")
    summary = f"crawled {report.summary()}\n"
    (sys.stdout if fmt is Format.TABLE else sys.stderr).write(summary)
    if report.results and not any(r.outcome.ok for r in report.results):
        sys.stderr.write("error: no source could be fetched (offline, or every site refused): see the outcomes\n")
        raise typer.Exit(NOTHING_FETCHED)


def _row(result: SourceReport) -> dict[str, Any]:
    return {
        "source": result.source_id,
        "kind": result.kind.value,
        "outcome": result.outcome.value,
        "status": result.http_status,
        "time": f"{result.elapsed:.2f}s",
        "elapsed": round(result.elapsed, 3),
        "detail": _detail(result),
        "error": result.error,
        "snapshot_id": result.snapshot_id,
        "new_items": result.new_items,
        "edited_items": result.edited_items,
        "not_before": result.not_before,
        "fetched": result.fetched,
    }


def _detail(result: SourceReport) -> str:
    if result.error:
        return result.error
    parts = []
    if result.snapshot_id is not None:
        parts.append(f"snapshot {result.snapshot_id}")
    if result.new_items or result.edited_items:
        parts.append(f"{result.new_items} new, {result.edited_items} edited items")
    return "; ".join(parts)
