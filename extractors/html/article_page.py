"""Article pages: decode, extract the main text with trafilatura, and read title, date and author.

trafilatura finds the article text and drops navigation, widgets, cookie banners and footers; it runs with
`include_comments=False` (its default keeps reader comments) and `favor_precision=True`. The date is the
feed entry's when it gives one, else the page's own timestamp (extractors.html.page_meta: article:published_time,
JSON-LD datePublished, `<time datetime>`), else htmldate's reading of the page text (date only, midnight
UTC). A feed entry, when there is one, outranks the page for the key, title, author and labels; the title
is extractors.html.page_meta's (never the site name or the author). Pages always come from the project's
fetcher: trafilatura's own fetch_url would bypass robots.txt and the per-host delay (and refuses loopback).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml.html import HtmlElement

from extractors.html import page_meta
from extractors.html.tree import decode_html
from records import ARTICLE, Document, RawResponse
from records.urls import canonical_url

TRAFILATURA_OPTIONS: dict[str, Any] = {
    "include_comments": False,  # on by default, and extract() then appends reader comments to the text
    "favor_precision": True,  # drops "Back to …" links and widget leftovers at the edges of the text
    "include_tables": True,
    "with_metadata": True,
    # The date is read from the page's metadata here (see above); this keeps htmldate's share of the time small.
    "date_extraction_params": {"extensive_search": False, "original_date": True},
}
# WHATWG's fallback for pages that declare nothing and are not UTF-8, for English-language locales.
# Statistical detectors guess windows-1250 for English text with a few £ and curly quotes (£ becomes Ł).


@dataclass(frozen=True)
class FeedEntry:
    """What a feed says about one item; it outranks the page for key, title, author and labels."""

    key: str
    link: str
    title: str = ""
    author: str | None = None
    published: datetime | None = None
    marker: str | None = None
    labels: list[str] = field(default_factory=list)
    content: str | None = None  # full-text HTML when the feed carries the whole item, else None
    summary: str | None = None  # the longer of the feed's summary and teaser HTML: the body if the page is gone


def parse_article(source_id: str, raw: RawResponse, *, entry: FeedEntry | None = None,
                  favor_precision: bool = True) -> Document:
    """One article page as a Document; raises ValueError when no article text can be found.

    `favor_precision` off keeps trafilatura's default balance, for pages whose caller knows them to be one
    post (a blog's post page in an unknown template).
    """
    tree = trafilatura.load_html(decode_html(raw))
    if tree is None:
        raise ValueError("empty or unparseable HTML")
    url = _canonical_link(tree, raw.final_url)
    published = ((entry.published if entry else None) or page_meta.published(tree, url)
                 or page_meta.guessed_date(tree, url))
    options = {**TRAFILATURA_OPTIONS, "favor_precision": favor_precision}
    extracted = trafilatura.bare_extraction(tree, url=url, **options)
    if extracted is None or not (extracted.text or "").strip():
        raise ValueError("no article text found on the page")
    own_title = page_meta.title(tree, extracted.sitename or "")
    title = (entry.title if entry else "") or own_title  # none: the pipeline titles it by its first words
    return Document(
        source_id=source_id, kind=ARTICLE, key=entry.key if entry else canonical_url(url), url=url, title=title,
        body=_without_title(extracted.text, own_title),
        author=(entry.author if entry else None) or extracted.author or None,
        published_at=published.astimezone(UTC) if published else None,
        labels=(entry.labels if entry else []) or _labels(extracted.categories, extracted.tags),
        raw_sha256=raw.sha256, marker=entry.marker if entry else None,
    )


def _canonical_link(tree: HtmlElement, final_url: str) -> str:
    """The page's rel=canonical URL when it is http(s), else the URL it was fetched from."""
    for href in tree.xpath("//link[@rel='canonical']/@href"):
        url = urljoin(final_url, href.strip())
        if urlsplit(url).scheme in ("http", "https"):
            return url
    return final_url


def _without_title(text: str, title: str) -> str:
    """The main text without a first line that repeats the title (an <h1> inside the <article>)."""
    lines = text.strip().split("\n")
    return "\n".join(lines[1:] if " ".join(lines[0].split()) == title else lines).strip()


def _labels(categories: list[str] | None, tags: list[str] | None) -> list[str]:
    """The page's categories and tags, once each."""
    return list(dict.fromkeys(label for label in (categories or []) + (tags or []) if label))
