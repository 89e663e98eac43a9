"""regionwatch alerts: the outbox, listed, dispatched to Slack, and retried."""

from __future__ import annotations

import enum
from typing import Annotated, Any

import typer

from monitor.cli.context import AppContext
from monitor.cli.output import Format, emit
from monitor.store import outbox
from monitor.store.engine import transaction
from monitor.store.models import AlertRow, ChangeRow
from monitor.timeutil import utcnow

app = typer.Typer(help="The alert outbox: list it, send what is due to Slack, retry dead alerts.", no_args_is_help=True)

FormatOption = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv")]
COLUMNS = [
    "id",
    "status",
    "channel",
    "destination",
    "attempts",
    "next_attempt_at",
    "sent_at",
    "slack_ts",
    "kind",
    "provider",
    "change_id",
    "last_error",
    "dedup_key",
    "created_at",
]


class Status(enum.StrEnum):
    PENDING = outbox.PENDING
    SENDING = outbox.SENDING
    SENT = outbox.SENT
    DEAD = outbox.DEAD


@app.command("list")
def list_alerts(
    ctx: typer.Context,
    status: Annotated[Status | None, typer.Option("--status", "-s", help="pending, sending, sent or dead")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="newest N alerts")] = 200,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """The outbox, newest first: where each alert goes and how far it got."""
    state: AppContext = ctx.obj
    with state.sessions()() as session:
        rows = [
            alert_dict(a, c)
            for a, c in outbox.list_alerts(session, status=status.value if status else None, limit=limit)
        ]
    emit(
        rows,
        COLUMNS,
        fmt,
        title="Alerts",
        first=("id", "status", "channel", "destination", "attempts", "next_attempt_at", "last_error"),
    )


@app.command("dispatch")
def dispatch(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, help="send at most N alerts")] = 100,
) -> None:
    """Send the due Slack and e-mail alerts now (the daemon does this every few seconds)."""
    state: AppContext = ctx.obj
    from monitor.notify.dispatch import dispatch_due  # slack-sdk and Jinja2 load only when sending

    report = dispatch_due(state.sessions(), state.settings, now=utcnow(), limit=limit)
    typer.echo(report.summary())


@app.command("retry")
def retry(
    ctx: typer.Context,
    alert_id: Annotated[int, typer.Argument(help="the alert's id (see 'regionwatch alerts list')")],
) -> None:
    """Make a dead alert pending again, due now, with a fresh count of attempts."""
    state: AppContext = ctx.obj
    with transaction(state.sessions()) as session:
        row = outbox.retry_alert(session, alert_id, now=utcnow())
        destination = row.destination
    typer.echo(f"alert {alert_id} to {destination} is pending again: 'regionwatch alerts dispatch' sends it")


def alert_dict(alert: AlertRow, change: ChangeRow | None) -> dict[str, Any]:
    """One outbox row as printed."""
    return {
        "id": alert.id,
        "status": alert.status,
        "channel": alert.channel,
        "destination": alert.destination,
        "attempts": alert.attempts,
        "next_attempt_at": alert.next_attempt_at,
        "sent_at": alert.sent_at,
        "slack_ts": alert.slack_ts,
        "kind": change.kind if change else None,
        "provider": change.provider if change else None,
        "change_id": alert.change_id,
        "last_error": alert.last_error,
        "dedup_key": alert.dedup_key,
        "created_at": alert.created_at,
    }
