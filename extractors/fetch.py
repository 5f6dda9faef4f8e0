"""HTTP fetching for every extractor: polite, bounded, retried, and kept verbatim."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests

from extractors.records import RawResponse
from extractors.retry import RetryPolicy
from extractors.throttle import HostThrottle

LOGGER = logging.getLogger(__name__)

USER_AGENT = "unionwatch/0.1 (+https://github.com/unionwatch/unionwatch; monitors union publications)"
MAX_BYTES = 10 * 1024 * 1024  # counted after decompression, so a gzip bomb stops here
TIMEOUT = (10.0, 30.0)  # connect, read
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
SHARED_THROTTLE = HostThrottle()  # one per process, so sources on the same host share the delay


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
    user_agent: str = USER_AGENT
    max_bytes: int = MAX_BYTES
    timeout: tuple[float, float] = TIMEOUT
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    throttle: HostThrottle = SHARED_THROTTLE
    requests_made: int = 0
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        self.session.headers["User-Agent"] = self.user_agent
        self.session.max_redirects = MAX_REDIRECTS

    def get(self, url: str) -> RawResponse:
        """Fetch `url`, retrying transient failures; 4xx answers are returned, not raised."""
        attempt = 0
        while True:
            attempt += 1
            try:
                raw = self._attempt(url)
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
            return raw

    def close(self) -> None:
        """Release pooled connections."""
        self.session.close()

    def _sleep(self, attempt: int, retry_after: str | None, url: str, why: str) -> None:
        """Back off before the next attempt."""
        wait = self.retry.wait_seconds(attempt, retry_after)
        LOGGER.info("retrying %s in %.1fs after %s (attempt %d)", url, wait, why, attempt)
        time.sleep(wait)

    def _attempt(self, url: str) -> RawResponse:
        """One request, streamed with a cap on decompressed bytes."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchError(url, f"refused: scheme {parts.scheme!r} is not http(s)")
        self.throttle.wait(parts.netloc.lower(), self.delay)
        self.requests_made += 1
        fetched_at = datetime.now(UTC)
        try:
            with self.session.get(url, timeout=self.timeout, stream=True) as response:
                body = self._read_capped(url, response)
                return RawResponse(url=url, final_url=response.url, status=response.status_code,
                                   headers={k.lower(): v for k, v in response.headers.items()},
                                   body=body, fetched_at=fetched_at)
        except requests.TooManyRedirects:
            raise FetchError(url, f"refused: more than {MAX_REDIRECTS} redirects (a redirect loop?)") from None
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
