"""Fetching an item's own page conditionally, and rechecking known items a crawl did not reach."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from extractors.fetch import Fetcher, FetchError
from records import Document, Extraction, FetchFailure, Known, RawResponse

GONE = (404, 410)


def revalidate(known: Known, reached: Iterable[str], fetcher: Fetcher, result: Extraction, *, now: datetime,
               role: str, parse: Callable[[RawResponse], Document]) -> None:
    """Conditionally refetch known items the walk did not reach, oldest check first, `known.recheck_per_run`
    of them (extractors.cadence sizes it so every page is rechecked within `revalidate_days`)."""
    skip = set(reached) | set(result.unchanged)
    due = sorted((item.checked_at, key) for key, item in known.documents.items()
                 if key not in skip and (known.backfill or now - item.checked_at >= known.recheck_after))
    for _, key in due[:known.recheck_per_run]:
        fetch_item(fetcher, known.documents[key].url, key, result, role=role, parse=parse)


def fetch_item(fetcher: Fetcher, url: str, key: str, result: Extraction, *, role: str,
               parse: Callable[[RawResponse], Document], what: str = "page") -> None:
    """Fetch one item's own page conditionally and parse it: 304 unchanged, 404/410 removed, else a record."""
    try:
        raw = fetcher.get(url, expect="html")
    except FetchError as exc:
        result.failures.append(FetchFailure(url, exc.reason, exc.status, exc.attempts))
        return
    raw.role = role
    if raw.status == 304:
        result.raw.append(raw)
        result.unchanged.append(key)
    elif raw.status in GONE:
        result.removed.append(key)
    elif raw.status != 200:
        result.failures.append(FetchFailure(url, f"{what} answered HTTP {raw.status}", raw.status))
    else:
        result.raw.append(raw)
        try:
            result.documents.append(parse(raw))
        except ValueError as exc:
            result.failures.append(FetchFailure(url, f"unparseable {what}: {exc}"))
    result.hand_off()
