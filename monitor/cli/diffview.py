"""A change on the terminal: the set diff, the unified line diff and the word diff, coloured by Rich.

When stdout is not a terminal the same text is printed plain, with the word diff in wdiff's
notation ([-removed-]{+added+}) so nothing is lost without colour.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from monitor.describe import effective_text, scope_text
from monitor.query.cells import cell_text

_LINE_STYLES = (("+++", "bold"), ("---", "bold"), ("@@", "cyan"), ("+", "green"), ("-", "red"))
_OPS = {-1: "removed", 0: "same", 1: "added"}


def print_change(detail: dict[str, Any]) -> None:
    """Write one change to stdout: facts, countries, line diff, word diff."""
    console = Console(highlight=False, soft_wrap=True)
    colour = console.is_terminal
    console.print(Text(f"change {detail['id']}: {detail['title'] or detail['kind']}", style="bold"))
    for label in ("kind", "provider", "product", "source", "detected_at", "effective_date", "url"):
        if label == "effective_date" and detail.get(label) is not None:
            console.print(
                Text(f"  effective: {effective_text(detail[label], detail.get('effective_precision', 'day'))}")
            )
        elif detail.get(label) is not None:
            console.print(Text(f"  {label}: {cell_text(detail[label])}"))
    if detail.get("scope") == "ownership":
        console.print(Text(f"  applies to: {scope_text('ownership')}"))
    names = detail.get("names", {})
    for sign, key, style in (("-", "removed", "red"), ("+", "added", "green"), ("*", "countries", "")):
        for code in detail.get(key, []):
            console.print(Text(f"{sign} {code} {names.get(code, code)}", style=style))
    text_diff = detail.get("diff", {})
    if text_diff.get("lines"):
        console.print(Text("\nline diff", style="bold"))
        for line in str(text_diff["lines"]).splitlines():
            console.print(Text(line, style=_line_style(line)))
    if text_diff.get("words"):
        console.print(Text("\nword diff", style="bold"))
        console.print(word_text(text_diff["words"], colour=colour))
    if text_diff.get("truncated"):
        console.print(Text("(diff cut to its size limit)", style="dim"))


def _line_style(line: str) -> str:
    return next((style for prefix, style in _LINE_STYLES if line.startswith(prefix)), "")


def word_text(words: list[list[Any]], *, colour: bool) -> Text:
    """The word diff as one Text: struck red and green on a terminal, [-..-]{+..+} otherwise."""
    text = Text()
    for op, part in words:
        if op == -1:
            text.append(part, style="bold red strike") if colour else text.append(f"[-{part}-]")
        elif op == 1:
            text.append(part, style="bold green underline") if colour else text.append(f"{{+{part}+}}")
        else:
            text.append(part)
    return text


def diff_rows(detail: dict[str, Any]) -> list[dict[str, Any]]:
    """The change as CSV rows (part, op, text): set, then line, then word."""
    rows: list[dict[str, Any]] = []
    for key in ("removed", "added"):
        rows += [{"part": "set", "op": key, "text": code} for code in detail.get(key, [])]
    text_diff = detail.get("diff", {})
    for line in str(text_diff.get("lines") or "").splitlines():
        op = {"+": "added", "-": "removed", "@": "hunk"}.get(line[:1], "same")
        rows.append({"part": "line", "op": "file" if line.startswith(("+++", "---")) else op, "text": line})
    rows += [{"part": "word", "op": _OPS.get(op, "same"), "text": part} for op, part in text_diff.get("words", [])]
    return rows
