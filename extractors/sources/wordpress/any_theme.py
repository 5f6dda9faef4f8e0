"""A WordPress post page in any theme: the body by trafilatura, metadata from what the page states.

Used when the page lacks the core/Twenty* markup (`article#post-ID` with `.entry-content`), or that markup
holds neither text nor media (page builders); the post id then comes from the body class, the shortlink or the
REST link that wp_head() prints. Plugin blocks and widget areas are dropped first (their campaign texts carry
topic words); trafilatura then runs with its default precision, measured best on real WordPress pages once
the widget areas are gone (benchmarks/realpages.py). Title and date come from extractors.html.page_meta.
"""

from __future__ import annotations

from datetime import UTC
from urllib.parse import urljoin, urlsplit

import trafilatura

from extractors.html import page_meta
from extractors.html.tree import decode_html
from extractors.sources.wordpress.settings import (
    CONTENT_BOILERPLATE,
    PROTECTED_PREFIX,
    TRAFILATURA_OPTIONS,
    WIDGETS,
)
from records import BLOG_POST, Document, RawResponse
from records.dates import parse_date


def parse_any_theme(source_id: str, raw: RawResponse, key: str | None, *, protected: bool = False) -> Document:
    """Post `key`'s page as a Document; raises ValueError when the page has neither a title nor any text.

    Without a post id (`key` None), a page that declares itself an article (og:type, JSON-LD) is keyed by its
    canonical URL; any other page is refused. A password-protected post (`protected`: the page shows
    WordPress's password form) keeps only its title.
    """
    tree = trafilatura.load_html(decode_html(raw))
    if tree is None:
        raise ValueError("empty or unparseable HTML")
    canonical = _absolute(raw.final_url, next(iter(tree.xpath("//link[@rel='canonical']/@href")), "").strip())
    if key is None and not page_meta.is_article(tree):
        raise ValueError("no post id (article#post-ID, body class postid-ID, shortlink or REST link) and not "
                         "marked as an article (og:type, JSON-LD)")
    key = key or canonical
    for tag in [*CONTENT_BOILERPLATE.all(tree), *WIDGETS.all(tree)]:
        if tag.getparent() is not None:
            tag.drop_tree()
    extracted = trafilatura.bare_extraction(tree, url=raw.final_url, **TRAFILATURA_OPTIONS)
    text = (extracted.text or "").strip() if extracted is not None and not protected else ""
    title = page_meta.title(tree, (extracted.sitename or "") if extracted is not None else "")
    if protected:
        title = PROTECTED_PREFIX.sub("", title)
    if not title and not text:
        raise ValueError(f"post {key} has neither a title nor any text")
    published = page_meta.published(tree, canonical) or page_meta.guessed_date(tree, canonical)
    modified = parse_date(page_meta.modified(tree) or "")
    author = (extracted.author if extracted is not None else None) or next(iter(page_meta.author_names(tree)), None)
    labels = list(dict.fromkeys([*(extracted.categories or []), *(extracted.tags or [])])) if extracted else []
    return Document(
        source_id=source_id, kind=BLOG_POST, key=key, url=canonical, title=title,
        body=_without_title(text, title), author=author or None,
        published_at=published.astimezone(UTC) if published else None, labels=[lb for lb in labels if lb],
        raw_sha256=raw.sha256,
        marker=modified.astimezone(UTC).isoformat(timespec="seconds") if modified else None,
    )


def _absolute(base: str, href: str) -> str:
    """`href` resolved against `base` when it is http(s), else `base`."""
    url = urljoin(base, href) if href else base
    return url if urlsplit(url).scheme in ("http", "https") else base


def _without_title(text: str, title: str) -> str:
    """The text without a first line that repeats the title."""
    lines = text.split("\n")
    return "\n".join(lines[1:] if lines and " ".join(lines[0].split()) == title else lines).strip()
