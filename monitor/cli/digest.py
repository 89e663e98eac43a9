"""regionwatch digest preview / send: the weekly e-mail, looked at or sent now."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.context import AppContext
from monitor.errors import ConfigError, NotifyError, RegionwatchError
from monitor.notify.digest import (
    Period,
    Reader,
    gather,
    last_complete_period,
    parse_period,
    readers,
    render,
    require_finished,
    zone,
)
from monitor.notify.email import DigestStatus, send_digest
from monitor.notify.links import web_links
from monitor.timeutil import utcnow

app = typer.Typer(help="The weekly digest e-mail: preview it as HTML, or send it now.", no_args_is_help=True)

PeriodOption = Annotated[
    str | None, typer.Option("--period", help="ISO week, e.g. 2024-W28 (default: the last complete week)")
]


@app.command("preview")
def preview(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write", dir_okay=False)],
    period: PeriodOption = None,
    recipient: Annotated[
        str | None, typer.Option("--recipient", help="render the 'your countries' section for this address")
    ] = None,
) -> None:
    """Write the digest's HTML to a file; needs no SMTP server."""
    state: AppContext = ctx.obj
    week = _period(state, period)
    with state.sessions()() as session:
        digest = gather(session, week, zone(state.settings.timezone))
    rendered = render(digest, _reader(state, recipient), links=web_links(state.settings))
    try:
        out.write_text(rendered.html, encoding="utf-8")
    except OSError as exc:
        raise RegionwatchError(f"cannot write {out}: {exc.strerror}") from None
    typer.echo(f"wrote the digest for {week.name} ({week.first_day} to {week.last_day}) to {out.resolve()}")


@app.command("send")
def send(ctx: typer.Context, period: PeriodOption = None) -> None:
    """Send a finished week's digest now; a week already sent is not sent again."""
    state: AppContext = ctx.obj
    week, now = _period(state, period), utcnow()
    require_finished(week, now)
    result = send_digest(state.sessions(), state.settings, state.catalog, period=week, now=now)
    if result.status is DigestStatus.SENT:
        typer.echo(
            f"sent the digest for {week.name} to {len(result.delivered)} recipient(s): "
            f"{', '.join(result.delivered) or 'none left'}"
        )
    elif result.status is DigestStatus.ALREADY_SENT:
        when = result.sent_at.isoformat(timespec="seconds") if result.sent_at else "earlier"
        typer.echo(f"the digest for {week.name} was already sent ({when}): nothing sent")
    elif result.status is DigestStatus.IN_PROGRESS:
        raise NotifyError(f"another process is sending the digest for {week.name}: try again later")
    elif result.status is DigestStatus.NOT_CONFIGURED:
        raise ConfigError(f"digest not sent: {result.error}")
    else:
        raise NotifyError(
            f"the digest for {week.name} was not sent: {result.error} (the week stays unsent; run again to retry)"
        )


def _period(state: AppContext, text: str | None) -> Period:
    tz = zone(state.settings.timezone)
    return parse_period(text, tz) if text else last_complete_period(utcnow(), tz)


def _reader(state: AppContext, address: str | None) -> Reader | None:
    chosen = address or next(iter(state.settings.digest.recipients), None)
    return readers([chosen], state.catalog.routes)[0] if chosen else None
