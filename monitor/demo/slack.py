"""A tiny Slack Web API on loopback that shows every message it receives in the terminal.

It speaks just enough Slack for the real sender (``notify.slack.WebApiSender``):
chat.postMessage, conversations.list, conversations.history (with metadata) and auth.test,
with the bot token checked. Block Kit messages are printed readably with rich; web text is
printed as plain text (never as markup), so a scraped ``[bold]`` stays literal.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from monitor.demo.loopback import LoopbackServer

_LINK = re.compile(r"<([^<>|]+)\|([^<>]*)>|<([^<>|]+)>")
_BOLD = re.compile(r"(?<!\w)\*([^*\n]+)\*(?!\w)")


@dataclass(frozen=True, slots=True, kw_only=True)
class Received:
    """One message as the fake Slack got it."""

    channel: str  # the name it was posted to ("#demo") or its ID
    ts: str
    text: str
    blocks: tuple[dict[str, Any], ...]
    thread_ts: str | None
    metadata: dict[str, Any] | None


class LocalSlack(LoopbackServer):
    """A fake Slack Web API on loopback; ``show`` is called for every post."""

    def __init__(self, *, token: str, show: Callable[[Received], None]) -> None:
        self.token, self.show = token, show
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.channels: dict[str, str] = {}  # name without "#" -> ID
        super().__init__(_handler(self), name="demo-slack")

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def call(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """One Web API method, answered as Slack would."""
        if method == "chat.postMessage":
            return self._post(args)
        with self.lock:
            if method == "conversations.list":
                channels = [{"id": cid, "name": name, "is_member": True} for name, cid in self.channels.items()]
                return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}
            if method == "conversations.history":
                found = [
                    _history(m)
                    for m in reversed(self.received)
                    if self._id(m.channel) == args.get("channel") and m.thread_ts is None
                ]
                return {"ok": True, "messages": found, "has_more": False, "response_metadata": {"next_cursor": ""}}
        if method == "auth.test":
            return {"ok": True, "team": "Regionwatch demo", "user": "regionwatch", "user_id": "U0DEMO"}
        return {"ok": False, "error": "unknown_method"}

    def _id(self, channel: str) -> str:
        name = channel.lstrip("#")
        if channel in self.channels.values():
            return channel
        return self.channels.setdefault(name, f"C{len(self.channels) + 1:08d}")

    def _post(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, text = str(args.get("channel") or ""), str(args.get("text") or "")
        blocks = _json(args.get("blocks")) or []
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        with self.lock:
            message = Received(
                channel=channel,
                ts=f"{time.time():.6f}",
                text=text,
                blocks=tuple(blocks),
                thread_ts=args.get("thread_ts"),
                metadata=_json(args.get("metadata")),
            )
            self.received.append(message)
            ident = self._id(channel)
        self.show(message)
        return {"ok": True, "channel": ident, "ts": message.ts}


def printer(console: Console) -> Callable[[Received], None]:
    """Show a received message as a panel: headline, countries, facts, evidence."""

    def show(message: Received) -> None:
        title = f"Slack {message.channel}" + ("  (thread reply)" if message.thread_ts else "")
        body = Group(*(_block(b) for b in message.blocks)) if message.blocks else Text(plain(message.text))
        console.print(Panel(body, title=title, title_align="left", border_style="magenta", expand=False))

    return show


def plain(mrkdwn: str) -> str:
    """Slack mrkdwn as plain text: links as their labels, bold marks dropped, entities undone."""
    text = _LINK.sub(lambda m: m.group(2) if m.group(1) else m.group(3), mrkdwn)
    return html.unescape(_BOLD.sub(r"\1", text)).replace("```", "")


def _block(block: dict[str, Any]) -> Text:
    kind = block.get("type")
    if kind == "header":
        return Text(plain(str((block.get("text") or {}).get("text", ""))), style="bold")
    if kind == "divider":
        return Text("─" * 20, style="dim")
    if kind == "context":
        return Text("  ".join(plain(str(e.get("text", ""))) for e in block.get("elements") or []), style="dim")
    if block.get("fields"):
        facts = [plain(str(f.get("text", ""))).replace("\n", ": ", 1) for f in block["fields"]]
        return Text(" · ".join(facts))
    return Text(plain(str((block.get("text") or {}).get("text", ""))))


def _history(message: Received) -> dict[str, Any]:
    found: dict[str, Any] = {"type": "message", "ts": message.ts, "text": message.text}
    if message.metadata:
        found["metadata"] = message.metadata
    return found


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _handler(slack: LocalSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self.do_POST()

        def do_POST(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8") if length else ""
            args: dict[str, Any] = {k: v[-1] for k, v in parse_qs(split.query).items()}
            if "json" in (self.headers.get("Content-Type") or "") and raw:
                parsed = json.loads(raw)
                args.update(parsed if isinstance(parsed, dict) else {})
            elif raw:
                args.update({k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()})
            if self.headers.get("Authorization") != f"Bearer {slack.token}":
                answer: dict[str, Any] = {"ok": False, "error": "invalid_auth"}
            else:
                answer = slack.call(split.path.removeprefix("/api/"), args)
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
