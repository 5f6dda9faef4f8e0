"""Rechecks known items that a crawl did not reach, by conditional GET of their own pages."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from extractors.fetch import Fetcher, FetchError
from extractors.records import Document, Extraction, FetchFailure, Known, RawResponse

GONE = (404, 410)


def revalidate(known: Known, reached: Iterable[str], fetcher: Fetcher, result: Extraction, *, now: datetime,
               role: str, parse: Callable[[RawResponse], Document]) -> None:
    """Conditionally refetch due known items, oldest check first, at most `known.revalidate_limit` of them."""
    skip = set(reached) | set(result.unchanged)
    due = sorted((item.checked_at, key) for key, item in known.documents.items()
                 if key not in skip and known.due(key, now))
    for _, key in due[:known.revalidate_limit]:
        url = known.documents[key].url
        try:
            raw = fetcher.get(url, expect="html")
        except FetchError as exc:
            result.failures.append(FetchFailure(url, exc.reason, exc.status, exc.attempts))
            continue
        raw.role = role
        if raw.status == 304:
            result.raw.append(raw)
            result.unchanged.append(key)
        elif raw.status in GONE:
            result.removed.append(key)
        elif raw.status != 200:
            result.failures.append(FetchFailure(url, f"revalidation answered HTTP {raw.status}", raw.status))
        else:
            result.raw.append(raw)
            try:
                result.documents.append(parse(raw))
            except ValueError as exc:
                result.failures.append(FetchFailure(url, f"unparseable page: {exc}"))
