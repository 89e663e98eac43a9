"""The demo's driver: the timeline played through the real pipeline, step by step, on loopback.

For each step the local site starts answering with the step's pages and feeds, one real check
cycle runs (``monitor.cycle.check``: a Scrapy crawl in a child process, detection, one
transaction) with the clock set to the step's moment, and the real dispatcher sends the outbox
to the local Slack, which prints what it receives. The database is a temporary SQLite file
built by the migrations. Settings are made here, in code: the user's regionwatch.toml and
REGIONWATCH_* environment are never read. Each step states what should happen and is checked:
a step that alerts more or less than it should makes the demo fail.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import (
    DetectSettings,
    DigestSettings,
    FetchSettings,
    Settings,
    SlackSettings,
    SmtpSettings,
    WebSettings,
    isolated_settings,
)
from monitor.cycle import check
from monitor.demo import timeline
from monitor.demo.answers import QUESTIONS, answer
from monitor.demo.server import SiteServer
from monitor.demo.slack import LocalSlack, printer
from monitor.describe import effective_text
from monitor.errors import RegionwatchError
from monitor.fetch.records import CrawlReport
from monitor.notify import digest
from monitor.notify.dispatch import dispatch_due
from monitor.notify.slack import Sender, open_sender
from monitor.query import history
from monitor.query import sources as source_status
from monitor.store import migrate
from monitor.store.engine import make_engine, session_factory
from monitor.types import Catalog

TOKEN = "xoxb-regionwatch-demo"  # noqa: S105 (the local fake's token, no secret)
CHANNEL, OPERATOR_CHANNEL = "#demo", "#demo-ops"
DISPATCH_AFTER = timedelta(minutes=5)  # the outbox is sent a few minutes after each crawl
DIGEST_WEEK = date(2024, 6, 24)  # the week of OpenAI's notice: 2024-W26


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoResult:
    """What the demo did: messages per channel, the digest file, whether every step went as expected."""

    messages: dict[str, int]
    digest: Path
    database: Path | None
    elapsed: float
    surprises: tuple[str, ...]


def demo_settings(database_url: str, slack_api_url: str) -> Settings:
    """Everything the demo needs, stated here: no REGIONWATCH_* variable and no file is read."""
    return isolated_settings(
        database_url=database_url,
        sources=None,
        timezone="UTC",
        log_level="WARNING",
        fetch=FetchSettings(
            delay=0,
            per_domain=8,
            concurrency=16,
            timeout=10,
            retries=0,
            obey_robots=True,
            allow_private=True,
            crawl_timeout=120,
        ),
        slack=SlackSettings(
            token=SecretStr(TOKEN),
            channel=CHANNEL,
            operator_channel=OPERATOR_CHANNEL,
            api_url=slack_api_url,
            webhook_url=None,
            timeout=10,
            interval=0,
            backoff=1,
            max_attempts=3,
        ),
        smtp=SmtpSettings(host=None),
        digest=DigestSettings(recipients=[]),
        web=WebSettings(),
        # The timeline's clock jumps from step to step: a set change is confirmed by a fresh re-fetch
        # within its step (the daemon waits detect.confirm_after, 10 minutes by default).
        detect=DetectSettings(confirm_after=timedelta(0)),
    )


def _writable(path: Path) -> None:
    """Check that a file can be written there before the demo runs, leaving nothing behind."""
    existed = path.exists()
    try:
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise RegionwatchError(f"cannot write {path}: {exc.strerror or exc} (choose another path)") from None
    if not existed:
        path.unlink(missing_ok=True)


def run_demo(console: Console, *, out: Path, keep_db: Path | None = None) -> DemoResult:
    """Play the whole timeline; write the digest to ``out``; keep the database at ``keep_db`` if given."""
    if keep_db is not None and keep_db.exists():
        raise RegionwatchError(f"{keep_db} already exists: not overwritten (give --keep-db a new path)")
    for path in (out, keep_db):
        if path is None:
            continue
        folder = path.resolve().parent
        if not folder.is_dir():
            raise RegionwatchError(f"cannot write {path}: folder {folder} does not exist")
        if path.is_dir():
            raise RegionwatchError(f"cannot write {path}: it is a folder (give a file name)")
        _writable(path)
    started = time.monotonic()
    with (
        _database(keep_db) as (url, sessions),
        SiteServer() as site,
        LocalSlack(token=TOKEN, show=printer(console)) as slack,
    ):
        settings = demo_settings(url, slack.api_url)
        catalog = timeline.catalog(site.base)
        _introduce(console, site, catalog)
        sender = open_sender(settings.slack)
        surprises = [
            s
            for i in range(len(timeline.STEPS))
            if (s := _play(console, i, site, slack, settings, catalog, sessions, sender))
        ]
        _write_digest(console, sessions, out)
        _answer(console, sessions)
        counts: dict[str, int] = {}
        for message in slack.received:
            if message.thread_ts is None:
                counts[message.channel] = counts.get(message.channel, 0) + 1
    return DemoResult(
        messages=counts,
        digest=out.resolve(),
        database=keep_db.resolve() if keep_db else None,
        elapsed=time.monotonic() - started,
        surprises=tuple(surprises),
    )


@contextmanager
def _database(keep: Path | None) -> Iterator[tuple[str, sessionmaker[Session]]]:
    """A fresh SQLite database built by the migrations: in a temporary folder, or at ``keep``."""
    with tempfile.TemporaryDirectory(prefix="regionwatch-demo-") as tmp:
        path = keep if keep is not None else Path(tmp) / "demo.db"
        url = f"sqlite:///{path.resolve()}"
        migrate.upgrade(url)
        engine = make_engine(url)
        try:
            yield url, session_factory(engine)
        finally:
            engine.dispose()


def _introduce(console: Console, site: SiteServer, catalog: Catalog) -> None:
    console.rule("[bold]Regionwatch demo")
    console.print(
        f"A replay of real events on loopback: {len(catalog.sources)} sources served by a local site "
        f"({site.base}), alerts to a local Slack ({CHANNEL}, operator notices to {OPERATOR_CHANNEL}), "
        "a temporary SQLite database. Pages and feeds are the project's own text; country lists "
        "are abridged. Nothing leaves this machine.",
        highlight=False,
    )


def _play(
    console: Console,
    index: int,
    site: SiteServer,
    slack: LocalSlack,
    settings: Settings,
    catalog: Catalog,
    sessions: sessionmaker[Session],
    sender: Sender | None,
) -> str | None:
    """One step: serve, crawl and detect, dispatch; returns what went unexpectedly, if anything."""
    step = timeline.STEPS[index]
    console.print()
    tag = "  [dim](modelled)[/dim]" if step.modelled else ""
    console.rule(
        f"[bold][{index + 1}/{len(timeline.STEPS)}] {step.at:%Y-%m-%d %H:%M} UTC[/bold]  {step.title}{tag}",
        align="left",
    )
    console.print(step.story, style="dim", highlight=False)
    site.show(timeline.state(index))
    with console.status(f"crawling {len(catalog.sources)} sources (Scrapy, one process) and detecting..."):
        report = check(settings, catalog, [s.id for s in catalog.sources], now=step.at, sessions=sessions)
    _narrate(console, report, sessions, index)
    before = sum(1 for m in slack.received if m.thread_ts is None)
    dispatch_due(sessions, settings, now=step.at + DISPATCH_AFTER, sender=sender)
    posted = sum(1 for m in slack.received if m.thread_ts is None) - before
    wanted = step.alerts
    if posted == wanted:
        console.print(f"[green]✓ as expected:[/green] {step.expect}", highlight=False)
        return None
    console.print(f"[red]✗ expected {wanted} Slack message(s), got {posted}:[/red] {step.expect}", highlight=False)
    return f"step {index + 1} ({step.title}): {posted} Slack messages, expected {wanted}"


def _narrate(console: Console, report: CrawlReport, sessions: sessionmaker[Session], index: int) -> None:
    """What the crawl saw and what detection recorded, in a few lines."""
    step = timeline.STEPS[index]
    console.print(f"  crawl: {report.summary()}", highlight=False)
    for result in report.results:
        if not result.outcome.ok:
            console.print(
                f"  {result.source_id}: [yellow]{result.outcome.value}[/yellow] ({result.error}): "
                "a failed fetch, not a change",
                highlight=False,
            )
        elif result.new_items and index > 0:
            console.print(f"  {result.source_id}: {result.new_items} new item(s) read", highlight=False)
    for row in source_status.status(sessions):
        if row["suspect"]:
            console.print(
                f"  {row['id']}: [yellow]held as suspect[/yellow] ({row['suspect_reason']}) since "
                f"{row['suspect_since']:%Y-%m-%d %H:%M}; its countries stay as last confirmed",
                highlight=False,
            )
    if index == 0:
        _baseline(console, sessions, step)
    for change in reversed(history.changes(sessions, since=step.at)):
        console.print(f"  recorded: {_describe(change)}", highlight=False)


def _baseline(console: Console, sessions: sessionmaker[Session], step: timeline.Step) -> None:
    counts: dict[str, int] = {}
    for row in history.availability(sessions, at=step.at + timedelta(hours=1)):
        key = f"{row['provider']} {row['product']}"
        counts[key] = counts.get(key, 0) + 1
    lists = ", ".join(f"{key} {n} countries" for key, n in sorted(counts.items()))
    console.print(f"  history starts: {lists}", highlight=False)


def _describe(change: dict[str, Any]) -> str:
    kind, ident, source = change["kind"], change["id"], change["source"]
    effective = change["effective_date"]
    when = f", effective {effective_text(effective, change['effective_precision'])}" if effective else ""
    if kind == "signal":
        countries = " ".join(change["countries"])
        return f"signal #{ident}: {change['provider']} {change['action']} {countries}{when} (from {source})"
    if kind == "availability":
        added, removed = " ".join(change["added"]), " ".join(change["removed"])
        return (
            f"availability change #{ident}: {change['provider']} {change['product']}: "
            f"added [{added}] removed [{removed}]{when}"
        )
    if kind == "text":
        return f"text change #{ident} on {source}: low severity, kept for the weekly digest (no alert)"
    return f"operator notice #{ident}: {change['title']}"


def _write_digest(console: Console, sessions: sessionmaker[Session], out: Path) -> None:
    """The weekly digest of OpenAI's week, through the same code as `regionwatch digest preview`."""
    tz = digest.zone("UTC")
    week = digest.week_of(DIGEST_WEEK, tz)
    with sessions() as session:
        gathered = digest.gather(session, week, tz)
    rendered = digest.render(gathered, None)
    try:
        out.write_text(rendered.html, encoding="utf-8")
    except OSError as exc:
        raise RegionwatchError(f"cannot write the digest to {out}: {exc.strerror}") from None
    console.print()
    console.rule("[bold]Weekly digest", align="left")
    console.print(
        f"{rendered.subject}\nwrote the digest for {week.name} ({week.first_day} to {week.last_day}) "
        f"to {out.resolve()}",
        highlight=False,
    )


def _answer(console: Console, sessions: sessionmaker[Session]) -> None:
    console.print()
    console.rule("[bold]As-of answers from the recorded history", align="left")
    console.print(
        f'History starts with the first crawl ({timeline.STEPS[0].at:%Y-%m-%d}): "since" is when '
        "Regionwatch first saw a country listed.",
        style="dim",
        highlight=False,
    )
    for question in QUESTIONS:
        console.print(f"  {question.text}", style="bold", highlight=False)
        console.print(f"    → {answer(sessions, question)}", highlight=False)
