"""Blogger/Blogspot extractor: Atom feed first, classic HTML template when the feed is gone.

Each response is parsed by a pure `parse_*` function that works from stored bytes alone, so `reparse`
rebuilds documents from the archive with the same code as a live crawl. A post with no prose (a video or a
photo) is a document whose body is its captions and image alt texts, or empty.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.html
from lxml import etree

from extractors.crawl.fetch import Fetcher, FetchError
from extractors.crawl.revalidate import revalidate
from extractors.crawl.status import Answer, answered, failure, fetch_page, parse_page
from extractors.html import article_page, page_meta
from extractors.html.media import post_text
from extractors.html.tree import (
    classes,
    decode_html,
    in_tree,
    strip_boilerplate,
    text_of,
    tree_of,
    tree_of_fragment,
)
from extractors.sources.blogger.atom import atom_page
from extractors.sources.blogger.settings import (
    ANCHOR_NAME,
    AUTHOR,
    DATE_HEADER,
    DATE_OUTER,
    ENTRY_ID,
    FEED_PATH,
    FEED_TYPES,
    GADGETS,
    JUMP_LINK,
    LABELS,
    LINK,
    MAX_PAGES,
    OLDER_POSTS,
    POST,
    POST_BODY,
    POST_ID,
    POST_ID_ANY,
    POST_TITLE,
    PUBLISHED,
    ROLE_FEED,
    ROLE_INDEX,
    ROLE_POST,
    TIMESTAMP_LINK,
)
from records import BLOG_POST, Document, Extraction, Known, RawResponse, SourceConfig
from records.dates import MAX_YEAR, MIN_YEAR, parse_date

LOGGER = logging.getLogger(__name__)


@dataclass
class FeedPage:
    """One parsed feed page."""

    documents: list[Document] = field(default_factory=list)  # entries with their full content
    summaries: list[Document] = field(default_factory=list)  # entries without content: body from the post page
    next_url: str | None = None


@dataclass
class IndexPage:
    """One parsed HTML index page (home, search, archive)."""

    documents: list[Document] = field(default_factory=list)
    truncated: set[str] = field(default_factory=set)  # keys whose body stops at a "Read more" jump link
    older_url: str | None = None


def extract(source: SourceConfig, fetcher: Fetcher, known: Known, result: Extraction) -> Extraction:
    """New and changed posts of the blog at `source.url`, from the feed or, failing that, the HTML pages."""
    now = datetime.now(UTC)
    root = source.url if source.url.endswith("/") else source.url + "/"
    # A backfill reads every page whole: validators stored by an interrupted backfill would end its walk early.
    first = fetcher.get(urljoin(root, FEED_PATH), conditional=not known.backfill)
    if first.status == 304 or (first.status == 200 and _looks_like_feed(first)):
        result.discovered_via = "atom feed"
        reached = _walk_feed(source, fetcher, known, first, result)
    else:
        LOGGER.warning("%s: no Atom feed (HTTP %s); reading the HTML pages instead", source.id, first.status)
        result.discovered_via = "html pages"
        reached = _walk_html(source, fetcher, known, root, result)
    reached |= _retry_failed(source, fetcher, known, result)
    revalidate(known, reached, fetcher, result, now=now, role=ROLE_POST,
               parse=lambda raw: parse_post_page(source.id, raw))
    return result


def _retry_failed(source: SourceConfig, fetcher: Fetcher, known: Known, result: Extraction) -> set[str]:
    """Fetch again the pages that failed in earlier runs and were not reached by this run's walk."""
    reached: set[str] = set()
    fetched = {raw.url for raw in result.raw} | result.handed_urls
    for url in known.retry:
        if url in fetched:
            continue
        if "/feeds/" not in url and not _is_index(url):
            document = _post_from_page(source, fetcher, url, result)
            result.documents.extend([document] if document else [])
            reached |= {document.key} if document else set()
            continue
        answer, raw = fetch_page(fetcher, url, result, what="retried page", expect=None, conditional=False,
                                 accept=(Answer.FETCHED,))
        if answer is not Answer.FETCHED:
            continue
        if _looks_like_feed(raw):
            reached |= _walk_feed(source, fetcher, known, raw, result)
        else:
            raw.role = ROLE_INDEX
            result.raw.append(raw)
            page = parse_index_page(source.id, raw)
            result.documents.extend(page.documents)
            reached |= {doc.key for doc in page.documents}
    return reached


def _is_index(url: str) -> bool:
    """True for the blog's home, search and archive pages (as opposed to a post's own page)."""
    path = urlsplit(url).path
    return path in ("", "/", "/search") or path.startswith("/search/") or path.endswith("_archive.html")


def reparse(source_id: str, raw: RawResponse) -> list[Document]:
    """Documents from one archived response, by the role it was fetched for."""
    if raw.role == ROLE_FEED:
        return parse_feed_page(source_id, raw).documents
    if raw.role == ROLE_INDEX:
        page = parse_index_page(source_id, raw)
        return [doc for doc in page.documents if doc.key not in page.truncated]
    return [parse_post_page(source_id, raw)]


def _looks_like_feed(raw: RawResponse) -> bool:
    """True when the response is XML rather than an HTML error page served with 200."""
    content_type = raw.headers.get("content-type", "").lower()
    return any(kind in content_type for kind in FEED_TYPES) or raw.body.lstrip()[:5] == b"<?xml"


def _walk_feed(source: SourceConfig, fetcher: Fetcher, known: Known, raw: RawResponse,
               result: Extraction) -> set[str]:
    """Follow rel='next' until a page holds only known, unchanged posts; returns the keys reached."""
    reached: set[str] = set()
    pages: set[str] = set()
    while len(pages) < MAX_PAGES:
        pages.add(raw.url)
        raw.role = ROLE_FEED
        result.raw.append(raw)
        if raw.status == 304:
            return reached
        page = parse_feed_page(source.id, raw)
        fresh = new = 0
        entries = [(doc, False) for doc in page.documents] + [(doc, True) for doc in page.summaries]
        for doc, summary_only in entries:
            if doc.key in reached:
                continue  # already met on an earlier page, which (newest edit first) holds the latest copy
            reached.add(doc.key)
            new += 1
            if not known.backfill and known.unchanged(doc.key, doc.marker):
                result.unchanged.append(doc.key)
                continue
            fresh += 1
            if summary_only:
                doc = _completed(doc, _post_from_page(source, fetcher, doc.url, result))
            result.documents.append(doc)
        result.hand_off()
        # A page of nothing new means the paging repeats itself: stop, even in a backfill.
        if not page.next_url or page.next_url in pages or not new or not (fresh or known.backfill):
            return reached
        answer, raw = fetch_page(fetcher, page.next_url, result, what="feed page", expect=None,
                                 conditional=not known.backfill, accept=(Answer.FETCHED, Answer.NOT_MODIFIED))
        if answer is Answer.FAILED:
            return reached
    return reached


def parse_feed_page(source_id: str, raw: RawResponse) -> FeedPage:
    """Posts of one Atom (or RSS) feed page and the link to the next page."""
    # Entry content is only ever read as text, after strip_boilerplate: feedparser's sanitizer and link
    # rewriting would add nothing but parsing time.
    plain = atom_page(raw)  # a plain Atom page is read in C, with feedparser's results
    if plain is not None:
        links, entries = plain
    else:
        feed = feedparser.parse(raw.body, response_headers=raw.headers, sanitize_html=False,
                                resolve_relative_uris=False)
        if feed.bozo and not feed.entries:
            raise FetchError(raw.url, f"feed is not parseable XML ({feed.bozo_exception})")
        links, entries = feed.feed.get("links", []), feed.entries
    page = FeedPage(next_url=next((link.get("href") for link in links if link.get("rel") == "next"), None))
    for entry in entries:
        permalink = next((link.get("href") for link in entry.get("links", [])
                          if link.get("rel") == "alternate" and "html" in link.get("type", "text/html")), None)
        match = ENTRY_ID.match(entry.get("id", ""))
        key = match.group(2) if match else entry.get("id") or permalink
        if not key or not permalink:
            continue
        contents = entry.get("content") or []
        body = post_text(strip_boilerplate(tree_of_fragment(contents[0].get("value", "")))) if contents else ""
        doc = Document(
            source_id=source_id, kind=BLOG_POST, key=str(key), url=permalink, title=entry.get("title", ""),
            body=body, author=_author(entry), published_at=_timestamp(entry.get("published") or entry.get("updated")),
            labels=[tag.get("term", "") for tag in entry.get("tags", []) if tag.get("term")],
            raw_sha256=raw.sha256, marker=entry.get("updated") or entry.get("published"),
        )
        (page.documents if contents else page.summaries).append(doc)
    return page


def _author(entry: dict) -> str | None:
    """The author's name only: feedparser's `author` appends Blogger's placeholder e-mail."""
    name = (entry.get("author_detail") or {}).get("name") or entry.get("author") or ""
    return name.strip() or None


def _timestamp(value: str | None) -> datetime | None:
    """A feed or microformat timestamp as an aware datetime (Blogger writes ISO 8601 with an offset)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return parse_date(value)
    # The years parse_date accepts: a year-9999 stamp is no publication date, and overflows in UTC.
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _completed(listed: Document, page: Document | None) -> Document:
    """The post page's document under the key its listing gave, or the listed document if the page failed."""
    return replace(page, key=listed.key) if page is not None else listed


def _post_from_page(source: SourceConfig, fetcher: Fetcher, url: str, result: Extraction) -> Document | None:
    """Fetch and parse one post page; failures (any answer but 200 among them) are recorded, not raised."""
    answer, raw = fetch_page(fetcher, url, result, what="post page", role=ROLE_POST, accept=(Answer.FETCHED,))
    if answer is not Answer.FETCHED:
        return None
    result.raw.append(raw)
    return parse_page(raw, lambda page: parse_post_page(source.id, page), result)


def parse_post_page(source_id: str, raw: RawResponse) -> Document:
    """The single post of a post page: the classic template's post, else the generic path (any template).

    ValueError when neither finds a post: no template post and no article text.
    """
    post = POST.first(tree_of(raw))
    outer = next((parent for parent in post.iterancestors() if "date-outer" in classes(parent)), None) \
        if post is not None else None
    header_date = parse_date(text_of(DATE_HEADER.first(outer))) if outer is not None else None
    doc = _html_post(source_id, post, header_date, raw) if post is not None else None
    if doc is None:
        return _any_template_post(source_id, raw)
    if doc.published_at is None:  # a template without a timestamp: the page's metadata, else htmldate
        doc.published_at = page_meta.page_date(tree_of(raw), raw)
    return doc


def _any_template_post(source_id: str, raw: RawResponse) -> Document:
    """A post page whose template has no `.post-outer .post` with a `.post-body`, read by trafilatura.

    Every gadget but the Blog one (Blogger wraps sidebar, header and footer gadgets in `.widget`) is dropped
    first: their campaign texts carry topic words. Keyed by the post id the page states (itemprop=postId, the
    `data-id` of a `.post`), else, on a page marked as an article (og:type, JSON-LD), its canonical URL; any
    other page (an error or maintenance page served with 200) is refused, as is one without article text.
    trafilatura runs without favor_precision (measured better on real Blogger pages).
    """
    tree = lxml.html.document_fromstring(decode_html(raw))
    post_id = next(iter(tree.xpath(POST_ID_ANY)), None)
    if post_id is None and not page_meta.is_article(tree):
        raise ValueError("no .post-outer .post with a .post-body, no post id (itemprop=postId, data-id) and not "
                         "marked as an article (og:type, JSON-LD) (template changed?)")
    for gadget in tree.xpath(GADGETS):
        if gadget.getparent() is not None:
            gadget.drop_tree()
    pruned = replace(raw, body=etree.tostring(tree, encoding="utf-8", method="html"),
                     headers={**raw.headers, "content-type": "text/html; charset=utf-8"})
    try:
        doc = article_page.parse_article(source_id, pruned, favor_precision=False)
    except ValueError as exc:
        raise ValueError(f"no .post-outer .post with a .post-body, and {exc} (template changed?)") from exc
    return replace(doc, kind=BLOG_POST, key=str(post_id or doc.key), raw_sha256=raw.sha256)


def _walk_html(source: SourceConfig, fetcher: Fetcher, known: Known, root: str, result: Extraction) -> set[str]:
    """Read index pages newest first, following the older-posts link until a page holds only known posts."""
    reached: set[str] = set()
    url: str | None = root
    pages: set[str] = set()
    while url and url not in pages and len(pages) < MAX_PAGES:
        pages.add(url)
        raw = _index_response(fetcher, url, root, result, conditional=not known.backfill)
        if raw is None or raw.status == 304:
            return reached
        page = parse_index_page(source.id, raw)
        if url == root and not page.documents:
            raise FetchError(url, "no posts found on the blog home page (not a classic Blogger template?)")
        new = [doc for doc in page.documents if doc.key not in reached]
        for doc in new:
            reached.add(doc.key)
            if doc.key in page.truncated:
                doc = _completed(doc, _post_from_page(source, fetcher, doc.url, result))
            result.documents.append(doc)
        result.hand_off()
        # Nothing new on a page: older-posts links that go round in circles; stop, even in a backfill.
        if not new or (not known.backfill and all(doc.key in known.documents for doc in page.documents)):
            return reached
        url = page.older_url
    return reached


def _index_response(fetcher: Fetcher, url: str, root: str, result: Extraction, *,
                    conditional: bool) -> RawResponse | None:
    """One index page, or None after recording why it could not be read; the home page must work."""
    try:
        raw = fetcher.get(url, expect="html", conditional=conditional)
    except FetchError as exc:
        if url == root:
            raise
        result.failures.append(failure(exc))
        return None
    if raw.status not in (200, 304):
        if url == root:
            raise FetchError(url, f"blog home page answered HTTP {raw.status}", raw.status)
        result.failures.append(answered(url, "index page", raw.status))
        return None
    raw.role = ROLE_INDEX
    result.raw.append(raw)
    return raw


def parse_index_page(source_id: str, raw: RawResponse) -> IndexPage:
    """Every post on one index page, dated by abbr.published or its date header, and the older-posts link."""
    document = tree_of(raw)
    page = IndexPage()
    for outer in DATE_OUTER.all(document):
        if not in_tree(outer):
            continue  # it was inside a post body stripped below (pages nest badly): bs4 found nothing in it
        header_date = parse_date(text_of(DATE_HEADER.first(outer)))
        for post in POST.all(outer):
            if not in_tree(post):
                continue
            truncated = JUMP_LINK.first(post) is not None
            doc = _html_post(source_id, post, header_date, raw)
            if doc is not None:
                page.documents.append(doc)
                if truncated:
                    page.truncated.add(doc.key)
    older = OLDER_POSTS.first(document)
    page.older_url = urljoin(raw.final_url, older.get("href")) if older is not None and older.get("href") else None
    return page


def _html_post(source_id: str, post: etree._Element, header_date: datetime | None,
               raw: RawResponse) -> Document | None:
    """One post element of the classic template as a Document."""
    title_el = POST_TITLE.first(post)
    link = LINK.first(title_el) if title_el is not None else None
    if link is None:
        link = TIMESTAMP_LINK.first(post)
    permalink = urljoin(raw.final_url, link.get("href")) if link is not None else raw.final_url
    post_id = POST_ID.first(post)
    anchor = next((a for a in post.iterdescendants("a") if ANCHOR_NAME.search(a.get("name", ""))), None)
    key = ((post_id.get("content") if post_id is not None else None)
           or (anchor.get("name") if anchor is not None else None) or permalink)
    body_el = POST_BODY.first(post)
    if body_el is None:
        return None
    published = PUBLISHED.first(post)
    stamp = (published.get("title") or published.get("datetime")) if published is not None else None
    author = text_of(AUTHOR.first(post))
    labels = [text_of(a) for a in LABELS.all(post)]
    return Document(
        source_id=source_id, kind=BLOG_POST, key=str(key), url=permalink, title=text_of(title_el),
        body=post_text(strip_boilerplate(body_el)), author=author or None,
        published_at=_timestamp(stamp) or header_date, labels=labels, raw_sha256=raw.sha256,
    )
