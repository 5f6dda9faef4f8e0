"""HTTP fetching for every extractor: polite, conditional, bounded, retried, and kept verbatim.

Politeness and safety, each in its own module: `throttle` (one request at a time per host, minimum delay),
`robots` (robots.txt), `retry` (backoff with jitter, Retry-After). Here: conditional GET from stored
validators, a size cap counted on decompressed bytes, http(s)-only redirects, expected content types.

Settings read: [crawler] contact (in USER_AGENT), each source's `delay` (handed to the throttle), Known.validators;
MAX_BYTES, TIMEOUT, MAX_REDIRECTS and CONTENT_TYPES here.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests

from extractors.crawl.retry import RetryPolicy
from extractors.crawl.robots import RobotsCache
from extractors.crawl.throttle import HostThrottle
from records import CrawlerSettings, RawResponse

LOGGER = logging.getLogger(__name__)

USER_AGENT = "unionwatch/0.1 (union publications monitor; +{contact})"
MAX_BYTES = 10 * 1024 * 1024  # counted after decompression, so a gzip bomb stops here
TIMEOUT = (10.0, 30.0)  # connect, read
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
SHARED_THROTTLE = HostThrottle()  # one per process, so sources on the same host share the delay
CONTENT_TYPES = {
    "html": ("text/html", "application/xhtml+xml"),
    "feed": ("xml", "rss", "atom", "rdf", "json"),  # JSON Feed: application/feed+json, often application/json
    "json": ("json",),
    "text": ("text/plain",),
}

Validators = tuple[str | None, str | None]  # (ETag, Last-Modified) as last received


class FetchError(Exception):
    """A URL that could not be fetched; `reason` is meant for people."""

    def __init__(self, url: str, reason: str, status: int | None = None, *, transient: bool = False) -> None:
        super().__init__(f"{url}: {reason}")
        self.url, self.reason, self.status, self.transient = url, reason, status, transient
        self.attempts = 1


@dataclass
class Fetcher:
    """Fetches URLs for one source with its delay; counts the requests it makes."""

    delay: float = 2.0
    contact: str = CrawlerSettings.contact
    max_bytes: int = MAX_BYTES
    timeout: tuple[float, float] = TIMEOUT
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    throttle: HostThrottle = SHARED_THROTTLE
    validators: dict[str, Validators] = field(default_factory=dict)  # by URL, from earlier runs
    obey_robots: bool = True
    requests_made: int = 0
    not_modified: int = 0
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        self.user_agent = USER_AGENT.format(contact=self.contact)
        self.session.headers["User-Agent"] = self.user_agent
        self.session.max_redirects = MAX_REDIRECTS
        self.robots = RobotsCache(self.user_agent, self._fetch_robots)

    def get(self, url: str, *, expect: str | None = None, conditional: bool = True) -> RawResponse:
        """Fetch `url`, retrying transient failures; 304 and 4xx answers are returned, not raised.

        `expect` names the content type family the caller can parse ("html", "feed", "json", "text");
        a 200 answer of another type is refused with a reason. With `conditional`, stored validators
        are sent, and an unchanged page comes back as status 304 with an empty body.
        """
        scheme = urlsplit(url).scheme
        if scheme not in ("http", "https"):
            raise FetchError(url, f"refused: scheme {scheme!r} is not http(s)")
        headers = self._conditional_headers(url) if conditional else {}
        attempt = 0
        while True:
            attempt += 1
            try:
                if self.obey_robots and not self.robots.allowed(url):
                    raise FetchError(url, "disallowed by robots.txt")
                raw = self._attempt(url, headers, expect)
            except FetchError as exc:
                if exc.transient and self.retry.should_retry(attempt, None):
                    self._sleep(attempt, None, url, exc.reason)
                    continue
                exc.attempts = attempt
                raise
            if raw.status >= 400 and self.retry.should_retry(attempt, raw.status):
                self._sleep(attempt, raw.headers.get("retry-after"), url, f"HTTP {raw.status}")
                continue
            if raw.status >= 500 or raw.status == 429:
                failure = FetchError(url, f"HTTP {raw.status} after {attempt} attempts", raw.status)
                failure.attempts = attempt
                raise failure
            if raw.status == 304:
                self.not_modified += 1
            return raw

    def close(self) -> None:
        """Release pooled connections."""
        self.session.close()

    def _conditional_headers(self, url: str) -> dict[str, str]:
        """If-None-Match / If-Modified-Since from the validators stored for `url`."""
        etag, last_modified = self.validators.get(url, (None, None))
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return headers

    def _check_type(self, url: str, response: requests.Response, expect: str | None) -> None:
        """Refuse, before reading the body, a 200 answer whose declared type the caller cannot parse."""
        declared = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if expect and response.status_code == 200 and declared and not any(
                family in declared for family in CONTENT_TYPES[expect]):
            raise FetchError(url, f"skipped: content type {declared!r} is not {expect}", response.status_code)

    def _sleep(self, attempt: int, retry_after: str | None, url: str, why: str) -> None:
        """Back off before the next attempt."""
        wait = self.retry.wait_seconds(attempt, retry_after)
        LOGGER.info("retrying %s in %.1fs after %s (attempt %d)", url, wait, why, attempt)
        time.sleep(wait)

    def _fetch_robots(self, robots_url: str) -> tuple[int, bytes]:
        """Fetch a robots.txt through the same politeness, without checking robots itself."""
        raw = self._attempt(robots_url, {}, None)
        return raw.status, raw.body

    def _host_delay(self, url: str) -> float:
        """This source's delay, or the host's Crawl-delay when that is longer."""
        if not self.obey_robots or urlsplit(url).path == "/robots.txt":
            return self.delay
        return max(self.delay, self.robots.crawl_delay(url) or 0.0)

    def _attempt(self, url: str, headers: dict[str, str], expect: str | None) -> RawResponse:
        """One request, streamed with a cap on decompressed bytes."""
        parts = urlsplit(url)
        with self.throttle.slot(parts.netloc.lower(), self._host_delay(url)):
            self.requests_made += 1
            fetched_at = datetime.now(UTC)
            try:
                with self.session.get(url, headers=headers, timeout=self.timeout, stream=True) as response:
                    self._check_type(url, response, expect)
                    body = self._read_capped(url, response)
                    return RawResponse(url=url, final_url=response.url, status=response.status_code,
                                       headers={k.lower(): v for k, v in response.headers.items()},
                                       body=body, fetched_at=fetched_at)
            except requests.TooManyRedirects:
                raise FetchError(url, f"refused: more than {MAX_REDIRECTS} redirects (a loop?)") from None
            except (requests.exceptions.InvalidSchema, requests.exceptions.MissingSchema) as exc:
                raise FetchError(url, f"refused: redirect to a non-http(s) URL ({exc})") from None
            except requests.Timeout:
                raise FetchError(url, "timed out", transient=True) from None
            except requests.exceptions.ContentDecodingError:
                raise FetchError(url, "corrupt compressed body", transient=True) from None
            except requests.exceptions.ChunkedEncodingError:
                raise FetchError(url, "connection dropped mid-body", transient=True) from None
            except requests.ConnectionError as exc:
                raise FetchError(url, f"connection failed ({type(exc).__name__})", transient=True) from None

    def _read_capped(self, url: str, response: requests.Response) -> bytes:
        """Read the body chunk by chunk, stopping as soon as it exceeds the cap."""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(url, f"too large: {int(declared):,} bytes declared (cap {self.max_bytes:,})",
                             response.status_code)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(CHUNK):
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(url, f"too large: over {self.max_bytes:,} bytes after decompression",
                                 response.status_code)
            chunks.append(chunk)
        return b"".join(chunks)
