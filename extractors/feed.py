"""RSS 2.0, Atom and RDF feeds: page through the feed, then take each item from the feed or its article page.

`source.url` is the feed itself. Pages are followed by `rel="next"` (RFC 5005) or, for WordPress feeds,
`?paged=N`. An entry that carries its full text becomes a document directly; a summary-only entry is
completed from its article page (extractors/article.py). Keys are the entry id/guid, else the canonical
link; the marker is the entry's `updated` stamp, else `published`.

Incremental runs: the first feed page is fetched conditionally, so an unchanged feed costs one 304 and
nothing else (so listed pages due for revalidation wait for a run in which the feed changed). Entries whose
marker is unchanged are not fetched again until their revalidation is due, and then conditionally; paging
stops at the first page that holds only known, unchanged items. Entries that failed (a PDF, a 404) have no
stored document, so they are tried again whenever their feed page is read, but never keep paging going.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from time import struct_time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser

from extractors.article import FeedEntry, parse_article
from extractors.fetch import CONTENT_TYPES, Fetcher, FetchError
from extractors.html import block_text, strip_boilerplate, text_of, tree_of_fragment
from extractors.records import ARTICLE, Document, Extraction, FetchFailure, Known, RawResponse, SourceConfig
from transforms.dates import parse_date
from transforms.urls import canonical_url

LOGGER = logging.getLogger(__name__)

FORMATS = (("atom", "atom feed"), ("rss10", "rdf feed"), ("rss09", "rdf feed"), ("rss", "rss feed"))  # by prefix
WORDPRESS = re.compile(r"wordpress", re.IGNORECASE)
PAGED = "paged"  # WordPress's page parameter for feeds; it answers 404 past the last page
# Feed "content" that is really a teaser: it ends in an ellipsis or a read-more link.
TRUNCATED = re.compile(r"(?:\u2026|\.\.\.)\W*$|continue reading|read more", re.IGNORECASE)
TEASER_TAIL = 160  # characters at the end of a feed text searched for the signs above
GONE = (404, 410)
MAX_PAGES = 500  # a loop guard; WordPress serves 10 items a page by default

# What the feed says about an entry before anything is fetched, and what became of it.
NEW, CHANGED, UNCHANGED, FAILED = "new", "changed", "unchanged", "failed"


@dataclass
class FeedPage:
    """One fetched feed page: its entries, where the next page is, and entries that could not be used."""

    format: str
    entries: list[FeedEntry]
    next_url: str | None
    by_page_number: bool  # next_url was derived from WordPress's `?paged=`, not given by the feed
    problems: list[str]


def extract(source: SourceConfig, fetcher: Fetcher, known: Known, result: Extraction) -> Extraction:
    """Every new or changed item of the feed at `source.url`, newest first, into `result`."""
    now = datetime.now(UTC)
    raw = fetcher.get(source.url, expect="feed")
    if raw.status == 304:
        result.raw.append(raw)
        result.discovered_via = "feed (not modified)"
        return result
    if raw.status != 200:
        raise FetchError(source.url, f"feed answered HTTP {raw.status}", raw.status)
    page = read_feed(raw)
    result.discovered_via = page.format
    seen: set[str] = set()
    first_size = len(page.entries)
    for _ in range(MAX_PAGES):
        result.raw.append(raw)
        result.failures.extend(FetchFailure(raw.url, problem) for problem in page.problems)
        fresh = [entry for entry in page.entries if entry.key not in seen]
        seen.update(entry.key for entry in fresh)
        wanted = [entry for entry in fresh if _in_years(entry, known)]
        outcomes = [_take(source, fetcher, known, entry, raw, now, result) for entry in wanted]
        last = page.by_page_number and len(page.entries) < first_size
        if not wanted or last or not page.next_url or (not known.backfill and _settled(outcomes)):
            break
        next_page = _next_page(fetcher, page.next_url, result)
        if next_page is None:
            break
        raw, page = next_page
    return result


def read_feed(raw: RawResponse) -> FeedPage:
    """The entries of one feed page and the link to the next; raises ValueError when it is not a feed."""
    parsed = feedparser.parse(raw.body, response_headers=raw.headers)
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS, Atom or RDF root element"
        raise ValueError(f"not an RSS, Atom or RDF feed ({reason})")
    entries, problems = [], []
    for item in parsed.entries:
        entry = _entry(item, raw.final_url)
        if entry is None:
            problems.append(f"feed entry without a link: {item.get('title', '')!r}")
        else:
            entries.append(entry)
    version = parsed.get("version") or ""
    kind = next((name for prefix, name in FORMATS if version.startswith(prefix)), "feed")
    next_url = next((urljoin(raw.final_url, link["href"]) for link in parsed.feed.get("links", [])
                     if link.get("rel") == "next" and link.get("href")), None)
    by_page_number = next_url is None and _is_wordpress(parsed.feed)
    if by_page_number:
        next_url = _with_page(raw.url, _page_number(raw.url) + 1)
    return FeedPage(kind, entries, next_url, by_page_number, problems)


def parse_feed(source_id: str, raw: RawResponse) -> list[Document]:
    """The documents a feed page carries in full (summary-only entries need their article pages)."""
    return [feed_document(source_id, entry, raw) for entry in read_feed(raw).entries if entry.content]


def feed_document(source_id: str, entry: FeedEntry, raw: RawResponse) -> Document:
    """A document from an entry that carries its full text; raises ValueError when it has no title."""
    if not entry.title:
        raise ValueError(f"feed entry {entry.key} has no title")
    body = block_text(strip_boilerplate(tree_of_fragment(entry.content or "")))
    return Document(
        source_id=source_id, kind=ARTICLE, key=entry.key, url=entry.link, title=entry.title, body=body,
        author=entry.author, published_at=entry.published, labels=entry.labels, raw_sha256=raw.sha256,
        marker=entry.marker,
    )


def rebuild(source_id: str, raws: Iterable[RawResponse]) -> list[Document]:
    """Documents from archived responses alone: feed pages give the entries that key their article pages."""
    ordered = sorted((raw for raw in raws if raw.status == 200), key=lambda raw: raw.fetched_at)
    entries: dict[str, FeedEntry] = {}
    documents: dict[str, Document] = {}
    for raw in ordered:
        if _declares(raw, "feed") and not _declares(raw, "html"):
            try:
                entries.update((entry.link, entry) for entry in read_feed(raw).entries)
                documents.update((document.key, document) for document in parse_feed(source_id, raw))
            except ValueError as exc:
                LOGGER.warning("%s: archived feed %s not rebuilt: %s", source_id, raw.url, exc)
    for raw in ordered:
        if _declares(raw, "html"):
            try:
                document = parse_article(source_id, raw, entry=entries.get(raw.url))
            except ValueError as exc:
                LOGGER.warning("%s: archived page %s not rebuilt: %s", source_id, raw.url, exc)
                continue
            documents[document.key] = document
    return list(documents.values())


def _take(source: SourceConfig, fetcher: Fetcher, known: Known, entry: FeedEntry, feed_raw: RawResponse,
          now: datetime, result: Extraction) -> str:
    """Turn one entry into a document, an unchanged key, a removal or a failure; returns the outcome."""
    verdict = _verdict(entry, known)
    if verdict == UNCHANGED and not known.backfill and (entry.content or not known.due(entry.key, now)):
        result.unchanged.append(entry.key)
        return verdict
    if entry.content:
        try:
            result.documents.append(feed_document(source.id, entry, feed_raw))
        except ValueError as exc:
            result.failures.append(FetchFailure(feed_raw.url, str(exc)))
            return FAILED
        return verdict
    # A changed entry needs the new page even if the server thinks we have it; a revalidation asks politely.
    try:
        raw = fetcher.get(entry.link, expect="html", conditional=verdict == UNCHANGED)
    except FetchError as exc:
        result.failures.append(FetchFailure(entry.link, exc.reason, exc.status, exc.attempts))
        return FAILED
    if raw.status == 304:
        result.raw.append(raw)
        result.unchanged.append(entry.key)
        return verdict
    if raw.status in GONE and entry.key in known.documents:
        result.removed.append(entry.key)
        return FAILED
    if raw.status != 200:
        result.failures.append(FetchFailure(entry.link, f"article page answered HTTP {raw.status}", raw.status))
        return FAILED
    result.raw.append(raw)
    try:
        result.documents.append(parse_article(source.id, raw, entry=entry))
    except ValueError as exc:
        result.failures.append(FetchFailure(entry.link, f"unparseable article page: {exc}"))
        return FAILED
    return verdict


def _verdict(entry: FeedEntry, known: Known) -> str:
    """NEW, CHANGED or UNCHANGED by the feed's own stamp (an entry without one counts as unchanged)."""
    previous = known.documents.get(entry.key)
    if previous is None:
        return NEW
    if entry.marker is not None and not known.unchanged(entry.key, entry.marker):
        return CHANGED
    return UNCHANGED


def _settled(outcomes: list[str]) -> bool:
    """True when a page held known, unchanged items and nothing new or changed (failures count for neither)."""
    return UNCHANGED in outcomes and NEW not in outcomes and CHANGED not in outcomes


def _in_years(entry: FeedEntry, known: Known) -> bool:
    """False for entries older than the backfill's first year."""
    return known.since_year is None or entry.published is None or entry.published.year >= known.since_year


def _next_page(fetcher: Fetcher, url: str, result: Extraction) -> tuple[RawResponse, FeedPage] | None:
    """The next feed page, or None at the end (404 past the last WordPress page) or on a recorded failure."""
    try:
        raw = fetcher.get(url, expect="feed")
    except FetchError as exc:
        result.failures.append(FetchFailure(url, exc.reason, exc.status, exc.attempts))
        return None
    if raw.status == 304:
        result.raw.append(raw)
        return None
    if raw.status in GONE:
        return None
    if raw.status != 200:
        result.failures.append(FetchFailure(url, f"feed page answered HTTP {raw.status}", raw.status))
        return None
    try:
        return raw, read_feed(raw)
    except ValueError as exc:
        result.failures.append(FetchFailure(url, str(exc)))
        return None


def _entry(item: dict[str, Any], base: str) -> FeedEntry | None:
    """A feedparser entry as a FeedEntry, or None when it has no link to an item."""
    link = item.get("link") or next((link.get("href") for link in item.get("links", []) if link.get("href")), None)
    if not link:
        return None
    link = urljoin(base, link.strip())
    published = _time(item, "published") or _time(item, "updated")
    stamp = _time(item, "updated") or published
    author = (item.get("author_detail") or {}).get("name") or item.get("author") or ""
    return FeedEntry(
        key=(item.get("id") or "").strip() or canonical_url(link), link=link,
        title=" ".join((item.get("title") or "").split()),
        author=author.strip() if author and "@" not in author else None,
        published=published,
        marker=stamp.isoformat() if stamp else dict.get(item, "updated") or dict.get(item, "published"),
        labels=list(dict.fromkeys(tag["term"].strip() for tag in item.get("tags", []) if tag.get("term"))),
        content=_full_text(item),
    )


def _time(item: dict[str, Any], name: str) -> datetime | None:
    """An entry timestamp as an aware UTC datetime; feedparser's own parse covers formats we don't."""
    # Plain dict access: feedparser's .get("updated") falls back to `published`, with a DeprecationWarning.
    parsed = parse_date(dict.get(item, name) or "")
    structured = dict.get(item, f"{name}_parsed")
    if parsed is None and isinstance(structured, struct_time):
        parsed = datetime(*structured[:6], tzinfo=UTC)
    return parsed.astimezone(UTC) if parsed else None


def _full_text(item: dict[str, Any]) -> str | None:
    """The entry's HTML when the feed carries the whole item rather than a teaser, else None."""
    for content in item.get("content", []):
        value = content.get("value") or ""
        text = text_of(tree_of_fragment(value))
        if text and not TRUNCATED.search(text[-TEASER_TAIL:]):
            return value
    return None


def _is_wordpress(feed: dict[str, Any]) -> bool:
    """True when WordPress generated the feed (it pages with `?paged=N` and never links the next page)."""
    generator = feed.get("generator") or ""
    href = (feed.get("generator_detail") or {}).get("href") or ""
    return bool(WORDPRESS.search(generator) or WORDPRESS.search(href))


def _page_number(url: str) -> int:
    """The `paged` number of a WordPress feed URL (1 when absent)."""
    value = dict(parse_qsl(urlsplit(url).query)).get(PAGED, "1")
    return int(value) if value.isdigit() else 1


def _with_page(url: str, number: int) -> str:
    """`url` asking for WordPress feed page `number`."""
    parts = urlsplit(url)
    query = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True) if name != PAGED]
    return urlunsplit(parts._replace(query=urlencode([*query, (PAGED, str(number))])))


def _declares(raw: RawResponse, family: str) -> bool:
    """True when the response's Content-Type belongs to `family` ("html", "feed")."""
    declared = raw.headers.get("content-type", "").split(";")[0].strip().lower()
    return any(kind in declared for kind in CONTENT_TYPES[family])
