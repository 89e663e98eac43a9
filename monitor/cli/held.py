"""regionwatch held: set changes waiting for a confirming read or for a person, and their verdict."""

from __future__ import annotations

import getpass
from dataclasses import asdict
from typing import Annotated, Any

import typer

from monitor.cli.context import AppContext
from monitor.cli.output import Format, emit
from monitor.detect.textdiff import text_diff
from monitor.store import held as store
from monitor.store.engine import transaction
from monitor.store.models import HeldStatus
from monitor.timeutil import diff_deadline, utcnow

app = typer.Typer(
    help="Held set changes: list them, accept one that is real, reject one that is not.", no_args_is_help=True
)

FormatOption = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv")]
COLUMNS = [
    "id",
    "source",
    "status",
    "reason",
    "damage",
    "removed",
    "added",
    "first_seen",
    "reads",
    "confirm_due",
    "detail",
]
ByOption = Annotated[str | None, typer.Option("--by", help="who decides (default: the login name)")]


@app.command("list")
def list_held(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="resolved ones too (confirmed, accepted, rejected...)")] = False,
    source: Annotated[str | None, typer.Option("--source", help="one source's")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="newest N")] = 200,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Held set changes, newest first: why each waits, and what it would remove and add."""
    state: AppContext = ctx.obj
    with state.sessions()() as session:
        rows = [
            held_dict(v)
            for v in store.held_changes(session, status=None if all_ else HeldStatus.HELD, source=source, limit=limit)
        ]
    emit(rows, COLUMNS, fmt, title="Held changes")


@app.command("accept")
def accept(
    ctx: typer.Context,
    held_id: Annotated[int, typer.Argument(help="the held change's id (see 'regionwatch held list')")],
    by: ByOption = None,
) -> None:
    """Apply a held change a person judged real: it alerts like any other, from its first sighting."""
    state: AppContext = ctx.obj
    now = utcnow()
    with transaction(state.sessions()) as session:
        old, new = store.texts_of(session, held_id)
        diff = (
            text_diff(old, new, max_chars=state.settings.limits.diff_chars, deadline=diff_deadline())
            if old is not None and new is not None
            else {}
        )
        change = store.accept(session, held_id, catalog=state.catalog, now=now, by=by or _who(), diff=diff)
        line = (
            f"held change {held_id} applied as change {change.id}: {len(change.removed)} removed, "
            f"{len(change.added)} added; its alerts go out with the next dispatch"
        )
    typer.echo(line)


@app.command("reject")
def reject(
    ctx: typer.Context,
    held_id: Annotated[int, typer.Argument(help="the held change's id (see 'regionwatch held list')")],
    by: ByOption = None,
) -> None:
    """Drop a held change a person judged false: nothing is applied, and the same set read again stays quiet."""
    state: AppContext = ctx.obj
    with transaction(state.sessions()) as session:
        view = store.reject(session, held_id, now=utcnow(), by=by or _who())
    typer.echo(f"held change {held_id} on {view.source} rejected: the open set stays as it was")


def held_dict(view: store.HeldView) -> dict[str, Any]:
    """One held change as printed (lists as space-separated codes in tables)."""
    row = asdict(view)
    row["added"], row["removed"] = list(view.added), list(view.removed)
    return row


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"
