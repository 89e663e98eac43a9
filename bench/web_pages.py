"""Web view page times and sizes on the demo database (median of 20 GETs per page over loopback).

Timed with curl's time_total (a fresh connection each): Python clients on keep-alive connections
add a 40 ms delayed-ACK stall to small responses that a browser does not see.

    .venv/bin/regionwatch demo --keep-db /tmp/demo.db
    .venv/bin/python bench/web_pages.py /tmp/demo.db
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from monitor.config import Settings
from monitor.web.app import create_app
from tests.web.server import serving

PAGES = [
    "/",
    "/changes",
    "/changes?window=90d&as_of=2024-07-20",
    "/map/openai/api",
    "/map/openai/api?as_of=2024-07-10&compare=2024-06-21",
    "/country/HK",
    "/country/CN?as_of=2024-07-10",
    "/ask?country=HK&provider=openai&product=api&at=2024-07-10",
    "/provider/openai",
    "/change/1",
    "/api/ask?country=RS&at=2024-07-20",
    "/map.svg",
    "/feed.xml",
]


def main(database: str) -> None:
    with serving(create_app(Settings(database_url=f"sqlite:///{database}"))) as base, httpx.Client() as client:
        for path in PAGES:
            client.get(base + path)
            response = client.get(base + path, headers={"accept-encoding": "identity"})
            times = [
                float(
                    subprocess.run(
                        ["curl", "-s", "-o", "/dev/null", "-w", "%{time_total}", base + path],
                        capture_output=True,
                        text=True,
                        check=True,
                    ).stdout
                )
                * 1000
                for _ in range(20)
            ]
            zipped = client.get(base + path, headers={"accept-encoding": "gzip"})
            wire = int(zipped.headers.get("content-length", len(zipped.content)))
            print(
                f"{path:62} {response.status_code} median {statistics.median(times):6.1f} ms  "
                f"max {max(times):6.1f} ms  {len(response.content):7d} B  ({wire} B on the wire)"
            )


if __name__ == "__main__":
    main(sys.argv[1])
