"""AutoThrottle that counts a 304 as a healthy answer.

Scrapy's AutoThrottle never lowers a domain's delay on an answer other than 200 (error pages
are small and fast, and would pull the delay down). A 304 Not Modified is the normal answer
to our conditional requests, so treating it like an error made an unchanged crawl slow down
after any latency spike and never recover.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.extensions.throttle import AutoThrottle

if TYPE_CHECKING:
    from scrapy.core.downloader import Slot
    from scrapy.http import Response


class ConditionalAutoThrottle(AutoThrottle):
    """Scrapy's AutoThrottle, with 304 treated as 200 when adjusting a domain's delay."""

    def _adjust_delay(self, slot: Slot, latency: float, response: Response) -> None:
        if response.status == 304:
            response = response.replace(status=200)
        super()._adjust_delay(slot, latency, response)
