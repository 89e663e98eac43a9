"""Running the real regionwatch command in a subprocess, with a clean REGIONWATCH_* environment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def run_cli(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """python -m monitor ARGS in cwd; the caller's REGIONWATCH_* settings are not inherited."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REGIONWATCH_")}
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
