"""regionwatch extract / reextract: run a source's extractor on a saved page or stored snapshots."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.context import AppContext
from monitor.cli.output import Format, emit
from monitor.errors import RegionwatchError
from monitor.extract.availability import extract_claim
from monitor.extract.countries import country_name
from monitor.reextract import reextract as run_reextract
from monitor.store.engine import transaction
from monitor.timeutil import utcnow
from monitor.types import Source

SourceOption = Annotated[str, typer.Option("--source", "-s", help="catalog id of the source")]


def _source(state: AppContext, ident: str) -> Source:
    source = state.catalog.by_id().get(ident)
    if source is None:
        raise RegionwatchError(f"no source {ident!r} in {state.catalog.origin}: see 'regionwatch sources list'")
    if source.availability is None:
        raise RegionwatchError(f"source {ident!r} has no [source.availability] selector")
    return source


def extract(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="a saved page (HTML)")],
    source: SourceOption,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json")] = Format.TABLE,
) -> None:
    """Dry run: the claims a saved page makes under a source's selector."""
    state: AppContext = ctx.obj
    spec = _source(state, source).availability
    assert spec is not None
    try:
        body = file.read_bytes()
    except OSError as exc:
        raise RegionwatchError(f"cannot read {file}: {exc.strerror}") from None
    claim = extract_claim(body, spec)
    if fmt is Format.JSON:
        emit(
            [
                {
                    "source": source,
                    "codes": sorted(claim.codes),
                    "unmapped": list(claim.unmapped),
                    "caveats": {k: list(v) for k, v in claim.caveats.items()},
                    "names": claim.names,
                }
            ],
            [],
            fmt,
        )
        return
    rows = [
        {"code": c, "name": country_name(c), "caveats": list(claim.caveats.get(c, ()))} for c in sorted(claim.codes)
    ]
    rows += [{"code": "?", "name": name, "caveats": ["unmapped"]} for name in claim.unmapped]
    emit(
        rows,
        ["code", "name", "caveats"],
        fmt,
        title=f"{len(claim.codes)} codes, {len(claim.unmapped)} unmapped, from {claim.names} names",
    )


def reextract(ctx: typer.Context, source: SourceOption) -> None:
    """Recompute claims from stored snapshots after an extractor fix (corrections, no alerts)."""
    state: AppContext = ctx.obj
    chosen = _source(state, source)
    with transaction(state.sessions()) as session:
        result = run_reextract(session, chosen, routes=state.catalog.routes, now=utcnow())
    fixed = result.correction
    typer.echo(
        f"{source}: {result.snapshots} snapshots re-read, {result.claims_changed} claims changed; "
        + (f"correction #{fixed.id}: -{len(fixed.removed)} +{len(fixed.added)}" if fixed else "availability unchanged")
    )
