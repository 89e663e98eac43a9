"""Reliability tests reuse the crawl fixtures: the loopback site and the real command."""

from __future__ import annotations

from tests.fetch.conftest import crawler, server, site, sqlite_crawler, sqlite_url  # noqa: F401
