"""A loopback HTTP server that answers with the timeline's current state.

    with SiteServer() as site:
        site.show(timeline.state(0))      # what every path answers from now on
        site.url("/robots.txt")           # http://127.0.0.1:PORT/robots.txt

Paths not in the state answer 404. Only 127.0.0.1 is bound; nothing leaves the machine.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from monitor.demo.timeline import Resource


class SiteServer:
    """A threaded http.server on a free loopback port, serving a swappable set of resources."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._served: dict[str, Resource] = {}
        self._httpd = _Quiet(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="demo-site", daemon=True)

    def __enter__(self) -> SiteServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def show(self, served: Mapping[str, Resource]) -> None:
        """Answer with these resources from now on."""
        with self._lock:
            self._served = dict(served)

    def lookup(self, path: str) -> Resource | None:
        with self._lock:
            return self._served.get(urlsplit(path).path)


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a crawler that hung up early is no concern of the demo's


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
