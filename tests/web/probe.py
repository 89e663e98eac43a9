"""A test-only wrapper around the web app: injects a measuring script (and axe-core) into every page.

The pages ship no script and forbid inline ones; for the browser tests this wrapper serves
``/__probe__/probe.js`` (and ``/__probe__/axe.js`` when axe-core was fetched), adds them before
``</body>``, and lets the page's CSP allow same-origin scripts. The probe writes what it measured
as JSON into ``<pre id="__probe__">``, which Chromium's --dump-dom then carries back.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".cache" / "axe-core" / "package" / "axe.min.js"
PROBE_JS = b"""
(async () => {
  const out = {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
               tabStops: document.querySelectorAll('a[href]:not([tabindex="-1"]), button, input, select, [tabindex="0"]').length};
  if (window.axe) {
    const r = await axe.run(document, {resultTypes: ['violations']});
    out.violations = r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
  }
  const pre = document.createElement('pre');
  pre.id = '__probe__';
  pre.hidden = true;
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
  if (window.parent !== window) window.parent.postMessage(JSON.stringify(out), '*');
})();
"""
# Headless Chromium will not make a window narrower than 500 px: narrower widths are an iframe.
FRAME_JS = b"""
window.addEventListener('message', (e) => {
  const pre = document.createElement('pre');
  pre.id = '__probe__';
  pre.textContent = e.data;
  document.body.appendChild(pre);
});
"""


def frame_page(path: str, width: int, height: int) -> bytes:
    """A page holding ``path`` in an iframe ``width`` px wide (the screen of a phone)."""
    from html import escape

    return (
        f'<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0">'
        f'<iframe src="{escape(path)}" style="border:0;width:{width}px;height:{height}px;display:block"></iframe>'
        f'<script src="/__probe__/frame.js"></script></body></html>'
    ).encode()


class Probe:
    """ASGI middleware for tests only; see the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.axe = AXE.read_bytes() if AXE.is_file() else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == "/__probe__/probe.js":
            await _send(send, PROBE_JS)
            return
        if scope["path"] == "/__probe__/frame.js":
            await _send(send, FRAME_JS)
            return
        if scope["path"] == "/__probe__/frame":
            query = dict(parse_qsl(scope["query_string"].decode()))
            await _send(
                send,
                frame_page(query["path"], int(query["width"]), int(query.get("height", "900"))),
                media_type=b"text/html; charset=utf-8",
            )
            return
        if scope["path"] == "/__probe__/axe.js" and self.axe is not None:
            await _send(send, self.axe)
            return
        headers = [(k, v) for k, v in scope["headers"] if k != b"accept-encoding"]
        start: Message = {}
        body = bytearray()

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            await self._finish(send, start, bytes(body))

        await self.app({**scope, "headers": headers}, receive, capture)

    async def _finish(self, send: Send, start: Message, body: bytes) -> None:
        headers = dict(start["headers"])
        if headers.get(b"content-type", b"").startswith(b"text/html") and b"</body>" in body:
            scripts = (
                b'<script src="/__probe__/axe.js"></script>' if self.axe else b""
            ) + b'<script src="/__probe__/probe.js"></script>'
            body = body.replace(b"</body>", scripts + b"</body>")
            policy = headers.get(b"content-security-policy", b"").replace(b"frame-ancestors 'none'", b"")
            headers[b"content-security-policy"] = policy + b"; script-src 'self'"
            headers.pop(b"x-frame-options", None)
        headers[b"content-length"] = str(len(body)).encode()
        await send({**start, "headers": list(headers.items())})
        await send({"type": "http.response.body", "body": body})


async def _send(send: Send, body: bytes, *, media_type: bytes = b"text/javascript") -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", media_type), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
