"""What every handler needs, kept on the application's state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.templating import Jinja2Templates


@dataclass(frozen=True, slots=True)
class WebContext:
    """Read-only sessions, the clock, the templates, and the public base URL when configured."""

    sessions: sessionmaker[Session]
    clock: Callable[[], datetime]
    templates: Jinja2Templates
    public_url: str | None = None


def context(request: Request) -> WebContext:
    """The application's WebContext."""
    ctx: WebContext = request.app.state.web
    return ctx
