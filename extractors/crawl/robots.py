"""robots.txt, fetched once per host per run and obeyed (RFC 9309 semantics via Protego).

Settings read: the fetcher's User-Agent ([crawler] contact) and MAX_ROBOTS_BYTES.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from protego import Protego

LOGGER = logging.getLogger(__name__)

ALLOW_ALL = Protego.parse("")
DISALLOW_ALL = Protego.parse("User-agent: *\nDisallow: /")
MAX_ROBOTS_BYTES = 500 * 1024  # RFC 9309 lets crawlers ignore anything past 500 KiB


class RobotsCache:
    """Per-host robots.txt rules; `fetch(url)` returns (status, body) or raises the fetcher's errors."""

    def __init__(self, user_agent: str, fetch: Callable[[str], tuple[int, bytes]]) -> None:
        self.user_agent = user_agent
        self._fetch = fetch
        self._rules: dict[str, Protego] = {}

    def allowed(self, url: str) -> bool:
        """May this crawler fetch `url`?"""
        return self._for(url).can_fetch(url, self.user_agent)

    def crawl_delay(self, url: str) -> float | None:
        """The host's Crawl-delay for us, if it sets one."""
        delay = self._for(url).crawl_delay(self.user_agent)
        return float(delay) if delay is not None else None

    def sitemaps(self, url: str) -> list[str]:
        """The `Sitemap:` URLs of the robots.txt of `url`'s host."""
        return list(self._for(url).sitemaps)

    def _for(self, url: str) -> Protego:
        """Rules for the URL's host, fetched on first use."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._rules:
            self._rules[origin] = self._load(origin + "/robots.txt")
        return self._rules[origin]

    def _load(self, robots_url: str) -> Protego:
        """Parse a robots.txt; 4xx means no rules, 5xx means stay out; fetch errors propagate uncached."""
        status, body = self._fetch(robots_url)
        if 400 <= status < 500:
            return ALLOW_ALL
        if status >= 500:
            LOGGER.warning("%s answered HTTP %d: not crawling that host this run", robots_url, status)
            return DISALLOW_ALL
        return Protego.parse(body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace"))
