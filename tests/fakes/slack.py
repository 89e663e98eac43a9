"""A fake Slack Web API on loopback: every request recorded, every answer scriptable.

    with FakeSlack(token="xoxb-test") as slack:
        slack.api_url                  # http://127.0.0.1:PORT/api/   -> REGIONWATCH_SLACK__API_URL
        slack.webhook_url              # http://127.0.0.1:PORT/services/T0/B0/hook
        slack.script("chat.postMessage", Fault(status=500), Fault(status=429, retry_after=1))
        slack.script("chat.postMessage", Fault(delay=5))     # posted, but answered 5 s later
        slack.script("chat.postMessage", Fault(error="channel_not_found"))
        slack.messages("#ai-access")   # what was posted there (top level and thread replies)
        slack.requests("chat.postMessage")   # method, raw body, parsed arguments, headers, time

Implements chat.postMessage, conversations.history (metadata only with include_all_metadata,
like Slack), conversations.list, auth.test and an incoming webhook. Scripted faults are used
one per request of their method, in order; then the method behaves again. Posting to an
unknown channel name creates it; conversations.history wants the channel ID, as Slack does.
Posts are checked against Slack's limits (50 blocks, 3000-character sections, 150-character
headers): a message over them is refused with ``invalid_blocks``.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

WEBHOOK_PATH = "/services/T0/B0/hook"
WEBHOOK_CHANNEL = "#webhook"


@dataclass(frozen=True, kw_only=True)
class Fault:
    """One scripted answer: an HTTP status, an ``ok: false`` error, or a late (but real) success."""

    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    delay: float = 0.0  # with no status/error: the request is carried out, then answered this late


@dataclass(frozen=True, kw_only=True)
class Request:
    """One request the fake received."""

    method: str
    body: str
    args: dict[str, Any]
    headers: dict[str, str]
    at: float  # time.monotonic() on arrival


@dataclass(kw_only=True)
class Posted:
    """A message as the fake stores it."""

    channel: str  # the channel ID
    ts: str
    text: str | None
    blocks: list[dict[str, Any]] | None
    metadata: dict[str, Any] | None
    thread_ts: str | None
    unfurl_links: Any
    unfurl_media: Any
    reply_count: int = 0
    body: str = ""

    def as_history(self, with_metadata: bool) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "ts": self.ts,
            "text": self.text or "",
            "user": "U0BOT",
            "bot_id": "B0BOT",
        }
        if self.blocks:
            message["blocks"] = self.blocks
        if self.reply_count:
            message["thread_ts"], message["reply_count"] = self.ts, self.reply_count
        if with_metadata and self.metadata:
            message["metadata"] = self.metadata
        return message

    def content(self) -> str:
        """Everything readable in the message: text and blocks, as JSON text."""
        return json.dumps({"text": self.text, "blocks": self.blocks}, ensure_ascii=False)


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    scripts: dict[str, deque[Fault]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    messages: list[Posted] = field(default_factory=list)
    channels: dict[str, str] = field(default_factory=dict)  # name -> ID
    last_ts: float = 0.0


class FakeSlack:
    """A threaded HTTP server on 127.0.0.1 (a free port) that speaks enough Slack."""

    def __init__(self, *, token: str | None = "xoxb-test") -> None:
        self.token = token
        self.state = _State()
        self.stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-slack", daemon=True
        )

    # --- running -----------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    @property
    def webhook_url(self) -> str:
        return f"{self.base}{WEBHOOK_PATH}"

    # --- scripting and reading ---------------------------------------------------------------

    def script(self, method: str, *faults: Fault) -> None:
        """Answer the next requests of ``method`` with these faults, one each."""
        with self.state.lock:
            self.state.scripts.setdefault(method, deque()).extend(faults)

    def requests(self, method: str | None = None) -> list[Request]:
        with self.state.lock:
            return [r for r in self.state.requests if method is None or r.method == method]

    def messages(self, channel: str | None = None, *, replies: bool = True) -> list[Posted]:
        """Messages posted (to a channel given by name or ID), oldest first."""
        with self.state.lock:
            wanted = self._lookup(channel) if channel is not None else None
            if channel is not None and wanted is None:
                return []
            return [
                m
                for m in self.state.messages
                if (wanted is None or m.channel == wanted) and (replies or m.thread_ts is None)
            ]

    def channel_id(self, name: str) -> str:
        """The ID of a channel by name, creating the channel if need be."""
        with self.state.lock:
            return self._channel(name)

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Request]:
        """Block until ``count`` requests of ``method`` arrived (for tests that race a process)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.requests(method)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"fake slack: fewer than {count} {method} requests within {timeout}s")

    # --- the API (called by the handler with the lock free) ----------------------------------

    def _lookup(self, channel: str) -> str | None:
        if channel in self.state.channels.values():
            return channel
        return self.state.channels.get(channel.lstrip("#"))

    def _channel(self, name: str) -> str:
        found = self._lookup(name)
        if found is None:
            found = f"C{len(self.state.channels) + 1:08d}X"
            self.state.channels[name.lstrip("#")] = found
        return found

    def _next_fault(self, method: str) -> Fault | None:
        with self.state.lock:
            queue = self.state.scripts.get(method)
            return queue.popleft() if queue else None

    def _new_ts(self) -> str:
        now = max(time.time(), self.state.last_ts + 0.000001)
        self.state.last_ts = now
        return f"{now:.6f}"

    def call(self, method: str, args: dict[str, Any], body: str) -> dict[str, Any]:
        """Carry out one API method; the answer as Slack would give it."""
        with self.state.lock:
            if method == "chat.postMessage":
                return self._post(args, body)
            if method == "conversations.history":
                return self._history(args)
            if method == "conversations.list":
                return self._list(args)
            if method == "auth.test":
                return {
                    "ok": True,
                    "url": "https://fake.slack.com/",
                    "team": "Fake",
                    "user": "regionwatch",
                    "team_id": "T0",
                    "user_id": "U0BOT",
                    "bot_id": "B0BOT",
                }
        return {"ok": False, "error": "unknown_method"}

    def _post(self, args: dict[str, Any], body: str) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        blocks = _json_arg(args.get("blocks"))
        if not args.get("text") and not blocks:
            return {"ok": False, "error": "no_text"}
        if blocks is not None and (problem := _block_problem(blocks)):
            return {"ok": False, "error": "invalid_blocks", "errors": [problem]}
        message = Posted(
            channel=self._channel(channel),
            ts=self._new_ts(),
            text=args.get("text"),
            blocks=blocks,
            metadata=_json_arg(args.get("metadata")),
            thread_ts=args.get("thread_ts"),
            unfurl_links=args.get("unfurl_links"),
            unfurl_media=args.get("unfurl_media"),
            body=body,
        )
        if message.thread_ts:
            for parent in self.state.messages:
                if parent.ts == message.thread_ts and parent.channel == message.channel:
                    parent.reply_count += 1
        self.state.messages.append(message)
        return {
            "ok": True,
            "channel": message.channel,
            "ts": message.ts,
            "message": message.as_history(with_metadata=True),
        }

    def _history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        if channel not in self.state.channels.values():
            return {"ok": False, "error": "channel_not_found"}
        inclusive = _truthy(args.get("inclusive"))
        oldest, latest = float(args.get("oldest") or 0), float(args.get("latest") or time.time() + 1e6)
        top = [
            m
            for m in self.state.messages
            if m.channel == channel
            and not m.thread_ts
            and (oldest <= float(m.ts) if inclusive else oldest < float(m.ts))
            and (float(m.ts) <= latest if inclusive else float(m.ts) < latest)
        ]
        top.sort(key=lambda m: float(m.ts), reverse=True)
        start, limit = _page(args, default=100)
        page = top[start : start + limit]
        more = start + limit < len(top)
        return {
            "ok": True,
            "messages": [m.as_history(_truthy(args.get("include_all_metadata"))) for m in page],
            "has_more": more,
            "response_metadata": {"next_cursor": f"off:{start + limit}" if more else ""},
        }

    def _list(self, args: dict[str, Any]) -> dict[str, Any]:
        channels = [
            {"id": cid, "name": name, "is_channel": True, "is_member": True}
            for name, cid in sorted(self.state.channels.items())
        ]
        start, limit = _page(args, default=100)
        more = start + limit < len(channels)
        return {
            "ok": True,
            "channels": channels[start : start + limit],
            "response_metadata": {"next_cursor": f"off:{start + limit}" if more else ""},
        }

    def webhook(self, args: dict[str, Any], body: str) -> tuple[int, str]:
        with self.state.lock:
            answer = self._post({**args, "channel": WEBHOOK_CHANNEL}, body)
        return (200, "ok") if answer["ok"] else (400, str(answer["error"]))


def _json_arg(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def _page(args: dict[str, Any], *, default: int) -> tuple[int, int]:
    cursor = str(args.get("cursor") or "")
    start = int(cursor.removeprefix("off:")) if cursor.startswith("off:") else 0
    return start, max(1, min(int(args.get("limit") or default), 1000))


def _block_problem(blocks: Any) -> str | None:
    if not isinstance(blocks, list):
        return "blocks must be a list"
    if len(blocks) > 50:
        return f"{len(blocks)} blocks (at most 50)"
    for i, block in enumerate(blocks):
        text = (block.get("text") or {}).get("text", "") if isinstance(block, dict) else ""
        limit = 150 if block.get("type") == "header" else 3000
        if len(text) > limit:
            return f"block {i}: text of {len(text)} characters (at most {limit})"
        for item in block.get("fields") or []:
            if len(item.get("text", "")) > 2000:
                return f"block {i}: a field over 2000 characters"
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away (timed out, killed) is part of the tests


def _handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self.do_POST()

        def do_POST(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8") if length else ""
            args = _arguments(body, self.headers.get("Content-Type") or "", split.query)
            if split.path == WEBHOOK_PATH:
                method = "webhook"
            elif split.path.startswith("/api/"):
                method = split.path.removeprefix("/api/")
            else:
                self._send(404, b"not found", "text/plain")
                return
            with fake.state.lock:
                fake.state.requests.append(
                    Request(
                        method=method, body=body, args=args, headers=dict(self.headers.items()), at=time.monotonic()
                    )
                )
            fault = fake._next_fault(method)
            if (
                method == "chat.postMessage"
                and args.get("channel")
                and (fault is None or fault.error != "channel_not_found")
            ):
                fake.channel_id(str(args["channel"]))  # the channel exists in Slack, whatever this post meets
            if fault is not None and (fault.status != 200 or fault.error):
                self._fault(method, fault)
                return
            if method == "webhook":
                status, text = fake.webhook(args, body)
                self._late(fault)
                self._send(status, text.encode(), "text/plain")
                return
            if fake.token is not None and self.headers.get("Authorization") != f"Bearer {fake.token}":
                answer: dict[str, Any] = {"ok": False, "error": "invalid_auth"}
            else:
                answer = fake.call(method, args, body)
            self._late(fault)
            self._send(200, json.dumps(answer).encode(), "application/json; charset=utf-8")

        def _late(self, fault: Fault | None) -> None:
            if fault is not None and fault.delay:
                fake.stopping.wait(fault.delay)

        def _fault(self, method: str, fault: Fault) -> None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            if method == "webhook":
                self._send(
                    fault.status if fault.status != 200 else 400,
                    (fault.error or "error").encode(),
                    "text/plain",
                    headers,
                )
                return
            error = fault.error or {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}.get(
                fault.status, "fatal_error"
            )
            body = json.dumps({"ok": False, "error": error}).encode()
            self._send(fault.status, body, "application/json; charset=utf-8", headers)

        def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up waiting

    return Handler


def _arguments(body: str, content_type: str, query: str) -> dict[str, Any]:
    args: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query).items()}
    if "json" in content_type and body:
        parsed = json.loads(body)
        if isinstance(parsed, dict):
            args.update(parsed)
    elif body:
        args.update({k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()})
    return args
