"""When and how long to wait before retrying a request (exponential backoff with jitter).

Settings read: RETRY_STATUSES, MAX_RETRY_AFTER, and RetryPolicy's attempts, base and cap.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from urllib3.exceptions import InvalidHeader
from urllib3.util.retry import Retry

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 300.0  # a server asking for longer is treated as failing for this run
# urllib3's reading of the Retry-After header; the attempts and waits are ours, counted inside the host throttle.
_HEADER_READER = Retry(total=0)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded attempts; waits grow as base * 2**n, capped, with full jitter."""

    attempts: int = 3
    base: float = 1.0
    cap: float = 30.0

    def should_retry(self, attempt: int, status: int | None) -> bool:
        """True when `attempt` (1-based) may be followed by another for this outcome."""
        retryable = status is None or status in RETRY_STATUSES
        return retryable and attempt < self.attempts

    def wait_seconds(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to sleep after failed `attempt`, honouring a Retry-After header."""
        hinted = parse_retry_after(retry_after)
        if hinted is not None:
            return min(hinted, MAX_RETRY_AFTER)
        ceiling = min(self.cap, self.base * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date, never below 0), or None when absent or unreadable."""
    if not value:
        return None
    try:
        return float(_HEADER_READER.parse_retry_after(value))
    except InvalidHeader:
        return None
