"""Templates: one Jinja environment, autoescaped everywhere, with the filters the pages share."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.templating import Jinja2Templates

from monitor.describe import effective_text, owned_note, scope_text
from monitor.extract.countries import country_name
from monitor.types import Severity

SAFE_SCHEMES = frozenset({"http", "https"})


def templates() -> Jinja2Templates:
    """The page templates, shipped as package data in monitor/web/templates/."""
    env = Environment(
        loader=PackageLoader("monitor.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        when=when, day=day, effective=effective, http_url=http_url, country=country_name, severity=severity
    )
    env.globals.update(diff_lines=diff_lines, owned_note=owned_note, scope_text=scope_text)
    return Jinja2Templates(env=env)


def when(value: datetime | None) -> str:
    """2024-07-09 00:00 UTC (every timestamp is stored in UTC)."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "—"


def day(value: date | datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value is not None else "—"


def effective(value: date | None, precision: str = "day", missing: str = "—") -> str:
    """2024-07-09, or "July 2024" when only the month was announced."""
    return effective_text(value, precision, missing=missing)


def severity(value: int) -> str:
    """30 -> "high"; a number no level has is shown as is."""
    try:
        return Severity(value).name.lower()
    except ValueError:
        return str(value)


def http_url(value: object) -> str:
    """The URL when it is http or https, else "" (so the template prints it as text, not a link)."""
    text = str(value or "").strip()
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return ""
    return text if scheme in SAFE_SCHEMES else ""


def diff_lines(unified: str) -> Sequence[tuple[str, str]]:
    """A unified diff's lines, each with its class: hunk, add, del, file or context."""
    result = []
    for line in unified.splitlines():
        if line.startswith(("+++", "---")):
            kind = "file"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "context"
        result.append((kind, line))
    return result
