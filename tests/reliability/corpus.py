"""The bad-input corpus: tests/fixtures/bad/*.html, each stating what must happen in its header.

    <!-- bad: a 403 from Cloudflare's managed challenge -->    what the page is (required)
    <!-- status: 403 -->                       HTTP status (default 200)
    <!-- header: cf-mitigated: challenge -->   a response header (repeatable)
    <!-- content-type: application/pdf -->     default text/html; charset=utf-8; "none" sends none
    <!-- redirect: /login?next=/x -->          the source URL redirects here; the body is served there
    <!-- redirect-status: 301 -->              default 302
    <!-- repeat-to: 300000 -->                 the body repeated up to this many bytes
    <!-- gzip: true -->                        sent with Content-Encoding: gzip
    <!-- body-encoding: cp1252 -->             how the body is encoded (default utf-8)
    <!-- expect-outcome: blocked -->           the crawl outcome; alternatives separated by spaces
    <!-- allow-kinds: text -->                 change kinds allowed besides operator notices

The leading comment lines are the header; the rest of the file is the body. Whatever the
outcome, a bad page must never change availability nor alert anyone but the operator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

BAD = Path(__file__).resolve().parent.parent / "fixtures" / "bad"
_META = re.compile(r"^<!-- ([a-z-]+): (.*) -->$")


@dataclass(frozen=True, kw_only=True)
class BadPage:
    """One fixture: what to serve and what must happen."""

    name: str
    description: str
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = "text/html; charset=utf-8"
    redirect: str | None = None
    redirect_status: int = 302
    gzip: bool = False
    outcomes: frozenset[str] = frozenset()
    allow_kinds: frozenset[str] = frozenset()


def load(path: Path) -> BadPage:
    """Parse one fixture file."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    meta: dict[str, list[str]] = {}
    while lines and (match := _META.match(lines[0].rstrip("\n"))):
        meta.setdefault(match[1], []).append(match[2])
        lines.pop(0)
    one = {key: values[-1] for key, values in meta.items()}
    body = "".join(lines).encode(one.get("body-encoding", "utf-8"))
    if "repeat-to" in one and body:
        body = (body * (int(one["repeat-to"]) // len(body) + 1))[: int(one["repeat-to"])]
    content_type = one.get("content-type", "text/html; charset=utf-8")
    assert "bad" in one and "expect-outcome" in one, f"{path.name}: needs 'bad' and 'expect-outcome'"
    return BadPage(
        name=path.stem,
        description=one["bad"],
        body=body,
        status=int(one.get("status", 200)),
        headers=dict(h.split(": ", 1) for h in meta.get("header", [])),
        content_type=None if content_type == "none" else content_type,
        redirect=one.get("redirect"),
        redirect_status=int(one.get("redirect-status", 302)),
        gzip=one.get("gzip") == "true",
        outcomes=frozenset(one["expect-outcome"].split()),
        allow_kinds=frozenset(one.get("allow-kinds", "").split()),
    )


def corpus() -> list[BadPage]:
    """Every fixture, by name."""
    return [load(p) for p in sorted(BAD.glob("*.html"))]
