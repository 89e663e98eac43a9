"""regionwatch serve: the read-only web view."""

from __future__ import annotations

import ipaddress
import logging
from typing import Annotated

import typer

from monitor.cli.context import AppContext
from monitor.store.engine import make_engine
from monitor.store.migrate import require_head

log = logging.getLogger(__name__)


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option("--host", help="address to bind (default: web.host, 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option("--port", help="port (default: web.port, 8080)", min=0, max=65535)] = None,
) -> None:
    """Serve the read-only web view: overview, maps, countries, providers, changes, JSON API, feed."""
    state: AppContext = ctx.obj
    settings = state.settings
    bind, listen = host or settings.web.host, settings.web.port if port is None else port
    _check_database(settings.database_url)
    if not _loopback(bind) and settings.web.token is None:
        log.warning(
            "serving on %s without a token: anyone who can reach it can read the history (set REGIONWATCH_WEB__TOKEN)",
            bind,
        )
    import uvicorn  # here, not at the top: every other command starts faster without the web stack

    from monitor.web.app import create_app

    uvicorn.run(
        create_app(settings),
        host=bind,
        port=listen,
        log_level=settings.log_level.lower(),
        server_header=False,
        proxy_headers=False,
        ws="none",
    )


def _check_database(raw: str) -> None:
    """The database must exist and be at head: the web view never creates or migrates it."""
    engine = make_engine(raw, read_only=True, create=False)
    try:
        require_head(engine, raw)
    finally:
        engine.dispose()


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
