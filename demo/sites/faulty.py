"""Wraps a demo Site so that a deterministic share of its requests fail, each in one of six realistic ways.

Whether a request fails depends only on the seed, the URL (path and query) and how many times that URL
has been requested, never on timing, so a run against a FaultySite fails the same way every time. Requests
of one URL are grouped in streaks of `streak` consecutive requests that share one fate; a URL fails at
most one streak and answers normally ever after, so a rerun eventually succeeds. With `streak` equal to
the fetcher's attempts, a failing URL stays failed through its retries in one run and recovers in the next.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from demo.server import Request, Response, Site

FAULTS = ("500", "503", "reset", "stall", "truncate", "bad-gzip")
STALL_SECONDS = 35.0  # longer than the fetcher's 30 s read timeout
NOT_GZIP = b"\x1f\x8b but not really gzip: the stream breaks off here"


@dataclass(frozen=True)
class Injected:
    """One fault as served: the URL, which request of that URL it was (1-based), and the fault."""

    target: str
    nth: int
    fault: str


class FaultySite:
    """A Site that answers like `inner` except for a seeded, reproducible share of failing requests."""

    def __init__(self, inner: Site, share: float, seed: int, kinds: Iterable[str] = FAULTS, *, streak: int = 1,
                 stall_seconds: float = STALL_SECONDS) -> None:
        kinds = tuple(kinds)
        unknown = sorted(set(kinds) - set(FAULTS))
        if not kinds or unknown:
            raise ValueError(f"kinds must be some of {FAULTS}, not {unknown or 'none'}")
        if not 0.0 <= share <= 1.0 or streak < 1:
            raise ValueError("share must be within [0, 1] and streak at least 1")
        self.inner, self.share, self.seed, self.kinds = inner, share, seed, kinds
        self.streak, self.stall_seconds = streak, stall_seconds
        self.hits: Counter[str] = Counter()  # requests by URL
        self.injected: list[Injected] = []
        self._failing_streak: dict[str, int] = {}  # by URL: the one streak in which it fails
        self._lock = threading.Lock()
        self._released = threading.Event()

    def handle(self, request: Request) -> Response:
        """Answer like the inner site, or fail as the schedule says."""
        target = _target(request)
        with self._lock:
            self.hits[target] += 1
            nth = self.hits[target]
            fault = self.fault_for(target, nth)
            if fault:
                self._failing_streak.setdefault(target, self._streak_of(nth))
                self.injected.append(Injected(target, nth, fault))
        return self._misbehave(fault, request) if fault else self.inner.handle(request)

    def fault_for(self, target: str, nth: int) -> str | None:
        """The fault of the `nth` request of `target`, or None when it is answered normally."""
        streak = self._streak_of(nth)
        if self._failing_streak.get(target, streak) != streak:
            return None  # this URL has had its failing streak
        digest = hashlib.sha256(f"{self.seed}\0{target}\0{streak}".encode()).digest()
        if int.from_bytes(digest[:8], "big") >= self.share * 2**64:
            return None
        return self.kinds[int.from_bytes(digest[8:12], "big") % len(self.kinds)]

    def release(self) -> None:
        """End every stall now and skip future ones (call before stopping the server)."""
        self._released.set()

    @property
    def faults(self) -> Counter[str]:
        """How many requests failed, by fault."""
        with self._lock:
            return Counter(item.fault for item in self.injected)

    def _streak_of(self, nth: int) -> int:
        """Which streak (0-based) the `nth` request of a URL belongs to."""
        return (nth - 1) // self.streak

    def _misbehave(self, fault: str, request: Request) -> Response:
        """The failing answer for one request."""
        if fault in ("500", "503"):
            return Response.text(f"<h1>{fault} Service trouble</h1>", int(fault))
        if fault == "bad-gzip":
            return Response(200, NOT_GZIP, {"Content-Encoding": "gzip"})
        if fault == "stall":
            self._released.wait(self.stall_seconds)
            return self.inner.handle(request)
        return dataclasses.replace(self.inner.handle(request), fault=fault)  # reset, truncate: the server's part


def _target(request: Request) -> str:
    """Path and query of a request, the query in a stable order."""
    pairs = sorted((name, value) for name, values in request.query.items() for value in values)
    return f"{request.path}?{urlencode(pairs)}" if pairs else request.path
