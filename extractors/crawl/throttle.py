"""Per-host politeness: one request at a time per host, and a minimum delay between their starts.

Settings read: each source's `delay` (sources.toml), the minimum gap between two requests to its host.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class HostThrottle:
    """Hands out request slots per host; different hosts never wait for each other."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._next_start: dict[str, float] = {}

    @contextmanager
    def slot(self, host: str, delay: float) -> Iterator[None]:
        """Wait for `host`'s next slot and hold it while the request runs."""
        with self._lock:
            host_lock = self._host_locks.setdefault(host, threading.Lock())
        with host_lock:
            wait = self._next_start.get(host, 0.0) - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._next_start[host] = time.monotonic() + delay
            yield
