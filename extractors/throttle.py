"""Per-host politeness: a minimum delay between two requests to the same host."""

from __future__ import annotations

import threading
import time


class HostThrottle:
    """Blocks a caller until its host's delay since the previous request has passed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._next_allowed: dict[str, float] = {}

    def wait(self, host: str, delay: float) -> None:
        """Sleep as needed, then reserve the next slot for `host`."""
        with self._lock:
            host_lock = self._host_locks.setdefault(host, threading.Lock())
        # One caller per host at a time: that is what makes the delay hold across threads.
        with host_lock:
            now = time.monotonic()
            ready = self._next_allowed.get(host, now)
            if ready > now:
                time.sleep(ready - now)
            self._next_allowed[host] = time.monotonic() + delay
