"""The JSON API: the query commands over HTTP, with the same rows the CLI prints as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from monitor.errors import RegionwatchError
from monitor.query import history
from monitor.query import sources as source_queries
from monitor.query.cells import to_csv
from monitor.query.filters import country_code, moment
from monitor.store.held import held_changes
from monitor.store.models import HeldStatus
from monitor.types import ChangeKind
from monitor.web import pages, worldmap
from monitor.web.context import context
from monitor.web.openapi import openapi

MAX_LIMIT = 10_000


class JSON(JSONResponse):
    """JSON with ISO 8601 dates, as ``--format json`` writes them."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, default=_default, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def rows_response(request: Request, rows: list[dict[str, Any]]) -> Response:
    """JSON, or CSV with ?format=csv (the same cells ``--format csv`` writes; nested objects left out)."""
    fmt = _param(request, "format") or "json"
    if fmt == "json":
        return JSON(rows)
    if fmt != "csv":
        raise RegionwatchError(f"unknown format {fmt!r}: use json or csv")
    columns = [k for k, v in rows[0].items() if not isinstance(v, dict)] if rows else []
    name = request.url.path.rstrip("/").rsplit("/", 1)[-1] or "rows"
    return Response(
        to_csv(rows, columns),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="regionwatch-{name}.csv"'},
    )


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, frozenset | set | tuple):
        return sorted(value)
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def routes() -> list[Route]:
    return [
        Route("/api/availability", availability, methods=["GET"], name="api_availability"),
        Route("/api/history", intervals, methods=["GET"], name="api_history"),
        Route("/api/changes", changes, methods=["GET"], name="api_changes"),
        Route("/api/changes/{change_id:int}", change, methods=["GET"], name="api_change"),
        Route("/api/ask", ask, methods=["GET"], name="api_ask"),
        Route("/map.svg", worldmap_svg, methods=["GET"], name="worldmap_svg"),
        Route("/api/sources", sources, methods=["GET"], name="api_sources"),
        Route("/api/held", held, methods=["GET"], name="api_held"),
        Route("/openapi.json", schema, methods=["GET"], name="openapi"),
    ]


def _param(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    return value.strip() if value and value.strip() else None


def _country(request: Request) -> str | None:
    value = _param(request, "country")
    return country_code(value) if value else None


def availability(request: Request) -> Response:
    """Who served whom at as_of (default now), like ``regionwatch availability --format json``."""
    ctx = context(request)
    at = moment(_param(request, "as_of"), now=ctx.clock())
    return rows_response(
        request,
        history.availability(
            ctx.sessions,
            at=at,
            provider=_param(request, "provider"),
            product=_param(request, "product"),
            country=_country(request),
        ),
    )


def intervals(request: Request) -> Response:
    """Every interval with its evidence, like ``regionwatch history --format json``."""
    ctx = context(request)
    since = _param(request, "since")
    return rows_response(
        request,
        history.intervals(
            ctx.sessions,
            provider=_param(request, "provider"),
            product=_param(request, "product"),
            country=_country(request),
            since=moment(since, now=ctx.clock()) if since else None,
        ),
    )


def changes(request: Request) -> Response:
    """Detected changes, newest first, like ``regionwatch changes --format json``."""
    ctx = context(request)
    since, kind, limit = _param(request, "since"), _param(request, "kind"), _param(request, "limit")
    if kind is not None and kind not in {k.value for k in ChangeKind}:
        raise RegionwatchError(f"unknown kind {kind!r}: use one of {', '.join(k.value for k in ChangeKind)}")
    if limit is not None and not (limit.isdigit() and 0 < int(limit) <= MAX_LIMIT):
        raise RegionwatchError(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return rows_response(
        request,
        history.changes(
            ctx.sessions,
            since=moment(since, now=ctx.clock()) if since else None,
            kind=kind,
            provider=_param(request, "provider"),
            limit=int(limit) if limit else None,
        ),
    )


def change(request: Request) -> Response:
    """One change with its diff and evidence, like ``regionwatch diff ID --format json``."""
    change_id: int = request.path_params["change_id"]
    detail = history.change(context(request).sessions, change_id)
    if detail is None:
        raise HTTPException(404, f"no change {change_id}")
    return JSON(detail)


def ask(request: Request) -> Response:
    """The /ask page's answers as data: state, since when, evidence and the one-line sentence."""
    if not _param(request, "country"):
        raise RegionwatchError("country is required, e.g. /api/ask?country=HK&provider=openai&at=2024-07-10")
    answers, _question = pages.ask(request)
    return JSON([{k: v for k, v in a.items() if k not in ("intervals", "name", "words")} for a in answers])


def worldmap_svg(_request: Request) -> Response:
    """The blank world map (public domain geometry), cached by browsers for a day."""
    return Response(
        worldmap.geometry_svg(), media_type="image/svg+xml", headers={"cache-control": "public, max-age=86400"}
    )


def sources(request: Request) -> Response:
    """Per source: last outcome, failure streak, suspicion, last change (``regionwatch sources status``)."""
    ctx = context(request)
    return rows_response(
        request, source_queries.status(ctx.sessions, provider=_param(request, "provider"), now=ctx.clock())
    )


def held(request: Request) -> Response:
    """Held set changes (``regionwatch held list --format json``; ``?all=1``: resolved ones too)."""
    every = _param(request, "all") in ("1", "true", "yes")
    with context(request).sessions() as session:
        return JSON([asdict(v) for v in held_changes(session, status=None if every else HeldStatus.HELD)])


def schema(request: Request) -> Response:
    """The OpenAPI 3.1 document of this API."""
    return JSON(openapi(str(request.base_url).rstrip("/")))
