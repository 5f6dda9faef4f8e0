"""WordPress theme HTML: archive pages, single post pages, and the post-body cleaner every WordPress path uses.

Selectors are the ones WordPress core and the Twenty* themes emit and most branch themes keep
(`article#post-ID`, `.entry-title`, `time.entry-date.published`, `.entry-content`, `a[rel~=category]`,
`a[rel~=tag]`), each with the fallbacks older themes use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from extractors.html import block_text, soup_of, soup_of_fragment, strip_boilerplate, text_of
from extractors.records import BLOG_POST, Document, RawResponse
from transforms.dates import parse_date

POST_ARTICLE = "article[id^=post-]"
POST_ID = re.compile(r"^post-(\d+)$")
POST_ID_CLASS = re.compile(r"^(?:post|postid)-(\d+)$")
SHORTLINK_ID = re.compile(r"[?&]p=(\d+)\b")
PERMALINK = (".entry-title a[href]", "a[rel~=bookmark][href]")
# Tried in order (a selector group would return the first match in document order instead).
PUBLISHED = ("time.entry-date.published[datetime]", "time.published[datetime]", "time.entry-published[datetime]",
             "time.entry-date[datetime]", "time[datetime]")
UPDATED = ("time.updated[datetime]",)
MODIFIED_META = "meta[property='article:modified_time'][content]"
AUTHOR = (".byline .author .fn", ".byline .author a", ".author.vcard .fn", "a[rel~=author]", ".author.vcard")
# Plugins put these inside the content; html.strip_boilerplate misses Jetpack's run-together class names.
CONTENT_BOILERPLATE = (".sharedaddy", ".jetpack-likes-widget-wrapper", "#jp-relatedposts", ".jp-relatedposts",
                       ".wp-block-jetpack-related-posts", ".yarpp-related", ".crp_related",
                       ".addtoany_share_save_container")
PASSWORD_FORM = "form.post-password-form"
# get_the_title() marks protected posts for readers; the REST API leaves the mark out, so it is not title text.
PROTECTED_PREFIX = re.compile(r"^Protected:\s*")
ARCHIVE_BODY_CLASSES = frozenset({"home", "blog", "archive", "search", "paged"})
NEXT_PAGE = ("a.next.page-numbers[href]", ".nav-previous a[href]", "a[rel=next][href]")
PAGINATION = "nav.pagination, nav.navigation, .nav-links, .posts-navigation"


@dataclass(frozen=True)
class ArchiveEntry:
    """One post as an archive page lists it: enough to decide whether to fetch the post's own page."""

    key: str
    url: str
    marker: str | None  # the post's modification time (UTC ISO), when the theme prints it
    published: datetime | None


def stamp(value: str | None) -> str | None:
    """A WordPress time as the marker form shared by every path: ISO 8601 in UTC, naive values taken as UTC."""
    moment = parse_date(value or "")
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def utc(value: str | None) -> datetime | None:
    """A WordPress time as an aware UTC datetime (naive values, like REST `date_gmt`, are UTC already)."""
    moment = parse_date(value or "")
    return moment.astimezone(UTC) if moment else None


def clean_body(container: Tag) -> str:
    """Readable text of post content without share buttons, likes, related posts or a password form."""
    for tag in container.select(", ".join(CONTENT_BOILERPLATE)):
        if not tag.decomposed:
            tag.decompose()
    return block_text(strip_boilerplate(container))


def is_protected(container: Tag) -> bool:
    """True when the content is WordPress's password form instead of the post."""
    return container.select_one(PASSWORD_FORM) is not None


def fragment_body(fragment: str) -> tuple[str, bool]:
    """Body text of rendered content HTML (REST `content.rendered`, feed `content:encoded`) and whether it is locked."""
    soup = soup_of_fragment(fragment)
    return clean_body(soup), is_protected(soup)


def title_text(rendered: str) -> str:
    """A rendered title (HTML) as text: entities decoded, markup dropped, whitespace-only titles empty."""
    return text_of(soup_of_fragment(rendered))


def unmarked_title(title: str, protected: bool) -> str:
    """A title without the "Protected: " mark themes and feeds add to password-protected posts."""
    title = " ".join(title.split())
    return PROTECTED_PREFIX.sub("", title) if protected else title


def archive_entries(raw: RawResponse) -> tuple[list[ArchiveEntry], list[str], bool]:
    """The posts an archive page lists, problems with any of them, and whether an older page may follow."""
    soup = soup_of(raw)
    entries, problems = [], []
    for article in soup.select(POST_ARTICLE):
        key = _post_id(article)
        link = _first(article, PERMALINK)
        if key is None or link is None:
            problems.append(f"archive entry without post id or permalink: {article.get('id')!r}")
            continue
        entries.append(ArchiveEntry(
            key=key, url=urljoin(raw.final_url, link["href"]),
            marker=stamp(_attr(_first(article, UPDATED), "datetime")),
            published=utc(_attr(_first(article, PUBLISHED), "datetime")),
        ))
    return entries, problems, _has_next(soup)


def parse_post_page(source_id: str, raw: RawResponse) -> Document:
    """A single post page as a Document; raises ValueError for anything else (archives, 404 pages)."""
    soup = soup_of(raw)
    classes = set(soup.body.get("class", [])) if soup.body else set()
    if classes & ARCHIVE_BODY_CLASSES and "single" not in classes:
        raise ValueError("an archive page, not a single post")
    articles = soup.select(POST_ARTICLE)
    if len(articles) != 1:
        raise ValueError(f"expected one article#post-ID, found {len(articles)}")
    article = articles[0]
    key = _post_id(article) or _page_post_id(soup, classes)
    content = article.select_one(".entry-content")
    if key is None or content is None:
        raise ValueError("no post id or no .entry-content (theme changed?)")
    protected = is_protected(content)
    title = unmarked_title(text_of(article.select_one(".entry-title")), protected)
    body = clean_body(content)
    if not title and not body:
        raise ValueError(f"post {key} has neither a title nor any text")
    canonical = soup.select_one("link[rel=canonical][href]")
    updated = _attr(_first(article, UPDATED), "datetime") or _attr(soup.select_one(MODIFIED_META), "content")
    author = text_of(_first(article, AUTHOR))
    return Document(
        source_id=source_id, kind=BLOG_POST, key=key,
        url=urljoin(raw.final_url, canonical["href"]) if canonical else raw.final_url,
        title=title, body=body, author=author or None,
        published_at=utc(_attr(_first(article, PUBLISHED), "datetime")),
        labels=_labels(article), raw_sha256=raw.sha256, marker=stamp(updated),
    )


def _labels(article: Tag) -> list[str]:
    """Category names, then tag names ("category tag" links are categories), without repeats."""
    links = article.select("a[rel~=category], a[rel~=tag]")
    categories = [text_of(a) for a in links if "category" in a.get("rel", [])]
    tags = [text_of(a) for a in links if "category" not in a.get("rel", [])]
    return list(dict.fromkeys(name for name in categories + tags if name))


def _post_id(article: Tag) -> str | None:
    """The post id from `id="post-123"`, else from a `post-123` class."""
    match = POST_ID.match(article.get("id", ""))
    if match:
        return match[1]
    return next((m[1] for c in article.get("class", []) if (m := POST_ID_CLASS.match(c))), None)


def _page_post_id(soup: BeautifulSoup, body_classes: set[str]) -> str | None:
    """The post id from the body's `postid-123` class or the shortlink."""
    found = next((m[1] for c in body_classes if (m := POST_ID_CLASS.match(c))), None)
    shortlink = soup.select_one("link[rel=shortlink][href]")
    match = SHORTLINK_ID.search(shortlink["href"]) if shortlink else None
    return found or (match[1] if match else None)


def _has_next(soup: BeautifulSoup) -> bool:
    """An older page may follow unless the page has pagination links and none points onwards."""
    if _first(soup, NEXT_PAGE) is not None:
        return True
    return soup.select_one(PAGINATION) is None


def _first(root: Tag, selectors: tuple[str, ...]) -> Tag | None:
    """The first element matching the earliest selector that matches at all."""
    for selector in selectors:
        found = root.select_one(selector)
        if found is not None:
            return found
    return None


def _attr(tag: Tag | None, name: str) -> str | None:
    """An attribute of an optional tag."""
    value = tag.get(name) if tag is not None else None
    return value if isinstance(value, str) else None
