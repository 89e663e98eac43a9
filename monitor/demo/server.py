"""A loopback HTTP server that answers with the timeline's current state.

    with SiteServer() as site:
        site.show(timeline.state(0))      # what every path answers from now on
        site.url("/robots.txt")           # http://127.0.0.1:PORT/robots.txt

Paths not in the state answer 404. Only 127.0.0.1 is bound; nothing leaves the machine.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from monitor.demo.loopback import LoopbackServer
from monitor.demo.timeline import Resource


class SiteServer(LoopbackServer):
    """A loopback server answering with a swappable set of resources."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._served: dict[str, Resource] = {}
        super().__init__(_handler(self), name="demo-site")

    def url(self, path: str) -> str:
        return self.base + path

    def show(self, served: Mapping[str, Resource]) -> None:
        """Answer with these resources from now on."""
        with self._lock:
            self._served = dict(served)

    def lookup(self, path: str) -> Resource | None:
        with self._lock:
            return self._served.get(urlsplit(path).path)


def _handler(site: SiteServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_HEAD(self) -> None:
            self._answer(with_body=False)

        def do_GET(self) -> None:
            self._answer(with_body=True)

        def _answer(self, *, with_body: bool) -> None:
            found = site.lookup(self.path)
            resource = found or Resource(body=b"not found", status=404, content_type="text/plain")
            self.send_response(resource.status)
            self.send_header("Content-Type", resource.content_type)
            self.send_header("Content-Length", str(len(resource.body)))
            for name, value in resource.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if with_body:
                self.wfile.write(resource.body)

    return Handler
