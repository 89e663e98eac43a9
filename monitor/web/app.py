"""The web application: ``create_app(settings)`` wires the read-only database, routes and guards."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor.config import Settings
from monitor.errors import RegionwatchError
from monitor.store.engine import make_engine, session_factory
from monitor.timeutil import utcnow
from monitor.web import api, feed, pages, signin
from monitor.web.context import WebContext, context
from monitor.web.render import templates

READ_METHODS = frozenset({"GET", "HEAD"})
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def create_app(settings: Settings, *, clock: Callable[[], datetime] = utcnow) -> Starlette:
    """The read-only web view on settings.database_url (SQLite opened read-only, PostgreSQL read-only sessions)."""
    engine = make_engine(settings.database_url, read_only=True)
    token = settings.web.token.get_secret_value() if settings.web.token else None
    app = Starlette(
        routes=[
            *pages.routes(),
            *api.routes(),
            *feed.routes(),
            *signin.routes(),
            Mount("/static", app=StaticFiles(packages=[("monitor.web", "static")]), name="static"),
        ],
        middleware=[Middleware(ReadOnlyGuard, token=token), Middleware(GZipMiddleware, minimum_size=2048)],
        exception_handlers={HTTPException: _http_error, RegionwatchError: _bad_request},
        lifespan=_lifespan(engine),
    )
    app.state.web = WebContext(
        sessions=session_factory(engine), clock=clock, templates=templates(), public_url=settings.web.public_url
    )
    app.state.web_token = token
    return app


def _lifespan(engine: Engine) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """Closes the database connections when the server stops."""

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        engine.dispose()

    return lifespan


class ReadOnlyGuard:
    """Refuses every method but GET and HEAD (405), checks the token, adds security headers.

    With a token, a request passes with ``Authorization: Bearer <token>`` or with the sign-in
    cookie (web/signin.py); a browser without either is sent to the sign-in form, anything else
    gets 401. The sign-in form's POST is the one write the guard lets through: it only sets a cookie.
    """

    def __init__(self, app: ASGIApp, *, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, _with_headers(send))
            return
        await self.app(scope, receive, _with_headers(send))

    def _refusal(self, scope: Scope) -> Response | None:
        signing_in = scope["path"] == signin.PATH and self.token is not None
        if scope["method"] not in READ_METHODS and not (signing_in and scope["method"] == "POST"):
            return PlainTextResponse("read-only: only GET and HEAD are served\n", 405, headers={"Allow": "GET, HEAD"})
        if self.token is None or signing_in or scope["path"].startswith("/static/"):
            return None
        headers = Headers(scope=scope)
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(credentials.strip().encode(), self.token.encode()):
            return None
        if signin.signed_in(headers, self.token):
            return None
        if _is_page(scope["path"]) and "text/html" in headers.get("accept", ""):
            return signin.redirect_to_form(scope)
        return PlainTextResponse("a bearer token is required\n", 401, headers={"WWW-Authenticate": "Bearer"})


def _is_page(path: str) -> bool:
    return not path.startswith("/api/") and path not in ("/openapi.json", "/feed.xml", "/map.svg")


def _with_headers(send: Send) -> Send:
    async def sender(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in SECURITY_HEADERS.items():
                headers.setdefault(name, value)
        await send(message)

    return sender


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    return context(request).templates.TemplateResponse(
        request,
        "error.html",
        {"status": exc.status_code, "message": exc.detail},
        status_code=exc.status_code,
        headers=exc.headers,
    )


async def _bad_request(request: Request, exc: Exception) -> Response:
    """A query the user can fix (a bad date, an unknown country): 400 with the one-line reason."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": str(exc)}, status_code=400)
    return context(request).templates.TemplateResponse(
        request, "error.html", {"status": 400, "message": str(exc)}, status_code=400
    )
