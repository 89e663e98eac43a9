"""Headless Chromium from its command line: the rendered DOM and screenshots of a page."""

from __future__ import annotations

import subprocess
from pathlib import Path

import lxml.html
import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-crash-reporter", "--no-first-run", "--hide-scrollbars")

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.is_file(),
    reason=f"headless Chromium not found at {CHROMIUM}: install Debian's package (apt-get install -y chromium)",
)


class Browser:
    """One throw-away profile; every call is a fresh headless Chromium process."""

    def __init__(self, profile: Path) -> None:
        self.profile = profile

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={self.profile}", *args],
                                capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, result.stderr[-2000:]
        return result

    def dom(self, url: str) -> lxml.html.HtmlElement:
        """The DOM after the page rendered (--dump-dom), parsed."""
        return lxml.html.fromstring(self._run("--dump-dom", url).stdout)

    def screenshot(self, url: str, name: str, *, size: str = "1280,900") -> Path:
        """A PNG of the page under test-artifacts/."""
        ARTIFACTS.mkdir(exist_ok=True)
        target = ARTIFACTS / name
        target.unlink(missing_ok=True)
        self._run(f"--screenshot={target}", f"--window-size={size}", url)
        assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        return target
