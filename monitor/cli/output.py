"""Printing results as a table (Rich on a terminal, plain when piped), JSON or CSV."""

from __future__ import annotations

import csv
import enum
import io
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """CSV with a header row; cells that a spreadsheet would run as formulas are neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise(cell_text(row.get(c))) for c in columns])
    return buffer.getvalue()


def neutralise(text: str) -> str:
    """Prefix a quote to a cell that begins like a formula (=, +, -, @)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return " ".join(cell_text(v) for v in value)
    return str(value)


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
