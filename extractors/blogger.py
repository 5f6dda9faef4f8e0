"""Blogger/Blogspot extractor: Atom feed first, classic HTML template when the feed is gone."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser
from bs4 import BeautifulSoup, Tag

from extractors.fetch import Fetcher, FetchError
from extractors.html import block_text, soup_of, soup_of_fragment, strip_boilerplate, text_of
from extractors.records import BLOG_POST, Document, Extraction, FetchFailure, RawResponse, SourceConfig
from transforms.dates import parse_date

LOGGER = logging.getLogger(__name__)

FEED_PATH = "feeds/posts/default?max-results=100"  # Blogger serves at most 100 entries a page
ENTRY_ID = re.compile(r"^tag:blogger\.com,1999:blog-(\d+)\.post-(\d+)$")
MAX_PAGES = 1000  # a loop guard: 100,000 posts is more than any union blog has
FEED_TYPES = ("atom", "rss", "xml")


def extract(source: SourceConfig, fetcher: Fetcher) -> Extraction:
    """Every post of the blog at `source.url`, from the feed or, failing that, the HTML pages."""
    result = Extraction(source_id=source.id)
    root = source.url if source.url.endswith("/") else source.url + "/"
    first = fetcher.get(urljoin(root, FEED_PATH))
    if first.status == 200 and _looks_like_feed(first):
        result.discovered_via = "atom feed"
        _walk_feed(source, fetcher, first, result)
    else:
        LOGGER.warning("%s: no Atom feed (HTTP %s); reading the HTML pages instead", source.id, first.status)
        result.discovered_via = "html pages"
        _walk_html(source, fetcher, root, result)
    result.requests = fetcher.requests_made
    return result


def _looks_like_feed(raw: RawResponse) -> bool:
    """True when the response is XML rather than an HTML error page served with 200."""
    content_type = raw.headers.get("content-type", "").lower()
    return any(kind in content_type for kind in FEED_TYPES) or raw.body.lstrip()[:5] == b"<?xml"


def _walk_feed(source: SourceConfig, fetcher: Fetcher, raw: RawResponse, result: Extraction) -> None:
    """Follow rel='next' from the first feed page, collecting one document per entry."""
    seen_pages: set[str] = set()
    while raw is not None and len(seen_pages) < MAX_PAGES:
        seen_pages.add(raw.url)
        result.raw.append(raw)
        feed = feedparser.parse(raw.body, response_headers=raw.headers)
        if feed.bozo and not feed.entries:
            raise FetchError(raw.url, f"feed is not parseable XML ({feed.bozo_exception})")
        for entry in feed.entries:
            document = _entry_document(source, fetcher, entry, raw, result)
            if document is not None:
                result.documents.append(document)
        next_url = next((link.get("href") for link in feed.feed.get("links", []) if link.get("rel") == "next"), None)
        if not next_url or next_url in seen_pages or not feed.entries:
            return
        raw = fetcher.get(next_url)
        if raw.status != 200:
            result.failures.append(FetchFailure(next_url, f"feed page answered HTTP {raw.status}", raw.status))
            return


def _entry_document(source: SourceConfig, fetcher: Fetcher, entry: dict, raw: RawResponse,
                    result: Extraction) -> Document | None:
    """One post from a feed entry; fetches the permalink when the feed carries only a summary."""
    permalink = next((link.get("href") for link in entry.get("links", [])
                      if link.get("rel") == "alternate" and "html" in link.get("type", "text/html")), None)
    match = ENTRY_ID.match(entry.get("id", ""))
    key = match.group(2) if match else entry.get("id") or permalink
    if not key or not permalink:
        result.failures.append(FetchFailure(raw.url, f"feed entry without id or permalink: {entry.get('title')!r}"))
        return None
    contents = entry.get("content") or []
    if contents:
        body = block_text(strip_boilerplate(soup_of_fragment(contents[0].get("value", ""))))
        source_sha = raw.sha256
    else:
        page = _fetch_post_page(fetcher, permalink, result)
        if page is None:
            return None
        body, source_sha = page
    labels = [tag.get("term", "") for tag in entry.get("tags", []) if tag.get("term")]
    return Document(
        source_id=source.id, kind=BLOG_POST, key=str(key), url=permalink,
        title=entry.get("title", ""), body=body, author=_author(entry),
        published_at=_feed_time(entry.get("published") or entry.get("updated")),
        labels=labels, raw_sha256=source_sha,
    )


def _author(entry: dict) -> str | None:
    """The author's name only: feedparser's `author` appends Blogger's placeholder e-mail."""
    name = (entry.get("author_detail") or {}).get("name") or entry.get("author") or ""
    return name.strip() or None


def _feed_time(value: str | None) -> datetime | None:
    """A feed timestamp as an aware datetime (Blogger writes ISO 8601 with an offset)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return parse_date(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _fetch_post_page(fetcher: Fetcher, url: str, result: Extraction) -> tuple[str, str] | None:
    """Body text and raw hash of a single post page."""
    try:
        raw = fetcher.get(url)
    except FetchError as exc:
        result.failures.append(FetchFailure(url, exc.reason, exc.status, exc.attempts))
        return None
    if raw.status != 200:
        result.failures.append(FetchFailure(url, f"post page answered HTTP {raw.status}", raw.status))
        return None
    result.raw.append(raw)
    post = soup_of(raw).select_one(".post-outer .post, .post.hentry, article.post")
    body = post.select_one(".post-body") if post else None
    if body is None:
        result.failures.append(FetchFailure(url, "no .post-body on the post page (template changed?)"))
        return None
    return block_text(strip_boilerplate(body)), raw.sha256


def _walk_html(source: SourceConfig, fetcher: Fetcher, root: str, result: Extraction) -> None:
    """Read index pages newest first, following the older-posts link to the end."""
    url: str | None = root
    seen: set[str] = set()
    while url and url not in seen and len(seen) < MAX_PAGES:
        seen.add(url)
        try:
            raw = fetcher.get(url)
        except FetchError as exc:
            result.failures.append(FetchFailure(url, exc.reason, exc.status, exc.attempts))
            if url == root:
                raise
            return
        if raw.status != 200:
            if url == root:
                raise FetchError(url, f"blog home page answered HTTP {raw.status}", raw.status)
            result.failures.append(FetchFailure(url, f"index page answered HTTP {raw.status}", raw.status))
            return
        result.raw.append(raw)
        soup = soup_of(raw)
        posts = _index_posts(source, fetcher, soup, raw, result)
        if url == root and not posts:
            raise FetchError(url, "no posts found on the blog home page (not a classic Blogger template?)")
        result.documents.extend(posts)
        older = soup.select_one("#blog-pager-older-link a, a.blog-pager-older-link")
        url = urljoin(raw.final_url, older["href"]) if older and older.get("href") else None


def _index_posts(source: SourceConfig, fetcher: Fetcher, soup: BeautifulSoup, raw: RawResponse,
                 result: Extraction) -> list[Document]:
    """Every post on one index page, dated by abbr.published or its date header."""
    documents = []
    for outer in soup.select(".date-outer"):
        header_date = parse_date(text_of(outer.select_one(".date-header")))
        for post in outer.select(".post-outer .post, .post-outer article"):
            document = _html_post(source, fetcher, post, header_date, raw, result)
            if document is not None:
                documents.append(document)
    return documents


def _html_post(source: SourceConfig, fetcher: Fetcher, post: Tag, header_date: datetime | None,
               raw: RawResponse, result: Extraction) -> Document | None:
    """One post element of the classic template as a Document."""
    title_el = post.select_one(".post-title")
    link = (title_el.select_one("a[href]") if title_el else None) or post.select_one("a.timestamp-link[href]")
    permalink = urljoin(raw.final_url, link["href"]) if link else None
    post_id = post.select_one("meta[itemprop=postId]")
    key = post_id.get("content") if post_id else None
    key = key or (post.find("a", attrs={"name": re.compile(r"^\d+$")}) or {}).get("name") or permalink
    if not key or not permalink:
        result.failures.append(FetchFailure(raw.url, f"post without id or permalink: {text_of(title_el)!r}"))
        return None
    body_el = post.select_one(".post-body")
    if body_el is None:
        result.failures.append(FetchFailure(raw.url, f"post {key} has no .post-body (template changed?)"))
        return None
    if body_el.select_one(".jump-link"):
        page = _fetch_post_page(fetcher, permalink, result)
        if page is None:
            return None
        body, source_sha = page
    else:
        body, source_sha = block_text(strip_boilerplate(body_el)), raw.sha256
    published = post.select_one("abbr.published[title], time[datetime]")
    stamp = published.get("title") or published.get("datetime") if published else None
    author = text_of(post.select_one(".post-author .fn, .post-author [itemprop=name]"))
    return Document(
        source_id=source.id, kind=BLOG_POST, key=str(key), url=permalink, title=text_of(title_el), body=body,
        author=author or None, published_at=_feed_time(stamp) or header_date,
        labels=[text_of(a) for a in post.select(".post-labels a[rel=tag]")], raw_sha256=source_sha,
    )
