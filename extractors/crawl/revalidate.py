"""Fetching an item's own page conditionally, and rechecking known items a crawl did not reach.

Settings read: Known.recheck_per_run and Known.recheck_after (cadence sizes them from [crawler] revalidate_days
and the source's schedule and delay) and Known.backfill.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from extractors.crawl.fetch import Fetcher
from extractors.crawl.status import Answer, fetch_page, parse_page
from records import Document, Extraction, Known, RawResponse


def revalidate(known: Known, reached: Iterable[str], fetcher: Fetcher, result: Extraction, *, now: datetime,
               role: str, parse: Callable[[RawResponse], Document]) -> None:
    """Conditionally refetch known items the walk did not reach, oldest check first, `known.recheck_per_run`
    of them (extractors.crawl.cadence sizes it so every page is rechecked within `revalidate_days`)."""
    skip = set(reached) | set(result.unchanged)
    due = sorted((item.checked_at, key) for key, item in known.documents.items()
                 if key not in skip and (known.backfill or now - item.checked_at >= known.recheck_after))
    for _, key in due[:known.recheck_per_run]:
        fetch_item(fetcher, known.documents[key].url, key, result, role=role, parse=parse)


def fetch_item(fetcher: Fetcher, url: str, key: str, result: Extraction, *, role: str,
               parse: Callable[[RawResponse], Document], what: str = "page") -> None:
    """Fetch one item's own page conditionally and parse it: 304 unchanged, 404/410 removed, else a record."""
    answer, raw = fetch_page(fetcher, url, result, what=what, role=role)
    if answer is Answer.NOT_MODIFIED:
        result.raw.append(raw)
        result.unchanged.append(key)
    elif answer is Answer.GONE:
        result.removed.append(key)
    elif answer is Answer.FETCHED:
        result.raw.append(raw)
        document = parse_page(raw, parse, result, what)
        result.documents.extend([document] if document else [])
    result.hand_off()
