"""Query results as text cells: one rendering for the CLI's tables and CSV and the web's CSV.

CSV cells that a spreadsheet would run as formulas (=, +, -, @, tab, CR) are neutralised with a
leading quote: scraped text reaches these files.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
