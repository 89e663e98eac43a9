"""Printing results as a table (Rich on a terminal, plain when piped), JSON or CSV."""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from monitor.query.cells import cell_text, to_csv


class Format(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def emit(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    fmt: Format,
    *,
    title: str | None = None,
    first: Sequence[str] = (),
) -> None:
    """Write rows to stdout in the chosen format (``first``: the columns a narrow terminal keeps first)."""
    if fmt is Format.JSON:
        sys.stdout.write(json.dumps([dict(r) for r in rows], default=_json_default, indent=2) + "\n")
    elif fmt is Format.CSV:
        sys.stdout.write(to_csv(rows, columns))
    else:
        print_table(rows, columns, title=title, first=first)


#: A column whose cells run longer than this wraps (folds) on a terminal; shorter ones never wrap.
WRAP_OVER = 32
#: The narrowest a wrapping column gets before the table drops columns instead (wider for the
#: text a command keeps first, such as a change's title).
MIN_WRAP = 16
MIN_WRAP_FIRST = 36


def print_table(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *, title: str | None = None, first: Sequence[str] = ()
) -> None:
    """A table on a terminal, plain aligned text when piped.

    On a terminal nothing is ever cut: ids, timestamps, codes and statuses keep their full width
    and never wrap, long text (titles, URLs, errors) folds onto more lines, and the columns that
    do not fit the terminal are left out, in order from the right (after the ``first`` ones, which
    are given room before the others), and named under the table.
    """
    from rich import box
    from rich.console import Console  # here, not at the top: JSON and CSV output do without Rich
    from rich.table import Table

    console = Console()
    if not console.is_terminal:
        _plain_table(rows, columns)
        return
    cells = [[_terminal_cell(row.get(c)) for c in columns] for row in rows]
    natural = [max([len(c)] + [len(line[i]) for line in cells]) for i, c in enumerate(columns)]
    # the width each column cannot go below: a short one its whole width, a long one its wrap minimum
    need = [
        min(width, MIN_WRAP_FIRST if column in first else MIN_WRAP) if width > WRAP_OVER else width
        for column, width in zip(columns, natural, strict=True)
    ]
    shown: list[int] = []
    used = 1
    order = [columns.index(c) for c in first if c in columns]
    for i in order + [i for i in range(len(columns)) if i not in order]:
        if not shown or used + need[i] + 3 <= console.width:  # padding and a rule per column
            shown.append(i)
            used += need[i] + 3
    hidden = [c for i, c in enumerate(columns) if i not in shown]
    caption = (
        (f"not shown at this width: {', '.join(hidden)} (a wider terminal, or --format csv|json, shows every column)")
        if hidden
        else None
    )
    table = Table(title=title, caption=caption, box=box.SIMPLE_HEAD, caption_justify="left")
    shown.sort()
    for i in shown:
        table.add_column(columns[i], no_wrap=natural[i] <= WRAP_OVER, overflow="fold", min_width=need[i])
    for line in cells:
        table.add_row(*(line[i] for i in shown))
    console.print(table)


def _terminal_cell(value: Any) -> str:
    """A cell as a person reads it on a terminal: timestamps to the second in UTC, without the offset."""
    if isinstance(value, datetime) and value.utcoffset() is not None and not value.utcoffset():
        return value.strftime("%Y-%m-%d %H:%M:%SZ")
    return cell_text(value)


def _plain_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> None:
    cells = [[cell_text(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(line[i]) for line in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in cells]
    sys.stdout.write("\n".join(lines) + "\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, frozenset | set | tuple):
        return sorted(value)
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")
