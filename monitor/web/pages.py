"""The HTML pages: overview, map, country, provider, change."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from monitor.errors import RegionwatchError
from monitor.query import history, overview
from monitor.query.filters import country_code, moment
from monitor.store.held import held_changes
from monitor.store.models import HeldStatus
from monitor.web import worldmap
from monitor.web.context import context


def routes() -> list[Route]:
    return [
        Route("/", overview_page, methods=["GET"], name="overview"),
        Route("/map/{provider}/{product}", map_page, methods=["GET"], name="map"),
        Route("/country/{code}", country_page, methods=["GET"], name="country"),
        Route("/provider/{provider}", provider_page, methods=["GET"], name="provider"),
        Route("/change/{change_id:int}", change_page, methods=["GET"], name="change"),
        Route("/held", held_page, methods=["GET"], name="held"),
    ]


def overview_page(request: Request) -> Response:
    """The provider × product matrix as of a moment, and the latest changes."""
    ctx = context(request)
    now = ctx.clock()
    as_of = request.query_params.get("as_of") or None
    data = overview.matrix(ctx.sessions, at=moment(as_of, now=now), now=now)
    return ctx.templates.TemplateResponse(request, "overview.html", {**data, "as_of": as_of or ""})


def map_page(request: Request) -> Response:
    """One product's world map, coloured by availability as of a chosen date."""
    ctx = context(request)
    provider, product = request.path_params["provider"], request.path_params["product"]
    as_of = request.query_params.get("as_of") or None
    at = moment(as_of, now=ctx.clock())
    codes = overview.map_codes(ctx.sessions, provider=provider, product=product, at=at)
    states = {code: "partial" if caveats else "available" for code, caveats in codes.items()}
    svg = worldmap.render(states, link=lambda code: str(request.url_for("country", code=code)),
                          label=f"{provider} {product} availability as of {at.date().isoformat()}")
    return ctx.templates.TemplateResponse(request, "map.html", {
        "provider": provider, "product": product, "at": at, "as_of": as_of or "", "svg": svg,
        "codes": codes, "off_map": worldmap.unmapped(codes),
    })


def country_page(request: Request) -> Response:
    """Who serves a country now, and every change that touched it."""
    ctx = context(request)
    raw = request.path_params["code"]
    try:
        code = country_code(raw)
    except RegionwatchError as exc:
        raise HTTPException(404, str(exc)) from None
    if code != raw:
        return RedirectResponse(request.url_for("country", code=code), status_code=307)
    data = overview.country(ctx.sessions, code, now=ctx.clock())
    return ctx.templates.TemplateResponse(request, "country.html", data)


def provider_page(request: Request) -> Response:
    """A provider's sources and their health, and the timeline of its changes."""
    ctx = context(request)
    data = overview.provider(ctx.sessions, request.path_params["provider"], now=ctx.clock())
    if data is None:
        raise HTTPException(404, f"no provider {request.path_params['provider']!r} in the database")
    return ctx.templates.TemplateResponse(request, "provider.html", data)


def change_page(request: Request) -> Response:
    """A change: countries added and removed, the effective date, the evidence, the text diff."""
    ctx = context(request)
    change_id: int = request.path_params["change_id"]
    data = history.change(ctx.sessions, change_id)
    if data is None:
        raise HTTPException(404, f"no change {change_id}")
    return ctx.templates.TemplateResponse(request, "change.html", {"change": data})


def held_page(request: Request) -> Response:
    """Set changes held for a confirming read or a person (read-only: decide with ``regionwatch held``)."""
    ctx = context(request)
    with ctx.sessions() as session:
        waiting = held_changes(session)
        resolved = [v for v in held_changes(session, status=None, limit=50) if v.status != HeldStatus.HELD]
    return ctx.templates.TemplateResponse(request, "held.html", {"waiting": waiting, "resolved": resolved})
