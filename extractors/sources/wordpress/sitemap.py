"""WordPress post URLs from XML sitemaps and from archive links, whatever the theme.

Sitemaps: the `Sitemap:` lines of robots.txt, then WordPress core's `/wp-sitemap.xml` (5.5+), then the SEO
plugins' indexes (`/sitemap_index.xml` of Yoast and Rank Math, `/sitemap.xml` of All in One SEO and Jetpack).
An index is followed to its post sitemaps only (`wp-sitemap-posts-post-N.xml`, `post-sitemapN.xml`), or to
every child that is not a page, taxonomy, author or media sitemap when none is named for posts. Parsed with
lxml (entities and network access off); the sitemap protocol's `<lastmod>` is the post's modification time.

Archive links: on archive pages without the core markup, a post is a link whose path has a permalink shape
(`/YYYY/MM/DD/slug/`, `/YYYY/MM/slug/`, `/?p=ID`) or is marked `rel="bookmark"`, on the site's own host.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree

from extractors.html.tree import tree_of
from extractors.sources.wordpress.settings import (
    MAX_SITEMAPS,
    NOT_POSTS,
    PERMALINK_SHAPES,
    POST_SITEMAP,
    QUERY_POST,
)
from records import RawResponse
from records.dates import parse_date

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)


@dataclass(frozen=True)
class SitemapUrl:
    """One `<url>` of a urlset: the page and its modification time as written."""

    url: str
    lastmod: datetime | None


def parse_sitemap(raw: RawResponse) -> tuple[list[SitemapUrl], list[str]]:
    """The URLs of a urlset, or the child sitemaps of an index; ValueError when the body is not a sitemap."""
    try:
        root = etree.fromstring(raw.body.strip(), PARSER)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not XML ({exc})") from None
    kind = etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        raise ValueError(f"XML that is not a sitemap (<{kind}>)")
    entries: list[SitemapUrl] = []
    children: list[str] = []
    for item in root:
        if not isinstance(item.tag, str):
            continue
        fields = {etree.QName(child).localname: (child.text or "").strip() for child in item
                  if isinstance(child.tag, str)}
        loc = fields.get("loc")
        if not loc:
            continue
        if kind == "sitemapindex":
            children.append(urljoin(raw.final_url, loc))
        else:
            entries.append(SitemapUrl(urljoin(raw.final_url, loc), parse_date(fields.get("lastmod", ""))))
    return entries, children


def post_sitemaps(children: list[str]) -> list[str]:
    """The children of a sitemap index that list posts."""
    named = [url for url in children if POST_SITEMAP.search(urlsplit(url).path)]
    return (named or [url for url in children if not NOT_POSTS.search(urlsplit(url).path)])[:MAX_SITEMAPS]


def is_post_url(url: str, root: str) -> bool:
    """True when `url` is on the site's host and has the shape of a post permalink."""
    parts, home = urlsplit(url), urlsplit(root)
    if parts.netloc != home.netloc or parts.scheme not in ("http", "https"):
        return False
    if parts.path in ("", "/") and QUERY_POST.search(parts.query):
        return True
    return not parts.query and any(shape.match(parts.path) for shape in PERMALINK_SHAPES)


def archive_links(raw: RawResponse, root: str) -> tuple[list[str], str | None]:
    """Post links of an archive page in page order (by permalink shape or rel=bookmark), and the next page."""
    document = tree_of(raw)
    links: list[str] = []
    for anchor in document.iter("a"):
        href = anchor.get("href")
        if not href:
            continue
        url = urljoin(raw.final_url, href.strip()).split("#")[0]
        bookmark = "bookmark" in (anchor.get("rel") or "").split()
        if (bookmark and urlsplit(url).netloc == urlsplit(root).netloc) or is_post_url(url, root):
            links.append(url)
    following = [a.get("href") for a in document.iter("a", "link") if "next" in (a.get("rel") or "").split()
                 and a.get("href")]
    return list(dict.fromkeys(links)), urljoin(raw.final_url, following[0]) if following else None
