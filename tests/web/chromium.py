"""Headless Chromium from its command line: the rendered DOM and screenshots of a page."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import lxml.html
import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-crash-reporter",
    "--no-first-run",
    "--hide-scrollbars",
)

MIN_WIDTH = 500  # headless Chromium makes no narrower window; narrower pages are shown in an iframe


def framed(url: str, width: int, height: int = 900) -> str:
    """The URL itself, or (below MIN_WIDTH) tests/web/probe.py's page that frames it at that width."""
    if width >= MIN_WIDTH:
        return url
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"{parts.scheme}://{parts.netloc}/__probe__/frame?" + urlencode(
        {"path": path, "width": width, "height": height}
    )


needs_chromium = pytest.mark.skipif(
    not CHROMIUM.is_file(),
    reason=f"headless Chromium not found at {CHROMIUM}: install Debian's package (apt-get install -y chromium)",
)


class Browser:
    """One throw-away profile; every call is a fresh headless Chromium process."""

    def __init__(self, profile: Path) -> None:
        self.profile = profile

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(CHROMIUM), *FLAGS, f"--user-data-dir={self.profile}", *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        return result

    def dom(self, url: str) -> lxml.html.HtmlElement:
        """The DOM after the page rendered (--dump-dom), parsed."""
        return lxml.html.fromstring(self._run("--dump-dom", url).stdout)

    def probe(self, url: str, *, width: int) -> tuple[lxml.html.HtmlElement, dict[str, Any]]:
        """The DOM at a window width, and what tests/web/probe.py's script measured there (axe included)."""
        out = self._run(
            "--dump-dom",
            f"--window-size={max(width, MIN_WIDTH)},900",
            "--virtual-time-budget=15000",
            framed(url, width),
        ).stdout
        dom = lxml.html.fromstring(out)
        (pre,) = dom.xpath('//pre[@id="__probe__"]')
        measured: dict[str, Any] = json.loads(pre.text_content())
        return dom, measured

    def screenshot(self, url: str, name: str, *, size: str = "1280,900") -> Path:
        """A PNG of the page under test-artifacts/."""
        ARTIFACTS.mkdir(exist_ok=True)
        target = ARTIFACTS / name
        target.unlink(missing_ok=True)
        width, height = (int(n) for n in size.split(","))
        self._run(
            f"--screenshot={target}", f"--window-size={max(width, MIN_WIDTH)},{height}", framed(url, width, height)
        )
        assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        return target
