"""Signing a browser in when ``web.token`` is set: a form that checks the token once and sets a cookie.

The cookie holds an HMAC of the token (never the token itself), is HttpOnly and SameSite=Strict,
and Secure when the request came over https. The API and the feed keep the bearer header.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qs, quote

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.types import Scope

from monitor.web.context import context

PATH = "/signin"
COOKIE = "regionwatch_session"
MAX_FORM = 4096
WEEK = 7 * 24 * 3600


def routes() -> list[Route]:
    return [Route(PATH, signin, methods=["GET", "POST"], name="signin")]


def cookie_value(token: str) -> str:
    """What the cookie carries: proof of the token, useless as the token itself."""
    return hmac.new(token.encode(), b"regionwatch web session v1", hashlib.sha256).hexdigest()


def signed_in(headers: Headers, token: str) -> bool:
    """Whether the request carries a valid sign-in cookie."""
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE and hmac.compare_digest(value.encode(), cookie_value(token).encode()):
            return True
    return False


def redirect_to_form(scope: Scope) -> Response:
    """A browser without a session goes to the form, and comes back where it was after."""
    here = scope["path"] + (f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else "")
    return RedirectResponse(f"{PATH}?next={quote(here, safe='')}", status_code=303)


def _local(target: str | None) -> str:
    """Only a path on this site (never //host or a scheme): no open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


async def signin(request: Request) -> Response:
    """GET: the form. POST: check the token, set the cookie, go back to ``next``."""
    ctx = context(request)
    token = request.app.state.web_token
    if request.method == "GET":
        return ctx.templates.TemplateResponse(
            request, "signin.html", {"next": _local(request.query_params.get("next")), "failed": False}
        )
    body = await request.body()
    form = parse_qs(body[:MAX_FORM].decode("utf-8", "replace"))
    given = (form.get("token") or [""])[0].strip()
    target = _local((form.get("next") or [""])[0])
    if token is None or not hmac.compare_digest(given.encode(), token.encode()):
        return ctx.templates.TemplateResponse(request, "signin.html", {"next": target, "failed": True}, status_code=401)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        cookie_value(token),
        max_age=WEEK,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response
