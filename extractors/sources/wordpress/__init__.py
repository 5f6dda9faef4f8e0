"""WordPress extractor: REST API first, then the RSS feed, then archives and sitemaps; keyed by post id.

`source.url` is the site's home URL. The first path that answers is used for the whole run, in this order:
the REST API at `/wp-json/`, the same API as `/?rest_route=` (when `/wp-json/` is blocked by the server rather
than refused by WordPress), the RSS feed, the theme's archives when they carry the core markup, the XML
sitemaps (extractors.sources.wordpress.sitemap), and last the archive links found by permalink shape. When a path is
unavailable (401/403/404, not JSON/XML, refused by robots.txt) the next one is tried and the fallback is
logged once. Sitemap and link entries are keyed by URL until their page gives the post id.

Every path walks its listing newest first (sitemaps: newest `<lastmod>` first, after reading every file)
and stops at the first page whose posts are all known and unchanged, unless a known post is due for
revalidation and has not been seen yet: then the walk goes on to the end, and known posts still missing are
checked on their own page (404/410 means removed). When no known post is due, the first page is asked for
conditionally: a 304 ends the walk.

Markers: the REST API and themes print the post's modification time, stored as UTC ISO 8601, so the two
paths agree. RSS items carry no modification time, so a feed item's marker is a digest of what was parsed.

Untitled posts (WordPress allows them; a title of spaces shows as nothing) and password-protected posts
(the public sees only the title) are kept as documents with an empty title or body: the other field can
still carry the topic words. A post with neither is recorded as a failure.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import urljoin

import feedparser

from extractors.crawl.fetch import Fetcher, FetchError
from extractors.crawl.status import GONE, Answer, failure, fetch_page, parse_page, unparseable
from extractors.html.tree import remove, text_of, tree_of_fragment
from extractors.sources.wordpress.api import (
    api_documents,
    error_code,
    parse_api_page,
    posts_url,
    total_pages,
)
from extractors.sources.wordpress.settings import (
    API,
    API_ROUTE,
    ARCHIVE_PAGE,
    ARCHIVES,
    FEED,
    FEED_FOOTER,
    FEED_PATH,
    LINKS,
    MAX_PAGES,
    PAGE_PAST_END,
    QUERY_POST,
    SHORTLINK_ID,
    SITEMAP,
    SITEMAP_PATHS,
)
from extractors.sources.wordpress.sitemap import (
    SitemapUrl,
    archive_links,
    is_post_url,
    parse_sitemap,
    post_sitemaps,
)
from extractors.sources.wordpress.theme_html import (
    archive_entries,
    clean_body,
    is_protected,
    parse_post_page,
    stamp,
    unmarked_title,
    utc,
)
from records import BLOG_POST, Document, Extraction, Known, RawResponse, SourceConfig

LOGGER = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class Listed:
    """One post as a listing page shows it; `document` is set when the listing carries the whole post."""

    key: str
    url: str
    marker: str | None
    published: datetime | None
    document: Document | None = None
    by_url: bool = False  # keyed by URL until the post's page gives its id (sitemaps, archive links)

    @classmethod
    def of(cls, document: Document) -> Listed:
        """A listing entry that is already a complete document."""
        return cls(document.key, document.url, document.marker, document.published_at, document)


Page = tuple[RawResponse, list[Listed], list[str]]  # a listing response, its posts, problems with single posts


def extract(source: SourceConfig, fetcher: Fetcher, known: Known, result: Extraction) -> Extraction:
    """New and changed posts of the WordPress site at `source.url`, through the first path that answers."""
    root = source.url if source.url.endswith("/") else source.url + "/"
    via, pages, unavailable = _discover(source, fetcher, root, known)
    result.discovered_via = via
    if unavailable:
        LOGGER.warning("%s: %s; reading the %s instead", source.id, "; ".join(unavailable), via)
    _Walk(source, fetcher, known, result).run(pages)
    return result


def reparse(source_id: str, raw: RawResponse) -> list[Document]:
    """Documents in one archived response of any path (archive pages, errors and 304s hold none)."""
    if raw.status != 200 or not raw.body:
        return []
    content_type = raw.headers.get("content-type", "").lower()
    if "json" in content_type:
        return parse_api_page(source_id, raw)
    if "html" not in content_type and any(kind in content_type for kind in ("rss", "xml", "atom")):
        try:
            return parse_feed(source_id, raw)
        except ValueError:
            return []  # a sitemap: it lists posts but holds none
    try:
        return [parse_post_page(source_id, raw)]
    except ValueError:
        return []  # an archive page: it lists posts but holds none whole


def parse_feed(source_id: str, raw: RawResponse) -> list[Document]:
    """Every full-text item of one RSS feed page (items with only a summary need their post page)."""
    return [item.document for item in _feed_listing(source_id, raw)[0] if item.document is not None]


def _discover(source: SourceConfig, fetcher: Fetcher, root: str,
              known: Known) -> tuple[str, Iterator[Page], list[str]]:
    """The path to read and its pages, plus why each path before it was passed over.

    Raises FetchError when not even the home page lists posts: the source is unusable.
    """
    unavailable: list[str] = []
    # A 304 on the first page is only conclusive when no known post is due for revalidation: otherwise the
    # walk must see which posts the listing still shows.
    conditional = not known.backfill and not any(known.due(key, datetime.now(UTC)) for key in known.documents)
    first = _probe(fetcher, posts_url(root, 1, known.since_year), "json", lambda raw: api_documents(source.id, raw),
                   conditional)
    if isinstance(first, RawResponse):
        return API, _api_pages(source, fetcher, root, known, first), unavailable
    unavailable.append(f"REST API unavailable ({first})")
    if " rest_" not in first:  # a WP_Error code means WordPress itself refused: ?rest_route= would too
        first = _probe(fetcher, posts_url(root, 1, known.since_year, route=True), "json",
                       lambda raw: api_documents(source.id, raw), conditional)
        if isinstance(first, RawResponse):
            return API_ROUTE, _api_pages(source, fetcher, root, known, first, route=True), unavailable
        unavailable.append(f"?rest_route= unavailable ({first})")
    first = _probe(fetcher, urljoin(root, FEED_PATH), "feed", lambda raw: _feed_listing(source.id, raw), conditional)
    if isinstance(first, RawResponse):
        return FEED, _feed_pages(source, fetcher, root, first), unavailable
    unavailable.append(f"RSS feed unavailable ({first})")
    home = fetcher.get(root, expect="html", conditional=conditional)
    if home.status not in (200, 304):
        raise FetchError(root, f"home page answered HTTP {home.status} (and {'; '.join(unavailable)})", home.status)
    if home.status == 304 or archive_entries(home)[0]:
        return ARCHIVES, _archive_pages(fetcher, root, home), unavailable
    unavailable.append("no article#post-ID on the home page")
    sitemaps = _sitemaps(fetcher, root)
    if sitemaps:
        return SITEMAP, _sitemap_pages(root, known, sitemaps), unavailable
    unavailable.append("no post sitemap")
    if archive_links(home, root)[0]:
        return LINKS, _link_pages(fetcher, root, known, home), unavailable
    raise FetchError(root, "no post links on the home page (a static front page? set url to the posts page) and "
                     + "; ".join(unavailable))


def _probe(fetcher: Fetcher, url: str, expect: str, parse: Callable[[RawResponse], object],
           conditional: bool) -> RawResponse | str:
    """The first page of a path (a 304 when `conditional` and it is as last read), or why it cannot be used."""
    try:
        raw = fetcher.get(url, expect=expect, conditional=conditional)
    except FetchError as exc:
        return exc.reason
    if raw.status == 304:
        return raw  # the path answered this URL before (that is where the validators came from)
    if raw.status != 200:
        code = error_code(raw) if expect == "json" else ""
        return f"HTTP {raw.status}{' ' + code if code else ''}"
    try:
        parse(raw)
    except ValueError as exc:
        return f"answered {exc}"
    return raw


def _api_pages(source: SourceConfig, fetcher: Fetcher, root: str, known: Known, first: RawResponse,
               route: bool = False) -> Iterator[Page]:
    """Posts-collection pages up to X-WP-TotalPages (or an empty page, or the past-the-end error)."""
    raw, page = first, 1
    if first.status == 304:
        yield first, [], []  # the newest posts are as they were: nothing new behind them either
        return
    while True:
        documents, problems = _parsed(raw, lambda r: api_documents(source.id, r))
        yield raw, [Listed.of(d) for d in documents], problems
        pages = total_pages(raw)
        if not (documents or problems) or (pages is not None and page >= pages) or page >= MAX_PAGES:
            return
        page += 1
        url = posts_url(root, page, known.since_year, route=route)
        raw = fetcher.get(url, expect="json", conditional=False)
        if raw.status == 400 and error_code(raw) == PAGE_PAST_END:
            return  # no X-WP-TotalPages to say where the end was, or posts were deleted while we walked
        if raw.status != 200:
            raise FetchError(url, f"API page {page} answered HTTP {raw.status} {error_code(raw)}".rstrip(), raw.status)


def _feed_pages(source: SourceConfig, fetcher: Fetcher, root: str, first: RawResponse) -> Iterator[Page]:
    """/feed/ then /feed/?paged=N, until a short or missing page."""
    raw, page, size = first, 1, 0
    if first.status == 304:
        yield first, [], []
        return
    while True:
        listed, problems = _parsed(raw, lambda r: _feed_listing(source.id, r))
        size = size or len(listed)
        yield raw, listed, problems
        if not listed or len(listed) < size or page >= MAX_PAGES:
            return
        page += 1
        url = urljoin(root, f"{FEED_PATH}?paged={page}")
        raw = fetcher.get(url, expect="feed", conditional=False)
        if raw.status in GONE:
            return  # WordPress answers 404 to any paged query past the last page
        if raw.status != 200:
            raise FetchError(url, f"feed page {page} answered HTTP {raw.status}", raw.status)


def _archive_pages(fetcher: Fetcher, root: str, home: RawResponse) -> Iterator[Page]:
    """The home page then /page/N/, until the pagination ends or a page is missing."""
    raw, page = home, 1
    if home.status == 304:
        yield home, [], []
        return
    while True:
        entries, problems, more = archive_entries(raw)
        yield raw, [Listed(e.key, e.url, e.marker, e.published) for e in entries], problems
        if not entries or not more or page >= MAX_PAGES:
            return
        page += 1
        url = urljoin(root, ARCHIVE_PAGE.format(n=page))
        raw = fetcher.get(url, expect="html", conditional=False)
        if raw.status in GONE:
            return
        if raw.status != 200:
            raise FetchError(url, f"archive page {page} answered HTTP {raw.status}", raw.status)


def _sitemaps(fetcher: Fetcher, root: str) -> list[tuple[RawResponse, list[SitemapUrl]]]:
    """The post sitemaps of the first sitemap that answers (robots.txt's, then the usual paths), read whole.

    Sitemaps are not newest first, so every file is read before any post is taken.
    """
    candidates = [*fetcher.robots.sitemaps(root), *(urljoin(root, path) for path in SITEMAP_PATHS)]
    for url in dict.fromkeys(candidates):
        raw, entries, children = _sitemap(fetcher, url)
        if raw is None:
            continue
        if not children:
            shaped = [entry for entry in entries if is_post_url(entry.url, root)]
            return [(raw, shaped or [e for e in entries if e.url.rstrip("/") != root.rstrip("/")])]
        files = [(raw, [])]
        for child in post_sitemaps(children):
            child_raw, child_entries, _ = _sitemap(fetcher, child)
            if child_raw is not None:
                files.append((child_raw, child_entries))
        if any(entries for _, entries in files):
            return files
    return []


def _sitemap(fetcher: Fetcher, url: str) -> tuple[RawResponse | None, list[SitemapUrl], list[str]]:
    """One sitemap file and what it lists; (None, [], []) when it is missing or not a sitemap."""
    try:
        raw = fetcher.get(url, expect="feed", conditional=False)
    except FetchError as exc:
        LOGGER.info("sitemap %s unavailable: %s", url, exc.reason)
        return None, [], []
    if raw.status != 200:
        return None, [], []
    try:
        entries, children = parse_sitemap(raw)
    except ValueError as exc:
        LOGGER.info("sitemap %s unusable: %s", url, exc)
        return None, [], []
    return raw, entries, children


def _sitemap_pages(root: str, known: Known, files: list[tuple[RawResponse, list[SitemapUrl]]]) -> Iterator[Page]:
    """Every sitemap file; the posts of all of them with the last, newest modification first."""
    entries = [entry for _, listed in files for entry in listed]
    entries.sort(key=lambda e: e.lastmod.timestamp() if e.lastmod else 0.0, reverse=True)
    for index, (raw, _) in enumerate(files):
        last = index == len(files) - 1
        yield raw, [_by_url(known, e.url, stamp(e.lastmod.isoformat()) if e.lastmod else None)
                    for e in entries] if last else [], []


def _link_pages(fetcher: Fetcher, root: str, known: Known, home: RawResponse) -> Iterator[Page]:
    """The home page then its rel=next pages (else /page/N/), with the post links each shows."""
    raw, page = home, 1
    while True:
        links, following = archive_links(raw, root)
        yield raw, [_by_url(known, url, None) for url in links], []
        if not links or page >= MAX_PAGES:
            return
        page += 1
        url = following or urljoin(root, ARCHIVE_PAGE.format(n=page))
        raw = fetcher.get(url, expect="html", conditional=False)
        if raw.status in GONE:
            return
        if raw.status != 200:
            raise FetchError(url, f"archive page {page} answered HTTP {raw.status}", raw.status)


def _by_url(known: Known, url: str, marker: str | None) -> Listed:
    """A listed post known only by its URL: keyed by a known document's key, a `?p=` id, or the URL for now."""
    key = next((key for key, document in known.documents.items() if document.url == url), None)
    match = QUERY_POST.search(url.partition("?")[2])
    if key is None and match:
        key = match[1]
    return Listed(key or url, url, marker, None, by_url=key is None)


def _parsed(raw: RawResponse, parse: Callable[[RawResponse], tuple[list[T], list[str]]]) -> tuple[list[T], list[str]]:
    """A listing page parsed, or a FetchError naming the page when it cannot be read at all."""
    try:
        return parse(raw)
    except ValueError as exc:
        raise FetchError(raw.url, f"unreadable listing page: {exc}", raw.status) from None


def _feed_listing(source_id: str, raw: RawResponse) -> tuple[list[Listed], list[str]]:
    """Items of one RSS page: full-text items as documents, summary-only items as links to fetch.

    Raises ValueError when the body is not RSS or Atom.
    """
    feed = feedparser.parse(raw.body, response_headers=raw.headers)
    if not feed.get("version"):
        raise ValueError(f"something that is not RSS or Atom ({feed.get('bozo_exception') or 'no feed element'})")
    listed, problems = [], []
    for entry in feed.entries:
        url = entry.get("link") or ""
        match = SHORTLINK_ID.search(entry.get("id") or "")
        # A customised guid hides the post id; the guid itself is then the only stable key.
        key = match[1] if match else entry.get("id") or url
        if not key or not url:
            problems.append(f"feed item without guid or link: {entry.get('title')!r}")
            continue
        published = utc(entry.get("published"))
        contents = entry.get("content") or []
        if not contents:
            listed.append(Listed(key, url, None, published))
            continue
        document = _feed_document(source_id, entry, key, url, contents[0].get("value", ""), raw)
        if document is None:
            problems.append(f"post {key} has neither a title nor any text")
            continue
        listed.append(Listed.of(document))
    return listed, problems


def _feed_document(source_id: str, entry: dict, key: str, url: str, content: str,
                   raw: RawResponse) -> Document | None:
    """One full-text feed item as a Document, without the SEO plugin's footer; None when it is empty."""
    document = tree_of_fragment(content)
    paragraphs = list(document.iter("p"))
    if paragraphs and FEED_FOOTER.match(text_of(paragraphs[-1])):
        remove(paragraphs[-1])
    protected = is_protected(document)
    body = clean_body(document)
    title = unmarked_title(entry.get("title") or "", protected)
    if not title and not body:
        return None
    author = " ".join(((entry.get("author_detail") or {}).get("name") or entry.get("author") or "").split())
    labels = list(dict.fromkeys(t.get("term", "").strip() for t in entry.get("tags", []) if t.get("term", "").strip()))
    document = Document(
        source_id=source_id, kind=BLOG_POST, key=key, url=url, title=title, body=body, author=author or None,
        published_at=utc(entry.get("published")), labels=labels, raw_sha256=raw.sha256,
    )
    document.marker = _digest(document)
    return document


def _digest(document: Document) -> str:
    """A feed item's marker: what a reader would see change, hashed (RSS items have no modification time)."""
    published = document.published_at.isoformat() if document.published_at else ""
    fields = [document.title, document.body, document.author or "", published, *document.labels]
    return "sha256:" + hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()[:32]


class _Walk:
    """Reads listing pages into one Extraction, following the incremental rules of the extractor contract."""

    def __init__(self, source: SourceConfig, fetcher: Fetcher, known: Known, result: Extraction) -> None:
        self.source, self.fetcher, self.known, self.result = source, fetcher, known, result
        self.now = datetime.now(UTC)
        self.seen: set[str] = set()

    def run(self, pages: Iterator[Page]) -> None:
        """Walk the pages, then check known posts the complete listing no longer shows."""
        try:
            for raw, listed, problems in pages:
                self.result.raw.append(raw)
                self.result.failures.extend(unparseable(raw.url, None, problem) for problem in problems)
                fresh = [item for item in listed if item.key not in self.seen]
                if listed and not fresh:
                    break  # the site repeats itself (a paged feed that ignores `paged`): the listing ended
                settled = [self._take(item) for item in fresh]
                self.result.hand_off()
                if self._stop(fresh, settled):
                    return
        except FetchError as exc:
            self.result.failures.append(failure(exc))
            return  # an incomplete listing says nothing about the posts it did not reach
        for key, document in self.known.documents.items():
            if key not in self.seen and self.known.due(key, self.now):
                self._fetch_post(key, document.url)

    def _stop(self, fresh: list[Listed], settled: list[bool]) -> bool:
        """True when older pages cannot hold anything new for this run."""
        since = self.known.since_year
        if since and fresh and all(i.published and i.published.year < since for i in fresh):
            return True
        if self.known.backfill or not fresh or not all(settled):
            return False
        return not any(key not in self.seen and self.known.due(key, self.now) for key in self.known.documents)

    def _take(self, item: Listed) -> bool:
        """Record one listed post; True when it needed nothing (known and unchanged, or out of range)."""
        self.seen.add(item.key)
        known = self.known
        if known.since_year and item.published and item.published.year < known.since_year:
            return True
        if not known.backfill and known.unchanged(item.key, item.marker):
            self.result.unchanged.append(item.key)
            return True
        if item.document is not None:
            self.result.documents.append(item.document)
            return False
        if item.key in known.documents and item.marker is None and not known.due(item.key, self.now):
            return True  # no stamp to compare, and the post's page was checked recently enough
        return self._fetch_post(item.key, item.url, by_url=item.by_url)

    def _fetch_post(self, key: str, url: str, *, by_url: bool = False) -> bool:
        """Fetch a post's own page conditionally; True when it proved unchanged or gone (nothing new)."""
        result = self.result
        answer, raw = fetch_page(self.fetcher, url, result, what="post page")
        if answer is Answer.FAILED:
            return False
        if answer is not Answer.FETCHED:
            result.raw.extend([raw] if answer is Answer.NOT_MODIFIED else [])
            if not by_url:
                (result.unchanged if answer is Answer.NOT_MODIFIED else result.removed).append(key)
            return True
        result.raw.append(raw)
        document = parse_page(raw, lambda page: parse_post_page(self.source.id, page), result, "post page")
        if document is None:
            return False
        if by_url:
            key = document.key
            if key in self.seen:
                return True  # two URLs of one post
            self.seen.add(key)
        elif document.key != key:
            # WordPress redirects a vanished permalink to its best guess at a similar post.
            result.removed.append(key)
            return True
        if not self.known.backfill and self.known.unchanged(key, document.marker):
            result.unchanged.append(key)
            return True
        result.documents.append(document)
        return False
