"""The damaged-page corpus: tests/fixtures/damaged/*.html, each a good page's damaged read.

Each file states in its header what it models and how it is served after its good page:

    <!-- damaged: a CDN edge serves last month's copy ... -->   what it is (required)
    <!-- class: stale -->                     the fault class (required)
    <!-- good: forty -->                      the good page served first: tests/fixtures/damaged/good/NAME.html
    <!-- select: article ul.regions li -->    the source's selector (default ul.countries li)
    <!-- status: 206 -->                      HTTP status of the damaged read (default 200)
    <!-- header: Name: value -->              a header of the damaged read (repeatable)
    <!-- good-header: Name: value -->         a header of the good read (repeatable)
    <!-- redirect: /consumer/availability --> the source URL redirects there; the body is served there
    <!-- gzip: true -->                       sent gzip-encoded
    <!-- cut-to: -8 -->                       the (compressed) body cut to this many bytes (negative: from the end)
    <!-- declared-length: 1234 -->            the Content-Length sent, whatever the body
    <!-- send-only: 1234 -->                  only this many bytes sent, then the connection closed
    <!-- expect-outcome: held -->             the crawl outcome of both damaged reads; alternatives by spaces
    <!-- expect-reason: cut_run -->           why detection holds it (a damage signature); absent: never held
    <!-- allow-kinds: text -->                change kinds allowed besides operator notices

The leading comment lines are the header; the rest of the file is the body. Whatever happens,
a damaged read never changes availability nor alerts anyone but the operator, however often
it is read again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

DAMAGED = Path(__file__).resolve().parent.parent / "fixtures" / "damaged"
_META = re.compile(r"^<!-- ([a-z-]+): (.*) -->$")


@dataclass(frozen=True, kw_only=True)
class Damaged:
    """One fixture: the good page, the damaged read, and what must happen."""

    name: str
    description: str
    fault_class: str
    good: bytes
    body: bytes
    select: str = "ul.countries li"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    good_headers: dict[str, str] = field(default_factory=dict)
    redirect: str | None = None
    gzip: bool = False
    cut_to: int | None = None
    declared_length: int | None = None
    send_only: int | None = None
    outcomes: frozenset[str] = frozenset()
    reasons: frozenset[str] = frozenset()
    allow_kinds: frozenset[str] = frozenset()


def load(path: Path) -> Damaged:
    """Parse one fixture file."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    meta: dict[str, list[str]] = {}
    while lines and (match := _META.match(lines[0].rstrip("\n"))):
        meta.setdefault(match[1], []).append(match[2])
        lines.pop(0)
    one = {key: values[-1] for key, values in meta.items()}
    assert {"damaged", "class", "good", "expect-outcome"} <= one.keys(), f"{path.name}: header incomplete"

    def number(key: str) -> int | None:
        return int(one[key]) if key in one else None

    return Damaged(
        name=path.stem,
        description=one["damaged"],
        fault_class=one["class"],
        good=(DAMAGED / "good" / f"{one['good']}.html").read_bytes(),
        body="".join(lines).encode("utf-8"),
        select=one.get("select", "ul.countries li"),
        status=int(one.get("status", 200)),
        headers=dict(h.split(": ", 1) for h in meta.get("header", [])),
        good_headers=dict(h.split(": ", 1) for h in meta.get("good-header", [])),
        redirect=one.get("redirect"),
        gzip=one.get("gzip") == "true",
        cut_to=number("cut-to"),
        declared_length=number("declared-length"),
        send_only=number("send-only"),
        outcomes=frozenset(one["expect-outcome"].split()),
        reasons=frozenset(one.get("expect-reason", "").split()),
        allow_kinds=frozenset(one.get("allow-kinds", "").split()),
    )


def corpus() -> list[Damaged]:
    """Every fixture, by name."""
    return [load(p) for p in sorted(DAMAGED.glob("*.html"))]
