"""Shared fixtures: real third-party data from ../shared/realdata (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REALDATA = ROOT.parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def realdata() -> Path:
    """The shared real-data folder; the test is skipped when a clone has none beside it."""
    if not REALDATA.is_dir():
        pytest.skip(f"real data not present at {REALDATA} (only in the team's workspace)")
    return REALDATA
