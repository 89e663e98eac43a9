"""A scriptable HTTP server on loopback: what each path serves can change between crawls.

    server.set("/page", b"<html>...", etag=True)         # a page with an ETag (304 on match)
    server.script("/flaky", [Reply(status=500), Reply(body=b"ok")])   # 500, then 200 forever
    server.redirect("/old", "/login?next=/old")
    server.url("/page")                                   # http://127.0.0.1:PORT/page
    server.hits("/page")                                  # requests seen, with their headers
    server.peak_in_flight                                 # most requests it answered at once

Paths not set answer 404. ``reset()`` forgets every path and request (the robots.txt too).
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass(frozen=True, kw_only=True)
class Reply:
    """One scripted answer."""

    body: bytes = b""
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = "text/html; charset=utf-8"
    etag: bool | str = False
    last_modified: str | None = None
    delay: float = 0.0
    gzip: bool = False
    #: Faults of the transfer itself (the damaged-page corpus): cut the (compressed) body to this
    #: many bytes and declare that length (a gzip stream cut short; negative: from the end) ...
    cut_to: int | None = None
    #: ... declare this Content-Length whatever is sent ...
    declared_length: int | None = None
    #: ... send only this many bytes of the body, then close the connection.
    send_only: int | None = None


@dataclass(frozen=True)
class Hit:
    """One request the server saw."""

    path: str
    headers: Mapping[str, str]


class LocalServer:
    """A threaded http.server on 127.0.0.1 (port 0) whose answers are set per path."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[str, list[Reply]] = {}
        self._hits: list[Hit] = []
        self._in_flight = 0
        self.peak_in_flight = 0
        self._httpd = _QuietServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def set(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        content_type: str | None = "text/html; charset=utf-8",
        etag: bool | str = False,
        last_modified: str | None = None,
        delay: float = 0.0,
        gzip: bool = False,
        cut_to: int | None = None,
        declared_length: int | None = None,
        send_only: int | None = None,
    ) -> None:
        """Serve ``body`` at ``path`` from now on."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.script(
            path,
            [
                Reply(
                    body=data,
                    status=status,
                    headers=dict(headers or {}),
                    content_type=content_type,
                    etag=etag,
                    last_modified=last_modified,
                    delay=delay,
                    gzip=gzip,
                    cut_to=cut_to,
                    declared_length=declared_length,
                    send_only=send_only,
                )
            ],
        )

    def script(self, path: str, replies: Sequence[Reply]) -> None:
        """Answer with each reply in turn; the last one repeats."""
        with self._lock:
            self._scripts[path] = list(replies)

    def redirect(self, path: str, to: str, status: int = 302) -> None:
        self.set(path, status=status, headers={"Location": to}, content_type=None)

    def hits(self, path: str | None = None) -> list[Hit]:
        with self._lock:
            return [h for h in self._hits if path is None or h.path == path]

    def reset(self) -> None:
        with self._lock:
            self._scripts.clear()
            self._hits.clear()
            self.peak_in_flight = 0

    def entered(self, change: int) -> None:
        """A request started (+1) or was answered (-1): keeps the peak of requests in flight."""
        with self._lock:
            self._in_flight += change
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)

    def next_reply(self, path: str, headers: Mapping[str, str]) -> Reply | None:
        with self._lock:
            self._hits.append(Hit(path, dict(headers)))
            replies = self._scripts.get(path) or self._scripts.get(urlsplit(path).path)
            if not replies:
                return None
            return replies.pop(0) if len(replies) > 1 else replies[0]


class _QuietServer(ThreadingHTTPServer):
    """Clients that hang up early (size caps, timeouts) are expected, not errors."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass


def etag_of(reply: Reply) -> str | None:
    """The ETag a reply carries: given, or derived from its body."""
    if reply.etag is True:
        return '"' + hashlib.sha1(reply.body).hexdigest()[:16] + '"'
    return reply.etag or None


def _handler(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            server.entered(+1)
            try:
                self._answer()
            finally:
                server.entered(-1)

        def _answer(self) -> None:
            reply = server.next_reply(self.path, self.headers)
            if reply is None:
                self._send(Reply(status=404, body=b"not found", content_type="text/plain"))
                return
            if reply.delay:
                time.sleep(reply.delay)
            self._send(reply)

        def _send(self, reply: Reply) -> None:
            tag = etag_of(reply)
            if reply.status == 200 and self._not_modified(reply, tag):
                self.send_response(304)
                if tag:
                    self.send_header("ETag", tag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = gzip.compress(reply.body) if reply.gzip else reply.body
            if reply.cut_to is not None:
                body = body[: reply.cut_to]
            self.send_response(reply.status)
            if reply.content_type:
                self.send_header("Content-Type", reply.content_type)
            if tag:
                self.send_header("ETag", tag)
            if reply.last_modified:
                self.send_header("Last-Modified", reply.last_modified)
            if reply.gzip:
                self.send_header("Content-Encoding", "gzip")
            for name, value in reply.headers.items():
                self.send_header(name, value)
            length = reply.declared_length if reply.declared_length is not None else len(body)
            self.send_header("Content-Length", str(length))
            if length != len(body) or reply.send_only is not None:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            try:
                self.wfile.write(body if reply.send_only is None else body[: reply.send_only])
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass

        def _not_modified(self, reply: Reply, tag: str | None) -> bool:
            if tag and self.headers.get("If-None-Match") == tag:
                return True
            since = self.headers.get("If-Modified-Since")
            return bool(reply.last_modified and since == reply.last_modified)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler
