"""Links into the web view (``web.public_url``) for Slack alerts, the digest and the feed: pure URL building."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote, urlencode

from monitor.config import Settings


@dataclass(frozen=True, slots=True)
class WebLinks:
    """URLs of the web view's pages under one public base URL (no trailing slash)."""

    base: str

    def change(self, change_id: int) -> str:
        return f"{self.base}/change/{change_id}"

    def country(self, code: str, *, at: date | datetime | None = None) -> str:
        url = f"{self.base}/country/{quote(code, safe='')}"
        return url + (f"?as_of={at:%Y-%m-%d}" if at is not None else "")

    def ask(
        self,
        *,
        country: str,
        provider: str | None = None,
        product: str | None = None,
        at: date | datetime | None = None,
    ) -> str:
        query = {
            "provider": provider,
            "product": product,
            "country": country,
            "at": f"{at:%Y-%m-%d}" if at is not None else None,
        }
        return f"{self.base}/ask?" + urlencode({k: v for k, v in query.items() if v})

    def changes(self, *, since: date | datetime | None = None) -> str:
        return f"{self.base}/changes" + (f"?since={since:%Y-%m-%d}" if since is not None else "")


def web_links(settings: Settings) -> WebLinks | None:
    """The web view's links when ``web.public_url`` is set, else None (messages name CLI commands)."""
    return WebLinks(settings.web.public_url) if settings.web.public_url else None
