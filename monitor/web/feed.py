"""An Atom feed of detected changes at /feed.xml, built with ElementTree (so every text is escaped)."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from monitor.describe import effective_text
from monitor.extract.countries import country_name
from monitor.query import history
from monitor.web.context import context
from monitor.web.render import http_url

ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 50


def routes() -> list[Route]:
    return [Route("/feed.xml", atom, methods=["GET"], name="feed")]


def atom(request: Request) -> Response:
    """The newest changes as an Atom 1.0 feed."""
    ctx = context(request)
    rows = history.changes(ctx.sessions, limit=ENTRIES)
    updated = rows[0]["detected_at"] if rows else ctx.clock()
    root = ET.Element("feed", xmlns=ATOM)
    ET.SubElement(root, "title").text = "Regionwatch: detected changes"
    ET.SubElement(root, "id").text = str(request.url_for("feed"))
    ET.SubElement(root, "updated").text = updated.isoformat()
    ET.SubElement(root, "link", rel="self", href=str(request.url_for("feed")))
    ET.SubElement(root, "link", rel="alternate", href=str(request.url_for("overview")))
    ET.SubElement(ET.SubElement(root, "author"), "name").text = "Regionwatch"
    for row in rows:
        path = request.url_for("change", change_id=row["id"])
        _entry(root, row, f"{ctx.public_url}{path.path}" if ctx.public_url else str(path))
    body = ET.tostring(root, encoding="unicode", xml_declaration=False)
    return Response('<?xml version="1.0" encoding="utf-8"?>\n' + body, media_type="application/atom+xml")


def _entry(root: ET.Element, row: dict[str, Any], link: str) -> None:
    entry = ET.SubElement(root, "entry")
    ET.SubElement(entry, "id").text = link
    ET.SubElement(entry, "title").text = row["title"] or f"{row['kind']} change {row['id']}"
    ET.SubElement(entry, "updated").text = row["detected_at"].isoformat()
    ET.SubElement(entry, "link", rel="alternate", type="text/html", href=link)
    if source := http_url(row["url"]):
        ET.SubElement(entry, "link", rel="related", href=source)
    ET.SubElement(entry, "category", term=row["kind"])
    ET.SubElement(entry, "summary", type="text").text = summary(row)


def summary(row: dict[str, Any]) -> str:
    """One line: what was removed and added, for which product, from when."""
    parts = [f"{row['provider'] or 'unknown provider'} {row['product'] or ''}".strip() + f": {row['kind']}"]
    for label, key in (("removed", "removed"), ("added", "added"), ("countries", "countries")):
        if row[key]:
            parts.append(f"{label} " + ", ".join(f"{c} ({country_name(c)})" for c in row[key]))
    if row["effective_date"]:
        parts.append(f"effective {effective_text(row['effective_date'], row.get('effective_precision', 'day'))}")
    if row["correction"]:
        parts.append("technical correction")
    return "; ".join(parts)
