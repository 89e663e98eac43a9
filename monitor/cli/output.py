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


def emit(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], fmt: Format,
         *, title: str | None = None) -> None:
    """Write rows to stdout in the chosen format."""
    if fmt is Format.JSON:
        sys.stdout.write(json.dumps([dict(r) for r in rows], default=_json_default, indent=2) + "\n")
    elif fmt is Format.CSV:
        sys.stdout.write(to_csv(rows, columns))
    else:
        print_table(rows, columns, title=title)


def print_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str],
                *, title: str | None = None) -> None:
    from rich.console import Console  # here, not at the top: JSON and CSV output do without Rich
    from rich.table import Table

    console = Console(soft_wrap=True)
    if not console.is_terminal:
        _plain_table(rows, columns)
        return
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(cell_text(row.get(c)) for c in columns))
    console.print(table)


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
