"""The one HTTP status policy for pages a crawl fetches: fetched, not modified, gone, or failed.

Every source kind fetches its item and listing pages through `fetch_page`, so a 304, 404 or 410 means the
same everywhere; what a kind does with each answer (count a key unchanged, mark it removed, keep a summary)
stays with the kind. Failures are built here only: `failure` (a FetchError), `answered` (an unexpected
status) and `unparseable` (a parser's ValueError).

Settings read: GONE, the statuses that mean a page was removed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from enum import Enum
from typing import TypeVar

from extractors.crawl.fetch import Fetcher, FetchError
from records import Extraction, FetchFailure, RawResponse

GONE = (404, 410)
NOT_MODIFIED_STATUS = 304
T = TypeVar("T")


class Answer(Enum):
    """What a page's answer means for the item it holds."""

    FETCHED = "fetched"  # 200: parse it
    NOT_MODIFIED = "not modified"  # 304: as last read
    GONE = "gone"  # 404 or 410: the page was removed
    FAILED = "failed"  # anything else, or no answer at all: recorded in the extraction's failures


ANY_ANSWER = (Answer.FETCHED, Answer.NOT_MODIFIED, Answer.GONE)


def answer_of(status: int) -> Answer:
    """The meaning of one HTTP status (5xx and 429 never get here: the fetcher raises them after retries)."""
    if status == NOT_MODIFIED_STATUS:
        return Answer.NOT_MODIFIED
    if status in GONE:
        return Answer.GONE
    return Answer.FETCHED if status == 200 else Answer.FAILED


def fetch_page(fetcher: Fetcher, url: str, result: Extraction, *, what: str, expect: str | None = "html",
               conditional: bool = True, role: str = "",
               accept: Collection[Answer] = ANY_ANSWER) -> tuple[Answer, RawResponse | None]:
    """Fetch one page and judge its answer; a failure, or an answer not in `accept`, is recorded as FAILED.

    `what` names the page in failure reasons ("post page answered HTTP 404"); `role` is stored on the response.
    """
    try:
        raw = fetcher.get(url, expect=expect, conditional=conditional)
    except FetchError as exc:
        result.failures.append(failure(exc))
        return Answer.FAILED, None
    raw.role = role or raw.role
    answer = answer_of(raw.status)
    if answer not in accept:
        result.failures.append(answered(url, what, raw.status))
        return Answer.FAILED, raw
    return answer, raw


def parse_page(raw: RawResponse, parse: Callable[[RawResponse], T], result: Extraction,
               what: str | None = None) -> T | None:
    """`parse(raw)`, or None after recording why it could not be parsed."""
    try:
        return parse(raw)
    except ValueError as exc:
        result.failures.append(unparseable(raw.url, what, exc))
        return None


def failure(exc: FetchError) -> FetchFailure:
    """The failure a FetchError stands for."""
    return FetchFailure(exc.url, exc.reason, exc.status, exc.attempts)


def answered(url: str, what: str, status: int) -> FetchFailure:
    """A page that answered a status its caller cannot use."""
    return FetchFailure(url, f"{what} answered HTTP {status}", status)


def unparseable(url: str, what: str | None, problem: Exception | str) -> FetchFailure:
    """A page or entry whose parser refused it; `what` names it when the parser's reason does not."""
    return FetchFailure(url, f"unparseable {what}: {problem}" if what else str(problem))
