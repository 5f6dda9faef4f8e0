"""WordPress theme HTML: archive pages, single post pages, and the post-body cleaner every WordPress path uses.

Selectors are the ones WordPress core and the Twenty* themes emit and most branch themes keep
(`article#post-ID`, `.entry-title`, `time.entry-date.published`, `.entry-content`, `a[rel~=category]`,
`a[rel~=tag]`), each with the fallbacks older themes use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

from lxml import etree

from extractors.html import page_meta
from extractors.html.css import Selector
from extractors.html.tree import (
    block_text,
    classes,
    first_tag,
    remove,
    strip_boilerplate,
    text_of,
    tree_of,
    tree_of_fragment,
)
from extractors.sources.wordpress.any_theme import parse_any_theme
from extractors.sources.wordpress.settings import (
    ARCHIVE_BODY_CLASSES,
    AUTHOR,
    CANONICAL,
    CONTENT_BOILERPLATE,
    ENTRY_CONTENT,
    ENTRY_TITLE,
    LABEL_LINKS,
    MEDIA,
    MODIFIED_META,
    NEXT_PAGE,
    PAGINATION,
    PASSWORD_FORM,
    PERMALINK,
    POST_ARTICLE,
    POST_ID,
    POST_ID_CLASS,
    PROTECTED_PREFIX,
    PUBLISHED,
    REST_LINK,
    REST_POST_ID,
    SHORTLINK,
    SHORTLINK_ID,
    UPDATED,
)
from records import BLOG_POST, Document, RawResponse
from records.dates import parse_date


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


def clean_body(container: etree._Element) -> str:
    """Readable text of post content without share buttons, likes, related posts or a password form."""
    for tag in CONTENT_BOILERPLATE.all(container):
        remove(tag)
    return block_text(strip_boilerplate(container))


def is_protected(container: etree._Element) -> bool:
    """True when the content is WordPress's password form instead of the post."""
    return PASSWORD_FORM.first(container) is not None


def fragment_body(fragment: str) -> str:
    """Body text of rendered content HTML (REST `content.rendered`, feed `content:encoded`)."""
    return clean_body(tree_of_fragment(fragment))


def title_text(rendered: str) -> str:
    """A rendered title (HTML) as text: entities decoded, markup dropped, whitespace-only titles empty."""
    return text_of(tree_of_fragment(rendered))


def unmarked_title(title: str, protected: bool) -> str:
    """A title without the "Protected: " mark themes and feeds add to password-protected posts."""
    title = " ".join(title.split())
    return PROTECTED_PREFIX.sub("", title) if protected else title


def archive_entries(raw: RawResponse) -> tuple[list[ArchiveEntry], list[str], bool]:
    """The posts an archive page lists, problems with any of them, and whether an older page may follow."""
    document = tree_of(raw)
    entries, problems = [], []
    for article in POST_ARTICLE.all(document):
        key = _post_id(article)
        link = _first(article, PERMALINK)
        if key is None or link is None:
            problems.append(f"archive entry without post id or permalink: {article.get('id')!r}")
            continue
        entries.append(ArchiveEntry(
            key=key, url=urljoin(raw.final_url, link.get("href")),
            marker=stamp(_attr(_first(article, UPDATED), "datetime")),
            published=utc(_attr(_first(article, PUBLISHED), "datetime")),
        ))
    return entries, problems, _has_next(document)


def parse_post_page(source_id: str, raw: RawResponse) -> Document:
    """A single post page as a Document; raises ValueError for anything else (archives, 404 pages)."""
    document = tree_of(raw)
    body_tag = first_tag(document, "body")
    body_classes = set(classes(body_tag)) if body_tag is not None else set()
    if body_classes & ARCHIVE_BODY_CLASSES and "single" not in body_classes:
        raise ValueError("an archive page, not a single post")
    articles = POST_ARTICLE.all(document)
    article = articles[0] if len(articles) == 1 else None
    key = (_post_id(article) if article is not None else None) or _page_post_id(document, body_classes)
    content = ENTRY_CONTENT.first(article) if article is not None else None
    if article is None or content is None:
        return parse_any_theme(source_id, raw, key, protected=is_protected(document))
    if key is None:
        raise ValueError("no post id (article#post-ID, body class postid-ID, shortlink or REST link)")
    protected = is_protected(content)
    heading = ENTRY_TITLE.first(article)
    # Themes print no heading for an untitled post; page_meta then finds only the site name and gives "".
    title = unmarked_title(text_of(heading) if heading is not None else page_meta.title(document), protected)
    body = clean_body(content)
    if not body and not protected and MEDIA.first(content) is None:  # a page builder's sections outside it
        return parse_any_theme(source_id, raw, key)
    if not title and not body:
        raise ValueError(f"post {key} has neither a title nor any text")
    canonical = CANONICAL.first(document)
    updated = _attr(_first(article, UPDATED), "datetime") or _attr(MODIFIED_META.first(document), "content")
    author = text_of(_first(article, AUTHOR))
    url = urljoin(raw.final_url, canonical.get("href")) if canonical is not None else raw.final_url
    published = utc(_attr(_first(article, PUBLISHED), "datetime"))
    if published is None or not page_meta.fits_permalink(published, url):  # a theme's time of another month
        published = page_meta.page_date(document, raw) or published
    return Document(
        source_id=source_id, kind=BLOG_POST, key=key,
        url=url, title=title, body=body, author=author or None, published_at=published,
        labels=_labels(article), raw_sha256=raw.sha256, marker=stamp(updated),
    )


def _labels(article: etree._Element) -> list[str]:
    """Category names, then tag names ("category tag" links are categories), without repeats."""
    links = LABEL_LINKS.all(article)
    categories = [text_of(a) for a in links if "category" in a.get("rel", "").split()]
    tags = [text_of(a) for a in links if "category" not in a.get("rel", "").split()]
    return list(dict.fromkeys(name for name in categories + tags if name))


def _post_id(article: etree._Element) -> str | None:
    """The post id from `id="post-123"`, else from a `post-123` class."""
    match = POST_ID.match(article.get("id", ""))
    if match:
        return match[1]
    return next((m[1] for c in classes(article) if (m := POST_ID_CLASS.match(c))), None)


def _page_post_id(document: etree._Element, body_classes: set[str]) -> str | None:
    """The post id from the body's `postid-123` class, the shortlink, or the REST link of wp_head()."""
    found = next((m[1] for c in body_classes if (m := POST_ID_CLASS.match(c))), None)
    shortlink = SHORTLINK.first(document)
    match = SHORTLINK_ID.search(shortlink.get("href")) if shortlink is not None else None
    rest = REST_LINK.first(document)
    rest_match = REST_POST_ID.search(rest.get("href")) if rest is not None else None
    return found or (match[1] if match else None) or (rest_match[1] if rest_match else None)


def _has_next(document: etree._Element) -> bool:
    """An older page may follow unless the page has pagination links and none points onwards."""
    if _first(document, NEXT_PAGE) is not None:
        return True
    return PAGINATION.first(document) is None


def _first(root: etree._Element, selectors: tuple[Selector, ...]) -> etree._Element | None:
    """The first element matching the earliest selector that matches at all."""
    for selector in selectors:
        found = selector.first(root)
        if found is not None:
            return found
    return None


def _attr(tag: etree._Element | None, name: str) -> str | None:
    """An attribute of an optional tag."""
    return tag.get(name) if tag is not None else None
