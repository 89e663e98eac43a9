"""The HTML pages: overview, changes, map, country, ask, provider, change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from monitor.errors import RegionwatchError
from monitor.query import asof, history, lately, overview
from monitor.query.filters import country_code, moment
from monitor.store.held import held_changes
from monitor.store.models import HeldStatus
from monitor.types import ChangeKind, Severity
from monitor.web import timeline, worldmap
from monitor.web.context import context


def routes() -> list[Route]:
    return [
        Route("/", overview_page, methods=["GET"], name="overview"),
        Route("/changes", changes_page, methods=["GET"], name="changes"),
        Route("/map/{provider}/{product}", map_page, methods=["GET"], name="map"),
        Route("/country", country_search, methods=["GET"], name="country_search"),
        Route("/country/{code}", country_page, methods=["GET"], name="country"),
        Route("/ask", ask_page, methods=["GET"], name="ask"),
        Route("/provider/{provider}", provider_page, methods=["GET"], name="provider"),
        Route("/change/{change_id:int}", change_page, methods=["GET"], name="change"),
        Route("/held", held_page, methods=["GET"], name="held"),
    ]


def param(request: Request, name: str) -> str | None:
    """A query parameter, stripped; None when absent or blank."""
    value = request.query_params.get(name)
    return value.strip() if value and value.strip() else None


def _at(request: Request, name: str = "as_of") -> tuple[datetime, str]:
    """The moment asked for (now when not given) and the text to put back in the date control."""
    now = context(request).clock()
    text = param(request, name)
    return moment(text, now=now), text or ""


def overview_page(request: Request) -> Response:
    """The provider × product matrix as of a moment, and the changes of the 30 days before it."""
    ctx = context(request)
    at, as_of = _at(request)
    data = overview.matrix(ctx.sessions, at=at, now=ctx.clock())
    return ctx.templates.TemplateResponse(request, "overview.html", {**data, "as_of": as_of})


def changes_page(request: Request) -> Response:
    """Changes in a window before a moment (7, 30, 90 days or since a date), filtered."""
    ctx = context(request)
    at, as_of = _at(request)
    window = param(request, "window") or lately.DEFAULT_WINDOW
    since_text = param(request, "since")
    if since_text is not None:
        since = moment(since_text, now=at)
    elif window in lately.WINDOWS:
        since = at - lately.WINDOWS[window]
    else:
        raise RegionwatchError(f"unknown window {window!r}: use {', '.join(lately.WINDOWS)} or since=DATE")
    kind, provider = param(request, "kind"), param(request, "provider")
    if kind is not None and kind not in {k.value for k in ChangeKind}:
        raise RegionwatchError(f"unknown kind {kind!r}: use one of {', '.join(k.value for k in ChangeKind)}")
    country = country_code(c) if (c := param(request, "country")) else None
    severity = _severity(param(request, "severity"))
    data = lately.recent(
        ctx.sessions, since=since, until=at, kind=kind, provider=provider, country=country, min_severity=severity
    )
    filters = {
        "as_of": as_of,
        "window": window if since_text is None else "",
        "since": since_text or "",
        "kind": kind or "",
        "provider": provider or "",
        "country": country or "",
        "severity": param(request, "severity") or "",
    }
    return ctx.templates.TemplateResponse(
        request,
        "changes.html",
        {
            **data,
            "at": at,
            "since_at": since,
            "filters": filters,
            "windows": list(lately.WINDOWS),
            "kinds": [k.value for k in ChangeKind],
            "severities": [s.name.lower() for s in Severity],
            "providers": overview.provider_names(ctx.sessions),
            "api_query": {
                k: v for k, v in {"since": since.isoformat(), "kind": kind, "provider": provider}.items() if v
            },
        },
    )


def _severity(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(Severity[text.upper()])
    except KeyError:
        raise RegionwatchError(f"unknown severity {text!r}: use low, medium or high") from None


def map_page(request: Request) -> Response:
    """One product's world map as of a date; with compare, what was added and removed since another date."""
    ctx = context(request)
    provider, product = request.path_params["provider"], request.path_params["product"]
    at, as_of = _at(request)
    compare_text = param(request, "compare")
    compare = moment(compare_text, now=ctx.clock()) if compare_text else None
    data = asof.map_states(ctx.sessions, provider=provider, product=product, at=at, compare=compare)
    label = f"Map of {provider} {product} availability as of {at.date().isoformat()}"
    if compare is not None:
        label += f", compared with {compare.date().isoformat()}"
    svg = worldmap.render(
        data["states"],
        default=data["default"],
        label=label,
        link=lambda code: str(request.url_for("country", code=code)),
    )
    fresh = overview.freshness(ctx.sessions, now=ctx.clock()).get((provider, product))
    return ctx.templates.TemplateResponse(
        request,
        "map.html",
        {
            **data,
            "provider": provider,
            "product": product,
            "at": at,
            "as_of": as_of,
            "compare": compare,
            "freshness": fresh,
            "compare_text": compare_text or "",
            "svg": svg,
            "off_map": worldmap.unmapped(data["codes"]),
            "labels": worldmap.LABELS,
        },
    )


def country_search(request: Request) -> Response:
    """The search box: a name or code in any known language -> that country's page."""
    text = param(request, "q")
    if text is None:
        raise RegionwatchError("type a country name or code, such as Hong Kong or HK")
    target = request.url_for("country", code=country_code(text))
    as_of = param(request, "as_of")
    return RedirectResponse(f"{target}?as_of={as_of}" if as_of else str(target), status_code=303)


def country_page(request: Request) -> Response:
    """Each provider × product for a country at a moment: state, since when, evidence, timeline."""
    ctx = context(request)
    raw = request.path_params["code"]
    try:
        code = country_code(raw)
    except RegionwatchError as exc:
        raise HTTPException(404, str(exc)) from None
    if code != raw:
        target = str(request.url_for("country", code=code))
        return RedirectResponse(target + (f"?{request.url.query}" if request.url.query else ""), status_code=307)
    at, as_of = _at(request)
    now = ctx.clock()
    data = overview.country(ctx.sessions, code, now=now)
    standings = asof.standings(ctx.sessions, country=code, at=at)
    fresh = overview.freshness(ctx.sessions, now=now)
    for s in standings:
        s["freshness"] = fresh.get((s["provider"], s["product"]))
        s["sentence"] = asof.sentence(s)
        s["chart"] = timeline.render(s, end=timeline.chart_end(s, at=at, now=now), at=at)
    return ctx.templates.TemplateResponse(
        request,
        "country.html",
        {
            **data,
            "at": at,
            "as_of": as_of,
            "standings": standings,
            "timeline": [c for c in data["timeline"] if c["detected_at"] <= at],
        },
    )


def ask_page(request: Request) -> Response:
    """A direct question: was provider's product available in country at a date? One sentence, with evidence."""
    ctx = context(request)
    answers, question = ask(request)
    return ctx.templates.TemplateResponse(request, "ask.html", {"answers": answers, "question": question})


def ask(request: Request) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The standings /ask and /api/ask answer with (one per provider × product matching the question)."""
    ctx = context(request)
    question = {k: param(request, k) or "" for k in ("provider", "product", "country", "at")}
    if not question["country"]:
        return [], question
    code = country_code(question["country"])
    at = moment(question["at"] or None, now=ctx.clock())
    answers = asof.standings(
        ctx.sessions, country=code, at=at, provider=question["provider"] or None, product=question["product"] or None
    )
    fresh = overview.freshness(ctx.sessions, now=ctx.clock())
    for a in answers:
        a["sentence"] = asof.sentence(a)
        a["freshness"] = fresh.get((a["provider"], a["product"]))
    return answers, question


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
