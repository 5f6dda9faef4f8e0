"""RSS 2.0, Atom, RDF and JSON feeds: page through the feed, then take each item from the feed or its article page.

`source.url` is the feed itself. Pages are followed by `rel="next"` (RFC 5005), JSON Feed's `next_url` or, for
WordPress feeds, `?paged=N`. An entry that carries its full text becomes a document directly; a summary-only
entry is completed from its article page (extractors/html/article_page.py), and when that page is gone (404/410) it is
kept with its summary as body (`body_source = 'summary'`), unless it was known with its full text (then it is
marked removed). Keys are the entry id/guid, else the canonical link; the marker is the entry's `updated`
stamp, else `published`. An untitled entry is titled by the pipeline from its first words.

A feed's content is a teaser, not the whole item, when its prose ends in an ellipsis or a "read more" link;
text in <pre> and <code> is left out of that test, so a full post that ends in code is no teaser.

Incremental runs: the first feed page is fetched conditionally, so an unchanged feed costs one 304 and
nothing else (so listed pages due for revalidation wait for a run in which the feed changed). Entries whose
marker is unchanged are not fetched again until their revalidation is due, and then conditionally; paging
stops at the first page that holds only known, unchanged items. Entries that failed (a PDF, a 404) have no
stored document, so they are tried again whenever their feed page is read, but never keep paging going.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from time import struct_time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser

from extractors.crawl.fetch import CONTENT_TYPES, Fetcher, FetchError
from extractors.crawl.status import GONE, Answer, answered, fetch_page, parse_page, unparseable
from extractors.html.article_page import FeedEntry, parse_article
from extractors.html.media import post_text
from extractors.html.tree import remove, strip_boilerplate, text_of, tree_of_fragment
from extractors.sources.feed.settings import (
    FORMATS,
    JSON_FEED_VERSION,
    MAX_PAGES,
    PAGED,
    TEASER_TAIL,
    TRUNCATED,
    WORDPRESS,
)
from records import (
    ARTICLE,
    SUMMARY,
    Document,
    Extraction,
    Known,
    RawResponse,
    SourceConfig,
    UnsupportedFormat,
)
from records.dates import parse_date
from records.urls import canonical_url

LOGGER = logging.getLogger(__name__)


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
    try:
        raw = fetcher.get(source.url, expect="feed")
    except FetchError as exc:
        if exc.status == 200:  # answered, in a content type no feed parser here reads
            raise UnsupportedFormat(f"{source.url}: {exc.reason}") from None
        raise
    if raw.status == 304:
        result.raw.append(raw)
        result.discovered_via = "feed (not modified)"
        return result
    if raw.status != 200:
        raise FetchError(source.url, f"feed answered HTTP {raw.status}", raw.status)
    try:
        page = read_feed(raw)
    except ValueError as exc:
        raise UnsupportedFormat(f"{source.url}: {exc}") from None
    result.discovered_via = page.format
    seen: set[str] = set()
    first_size = len(page.entries)
    for _ in range(MAX_PAGES):
        result.raw.append(raw)
        result.failures.extend(unparseable(raw.url, None, problem) for problem in page.problems)
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
    if raw.body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return read_json_feed(raw)
    parsed = feedparser.parse(raw.body, response_headers=raw.headers)
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS, Atom or RDF root element"
        raise ValueError(f"not an RSS, Atom, RDF or JSON feed ({reason})")
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


def read_json_feed(raw: RawResponse) -> FeedPage:
    """One page of a JSON Feed (1.0 or 1.1, https://www.jsonfeed.org/version/1.1/); ValueError when it is not one.

    Parsed here with the standard library: feedparser reads no JSON, and a JSON Feed is one plain object.
    """
    try:
        data = json.loads(raw.body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"not a JSON Feed: {exc}") from None
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, str) or not version.startswith(JSON_FEED_VERSION):
        raise ValueError(f"not a JSON Feed: no version {JSON_FEED_VERSION}1.x")
    entries, problems = [], []
    items = data.get("items")
    for item in items if isinstance(items, list) else []:
        entry = _json_entry(item, raw.final_url) if isinstance(item, dict) else None
        if entry is None:
            title = item.get("title", "") if isinstance(item, dict) else ""
            problems.append(f"feed entry without a link: {title!r}")
        else:
            entries.append(entry)
    next_url = data.get("next_url")
    next_url = urljoin(raw.final_url, next_url) if isinstance(next_url, str) and next_url else None
    return FeedPage("json feed", entries, next_url, False, problems)


def feed_document(source_id: str, entry: FeedEntry, raw: RawResponse) -> Document:
    """A document from an entry that carries its full text (an untitled one is titled by the pipeline)."""
    return Document(
        source_id=source_id, kind=ARTICLE, key=entry.key, url=entry.link, title=entry.title,
        body=_text(entry.content or ""), author=entry.author, published_at=entry.published, labels=entry.labels,
        raw_sha256=raw.sha256, marker=entry.marker,
    )


def summary_document(source_id: str, entry: FeedEntry, raw: RawResponse) -> Document | None:
    """A document from the summary of an entry whose article page is gone; None when it has neither title nor text."""
    body = _text(entry.summary or "")
    if not entry.title and not body:
        return None
    return Document(
        source_id=source_id, kind=ARTICLE, key=entry.key, url=entry.link, title=entry.title, body=body,
        author=entry.author, published_at=entry.published, labels=entry.labels, raw_sha256=raw.sha256,
        marker=entry.marker, body_source=SUMMARY,
    )


def _text(html: str) -> str:
    """The text of feed HTML: its prose, else (a photo or video post) its captions and image alt texts."""
    return post_text(strip_boilerplate(tree_of_fragment(html))) if html else ""


def rebuild(source_id: str, raws: Iterable[RawResponse]) -> list[Document]:
    """Documents from archived responses alone: feed pages give the entries that key their article pages."""
    everything = sorted(raws, key=lambda raw: raw.fetched_at)
    ordered = [raw for raw in everything if raw.status == 200]
    entries: dict[str, FeedEntry] = {}
    sources: dict[str, RawResponse] = {}  # the feed page each entry was last read from
    documents: dict[str, Document] = {}
    for raw in ordered:
        if _declares(raw, "feed") and not _declares(raw, "html"):
            try:
                page = read_feed(raw)
            except ValueError as exc:
                LOGGER.warning("%s: archived feed %s not rebuilt: %s", source_id, raw.url, exc)
                continue
            entries.update((entry.link, entry) for entry in page.entries)
            sources.update((entry.link, raw) for entry in page.entries)
            documents.update((entry.key, feed_document(source_id, entry, raw)) for entry in page.entries
                             if entry.content)
    for raw in everything:  # an article page that was gone when it was fetched: the entry's summary
        entry = entries.get(raw.url)
        if raw.status in GONE and entry is not None and entry.key not in documents:
            document = summary_document(source_id, entry, sources[raw.url])
            documents.update({document.key: document} if document else {})
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
        document = parse_page(feed_raw, lambda raw: feed_document(source.id, entry, raw), result)
        if document is None:
            return FAILED
        result.documents.append(document)
        return verdict
    # A changed entry needs the new page even if the server thinks we have it; a revalidation asks politely.
    answer, raw = fetch_page(fetcher, entry.link, result, what="article page", conditional=verdict == UNCHANGED)
    if answer is Answer.NOT_MODIFIED:
        result.raw.append(raw)
        result.unchanged.append(entry.key)
        return verdict
    if answer is Answer.GONE:
        return _page_gone(source.id, entry, raw, feed_raw, known, result)
    if answer is Answer.FAILED:
        return FAILED
    result.raw.append(raw)
    document = parse_page(raw, lambda page: parse_article(source.id, page, entry=entry), result, "article page")
    if document is None:
        return FAILED
    result.documents.append(document)
    return verdict


def _page_gone(source_id: str, entry: FeedEntry, raw: RawResponse, feed_raw: RawResponse, known: Known,
               result: Extraction) -> str:
    """An entry whose article page answers 404/410: kept with its summary, unless its full text is known."""
    if entry.key in known.removed:
        return FAILED  # marked removed by an earlier run, and still gone
    previous = known.documents.get(entry.key)
    if previous is not None and previous.body_source != SUMMARY:
        result.removed.append(entry.key)
        return FAILED
    document = summary_document(source_id, entry, feed_raw)
    if document is None:
        result.failures.append(answered(entry.link, "article page", raw.status))
        return FAILED
    result.raw.append(raw)  # archived, so a reparse knows the page was gone
    result.documents.append(document)
    return _verdict(entry, known)


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
    answer, raw = fetch_page(fetcher, url, result, what="feed page", expect="feed")
    if answer is Answer.NOT_MODIFIED:
        result.raw.append(raw)
    if answer is not Answer.FETCHED:
        return None
    page = parse_page(raw, read_feed, result)
    return (raw, page) if page is not None else None


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
        content=_full_text([content.get("value") or "" for content in item.get("content", [])]),
        summary=max([dict.get(item, "summary") or "", *(c.get("value") or "" for c in item.get("content", []))],
                    key=len) or None,
    )


def _json_entry(item: dict[str, Any], base: str) -> FeedEntry | None:
    """A JSON Feed item as a FeedEntry, or None when it has no link to an item."""
    link = next((value for value in (item.get("url"), item.get("external_url")) if isinstance(value, str) and value),
                None)
    if not link:
        return None
    link = urljoin(base, link.strip())
    published = parse_date(_string(item.get("date_published")))
    stamp = parse_date(_string(item.get("date_modified"))) or published
    authors = item.get("authors") if isinstance(item.get("authors"), list) else [item.get("author")]
    author = next((a["name"].strip() for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)
                   and a["name"].strip()), None)
    html = _string(item.get("content_html")) or escape(_string(item.get("content_text"))).replace("\n", "<br>")
    tags = item.get("tags") if isinstance(item.get("tags"), list) else []
    return FeedEntry(
        key=str(item.get("id") or "").strip() or canonical_url(link), link=link,
        title=" ".join(_string(item.get("title")).split()), author=author,
        published=published.astimezone(UTC) if published else None,
        marker=stamp.astimezone(UTC).isoformat() if stamp else None,
        labels=list(dict.fromkeys(tag.strip() for tag in tags if isinstance(tag, str) and tag.strip())),
        content=_full_text([html]), summary=max(_string(item.get("summary")), html, key=len) or None,
    )


def _string(value: Any) -> str:
    """A JSON value that should be a string, or "" when it is missing or of another type."""
    return value if isinstance(value, str) else ""


def _time(item: dict[str, Any], name: str) -> datetime | None:
    """An entry timestamp as an aware UTC datetime; feedparser's own parse covers formats we don't."""
    # Plain dict access: feedparser's .get("updated") falls back to `published`, with a DeprecationWarning.
    parsed = parse_date(dict.get(item, name) or "")
    structured = dict.get(item, f"{name}_parsed")
    if parsed is None and isinstance(structured, struct_time):
        parsed = datetime(*structured[:6], tzinfo=UTC)
    return parsed.astimezone(UTC) if parsed else None


def _full_text(values: list[str]) -> str | None:
    """The first HTML of `values` that is the whole item rather than a teaser, else None."""
    for value in values:
        tree = tree_of_fragment(value)
        has_media = bool(tree.xpath("descendant::img | descendant::iframe | descendant::video"))
        if not text_of(tree) and not has_media:
            continue
        for code in tree.xpath("descendant::pre | descendant::code"):
            remove(code)
        if not TRUNCATED.search(text_of(tree)[-TEASER_TAIL:]):
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
