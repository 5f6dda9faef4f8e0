"""A WordPress-style local-news site: RSS 2.0, Atom and RDF feeds of summaries, and full-theme article pages.

Feed shapes follow real WordPress output: `/feed/` (RSS 2.0 with `?p=N` guids, `dc:creator`, a description
excerpt and no `content:encoded` unless `full_content`), paged with `?paged=N` and 404 past the last page;
`/feed/atom/` (same pages, with RFC 5005 `rel="next"` links); `/feed/rdf/` (RSS 1.0, every item, `dc:date`);
`/feed/json/` (JSON Feed 1.1, every item with its full text, as the WordPress JSON Feed plugin writes it).
An untitled item has no `<title>` in RSS and no heading on its page.
Article pages carry everything a real theme and its plugins add around the article: cookie banner, header
and menu, share buttons and a "Related" list inside the content, a "Most read" widget, reader comments (all
with decoy topic words), and a footer "© 2024". Dates are given as `<time datetime>` plus
`article:published_time`, or only as JSON-LD. Items of kind PDF answer with a PDF, withdrawn ones with 404.
Links and guids are built from the Host header the request arrived with.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from html import escape

from demo.news_content import (
    ARTICLE,
    CHARSET_HEADER,
    CHARSET_META,
    CHARSET_NONE,
    DATES_JSON_LD,
    MOST_READ,
    PDF,
    RELATED,
    SITE_NAME,
    SITE_TAGLINE,
    NewsItem,
)
from demo.server import TEXT_TYPE, Request, Response

RSS_TYPE = "application/rss+xml; charset=UTF-8"
ATOM_TYPE = "application/atom+xml; charset=UTF-8"
RDF_TYPE = "application/rdf+xml; charset=UTF-8"
JSON_FEED_TYPE = "application/feed+json; charset=UTF-8"
PDF_TYPE = "application/pdf"
UTF8_HTML = "text/html; charset=UTF-8"
BARE_HTML = "text/html"  # what old CMS templates send: no charset, the page has to say (or not)
META_CHARSET = {CHARSET_HEADER: "UTF-8", CHARSET_META: "windows-1252", CHARSET_NONE: ""}  # "" leaves it out
RSS_PATH, ATOM_PATH, RDF_PATH, JSON_PATH = "/feed/", "/feed/atom/", "/feed/rdf/", "/feed/json/"
ARTICLE_PATH = re.compile(r"^/news/(\d{4})/(\d{2})/([a-z0-9-]+)/$")
GENERATOR = "https://wordpress.org/?v=6.4.3"
ROBOTS_TXT = "User-agent: *\nDisallow: /wp-admin/\n"
COOKIE_TEXT = "We use cookies to count visits and remember your choices. Some are set by advertisers."
FOOTER_TEXT = "\u00a9 2024 Eastbridge Chronicle Ltd. Part of the Marsh Valley News group. All rights reserved."
NEWSLETTER_TEXT = "Get the Chronicle\u2019s council briefing in your inbox every Friday."
MENU = (("News", "/news/"), ("Council", "/category/council/"), ("Jobs", "/category/jobs/"),
        ("Health", "/category/health/"), ("Contact", "/contact/"))
# A minimal valid PDF: what matters is the Content-Type, and that the bytes are not HTML.
PDF_BODY = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def _rfc822(moment: dt.datetime) -> str:
    """WordPress's RSS pubDate: always in UTC, e.g. "Tue, 12 Mar 2024 09:15:00 +0000"."""
    return moment.astimezone(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


def _w3c(moment: dt.datetime) -> str:
    """Atom/RDF/page timestamp, in UTC like WordPress's feeds: "2024-03-12T09:15:00Z"."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _local_iso(moment: dt.datetime) -> str:
    """Page timestamp in the site's local time, e.g. "2023-10-19T15:45:00+01:00"."""
    return moment.isoformat(timespec="seconds")


def _day(moment: dt.datetime) -> str:
    """The date as the theme prints it: "12 March 2024"."""
    return f"{moment.day} {moment:%B %Y}"


def _xml(text: str) -> str:
    """Escape text for XML content or a quoted attribute."""
    return escape(text, quote=True)


def _cdata(text: str) -> str:
    """Wrap text in CDATA as WordPress does (splitting any "]]>")."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _paragraphs_html(item: NewsItem) -> str:
    """The article body as the editor wrote it."""
    return "\n".join(f"<p>{escape(p, quote=False)}</p>" for p in item.paragraphs)


class NewsSite:
    """The news site; reads `self.items` on each request, so tests may add or edit items between crawls."""

    def __init__(self, items: list[NewsItem], page_size: int = 5, full_content: bool = False) -> None:
        self.items = items
        self.page_size = page_size  # WordPress "Syndication feeds show the most recent N items"
        self.full_content = full_content  # "For each post in a feed, include: Full text" instead of excerpts

    def handle(self, request: Request) -> Response:
        """Route one request."""
        path = request.path
        if path == "/robots.txt":
            return Response.text(ROBOTS_TXT, content_type=TEXT_TYPE)
        if path == "/":
            return self._home(request)
        if path in (RSS_PATH, ATOM_PATH):
            return self._paged_feed(request)
        if path == RDF_PATH:
            return Response.text(self._rdf(request.host_url, self._newest_first()), content_type=RDF_TYPE)
        if path == JSON_PATH:
            return Response.text(self._json_feed(request.host_url), content_type=JSON_FEED_TYPE)
        item = next((i for i in self.items if i.path == path), None)
        if item is not None and item.kind == PDF:
            return Response(200, PDF_BODY, {"Content-Type": PDF_TYPE})
        if item is not None and item.kind == ARTICLE:
            return self._article(request.host_url, item)
        return self._not_found(request)

    def _newest_first(self) -> list[NewsItem]:
        """Every item in feed order."""
        return sorted(self.items, key=lambda i: i.published, reverse=True)

    # Feeds

    def _paged_feed(self, request: Request) -> Response:
        """One page of the RSS or Atom feed; WordPress answers 404 past the last page."""
        paged = request.arg("paged") or "1"
        items = self._newest_first()
        pages = max(1, math.ceil(len(items) / self.page_size))
        if not paged.isdigit() or not 1 <= int(paged) <= pages:
            return self._not_found(request)
        page = int(paged)
        shown = items[(page - 1) * self.page_size: page * self.page_size]
        if request.path == ATOM_PATH:
            return Response.text(self._atom(request.host_url, shown, page, pages), content_type=ATOM_TYPE)
        return Response.text(self._rss(request.host_url, shown, page), content_type=RSS_TYPE)

    def _rss(self, host: str, items: list[NewsItem], page: int) -> str:
        """RSS 2.0 as WordPress writes it (no paging links: clients must know `?paged=`)."""
        self_url = host + RSS_PATH + (f"?paged={page}" if page > 1 else "")
        entries = "\n".join(self._rss_item(host, item) for item in items)
        built = max((i.last_updated for i in self.items), default=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
        return f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
\txmlns:content="http://purl.org/rss/1.0/modules/content/"
\txmlns:wfw="http://wellformedweb.org/CommentAPI/"
\txmlns:dc="http://purl.org/dc/elements/1.1/"
\txmlns:atom="http://www.w3.org/2005/Atom"
\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
\txmlns:slash="http://purl.org/rss/1.0/modules/slash/"
\t>
<channel>
\t<title>{_xml(SITE_NAME)}</title>
\t<atom:link href="{_xml(self_url)}" rel="self" type="application/rss+xml" />
\t<link>{host}/</link>
\t<description>{_xml(SITE_TAGLINE)}</description>
\t<lastBuildDate>{_rfc822(built)}</lastBuildDate>
\t<language>en-GB</language>
\t<sy:updatePeriod>hourly</sy:updatePeriod>
\t<sy:updateFrequency>1</sy:updateFrequency>
\t<generator>{GENERATOR}</generator>
{entries}
</channel>
</rss>
"""

    def _rss_item(self, host: str, item: NewsItem) -> str:
        """One RSS <item>."""
        categories = "\n".join(f"\t\t<category>{_cdata(c)}</category>" for c in item.categories)
        content = f"\n\t\t<content:encoded>{_cdata(_paragraphs_html(item))}</content:encoded>" if (
            self.full_content) else ""
        title = f"\t\t<title>{_xml(item.title)}</title>\n" if item.title else ""
        return f"""\t<item>
{title}\t\t<link>{host}{item.path}</link>
\t\t<comments>{host}{item.path}#comments</comments>
\t\t<dc:creator>{_cdata(item.author)}</dc:creator>
\t\t<pubDate>{_rfc822(item.published)}</pubDate>
{categories}
\t\t<guid isPermaLink="false">{host}/?p={item.post_id}</guid>
\t\t<description>{_cdata(item.summary)}</description>{content}
\t\t<slash:comments>{len(item.comments)}</slash:comments>
\t</item>"""

    def _atom(self, host: str, items: list[NewsItem], page: int, pages: int) -> str:
        """Atom 1.0 with RFC 5005 paging links."""
        links = [f'<link rel="self" type="application/atom+xml" href="{host}{ATOM_PATH}'
                 f'{f"?paged={page}" if page > 1 else ""}" />']
        if page < pages:
            links.append(f'<link rel="next" type="application/atom+xml" href="{host}{ATOM_PATH}?paged={page + 1}" />')
        if page > 1:
            previous = f"?paged={page - 1}" if page > 2 else ""
            links.append(f'<link rel="previous" type="application/atom+xml" href="{host}{ATOM_PATH}{previous}" />')
        updated = max((i.last_updated for i in self.items), default=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
        entries = "\n".join(self._atom_entry(host, item) for item in items)
        link_lines = "\n\t".join(links)
        return f"""<?xml version="1.0" encoding="UTF-8"?><feed
  xmlns="http://www.w3.org/2005/Atom"
  xmlns:thr="http://purl.org/syndication/thread/1.0"
  xml:lang="en-GB"
  >
\t<title type="text">{_xml(SITE_NAME)}</title>
\t<subtitle type="text">{_xml(SITE_TAGLINE)}</subtitle>
\t<updated>{_w3c(updated)}</updated>
\t<link rel="alternate" type="text/html" href="{host}/" />
\t<id>{host}{ATOM_PATH}</id>
\t{link_lines}
{entries}
</feed>
"""

    def _atom_entry(self, host: str, item: NewsItem) -> str:
        """One Atom <entry>."""
        categories = "\n".join(f'\t\t<category scheme="{host}" term="{_xml(c)}" />' for c in item.categories)
        content = f'\n\t\t<content type="html" xml:base="{host}{item.path}">{_cdata(_paragraphs_html(item))}' \
                  "</content>" if self.full_content else ""
        return f"""\t<entry>
\t\t<author>
\t\t\t<name>{_xml(item.author)}</name>
\t\t</author>
\t\t<title type="html">{_cdata(escape(item.title, quote=False))}</title>
\t\t<link rel="alternate" type="text/html" href="{host}{item.path}" />
\t\t<id>{host}/?p={item.post_id}</id>
\t\t<updated>{_w3c(item.last_updated)}</updated>
\t\t<published>{_w3c(item.published)}</published>
{categories}
\t\t<summary type="html">{_cdata(escape(item.summary, quote=False))}</summary>{content}
\t\t<thr:total>{len(item.comments)}</thr:total>
\t</entry>"""

    def _json_feed(self, host: str) -> str:
        """JSON Feed 1.1: every item, full text and summary, ids shared with the RSS guids."""
        items = [{
            "id": f"{host}/?p={item.post_id}", "url": host + item.path,
            **({"title": item.title} if item.title else {}),
            "content_html": _paragraphs_html(item), "summary": item.summary,
            "date_published": _w3c(item.published), "date_modified": _w3c(item.last_updated),
            "authors": [{"name": item.author}], "tags": item.categories,
        } for item in self._newest_first()]
        return json.dumps({
            "version": "https://jsonfeed.org/version/1.1", "title": SITE_NAME, "home_page_url": host + "/",
            "feed_url": host + JSON_PATH, "description": SITE_TAGLINE, "language": "en-GB", "items": items,
        }, ensure_ascii=False, indent=1)

    def _rdf(self, host: str, items: list[NewsItem]) -> str:
        """RSS 1.0 (RDF): every item, dated by dc:date, identified by rdf:about (no guid)."""
        seq = "\n".join(f'\t\t\t<rdf:li rdf:resource="{host}{item.path}"/>' for item in items)
        entries = "\n".join(self._rdf_item(host, item) for item in items)
        updated = max((i.last_updated for i in self.items), default=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
        return f"""<?xml version="1.0" encoding="UTF-8"?><rdf:RDF
\txmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
\txmlns="http://purl.org/rss/1.0/"
\txmlns:dc="http://purl.org/dc/elements/1.1/"
\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
\txmlns:admin="http://webns.net/mvcb/"
\txmlns:content="http://purl.org/rss/1.0/modules/content/"
>
<channel rdf:about="{host}{RDF_PATH}">
\t<title>{_xml(SITE_NAME)}</title>
\t<link>{host}/</link>
\t<description>{_xml(SITE_TAGLINE)}</description>
\t<dc:date>{_w3c(updated)}</dc:date>
\t<admin:generatorAgent rdf:resource="{GENERATOR}" />
\t<items>
\t\t<rdf:Seq>
{seq}
\t\t</rdf:Seq>
\t</items>
</channel>
{entries}
</rdf:RDF>
"""

    def _rdf_item(self, host: str, item: NewsItem) -> str:
        """One RSS 1.0 <item>."""
        subjects = "\n".join(f"\t<dc:subject>{_cdata(c)}</dc:subject>" for c in item.categories)
        content = f"\n\t<content:encoded>{_cdata(_paragraphs_html(item))}</content:encoded>" if (
            self.full_content) else ""
        return f"""<item rdf:about="{host}{item.path}">
\t<title>{_xml(item.title)}</title>
\t<link>{host}{item.path}</link>
\t<dc:creator>{_cdata(item.author)}</dc:creator>
\t<dc:date>{_w3c(item.published)}</dc:date>
{subjects}
\t<description>{_cdata(item.summary)}</description>{content}
</item>"""

    # HTML pages

    def _home(self, request: Request) -> Response:
        """The front page: latest headlines, with the feeds advertised."""
        host = request.host_url
        cards = "\n".join(
            f'<article class="card"><h2 class="card__title"><a href="{host}{i.path}">{escape(i.title)}</a></h2>'
            f'<p class="card__excerpt">{escape(i.summary)}</p></article>'
            for i in self._newest_first()[: self.page_size]
        )
        main = f'<h1 class="screen-reader-text">Latest news</h1>\n<div class="cards">\n{cards}\n</div>'
        return Response.text(_page(host, "Latest news", main, "home blog", host + "/"), content_type=UTF8_HTML)

    def _article(self, host: str, item: NewsItem) -> Response:
        """One article page, encoded and labelled as the item says."""
        url = host + item.path
        html = _page(host, item.title, self._article_main(host, item), f"single postid-{item.post_id}", url,
                     head=_article_head(item, url), charset=META_CHARSET[item.charset])
        if item.charset != CHARSET_HEADER:
            return Response(200, html.encode("windows-1252"), {"Content-Type": BARE_HTML})
        return Response.text(html, content_type=UTF8_HTML)

    def _article_main(self, host: str, item: NewsItem) -> str:
        """The <article> with byline, then the comments section."""
        author_slug = item.author.lower().replace(" ", "-")
        if item.dates == DATES_JSON_LD:
            stamp = f'<span class="posted-on">{_day(item.published)}</span>'
        else:
            stamp = (f'<time class="entry-date published" datetime="{_local_iso(item.published)}">'
                     f"{_day(item.published)}</time>")
        categories = ", ".join(
            f'<a href="/category/{c.lower().replace(" ", "-")}/" rel="category tag">{escape(c)}</a>'
            for c in item.categories
        )
        comments = "\n".join(
            f'<li class="comment"><article class="comment-body"><footer class="comment-meta">'
            f'<b class="fn">{escape(c.author)}</b> <span class="says">says:</span></footer>'
            f'<div class="comment-content"><p>{escape(c.text)}</p></div></article></li>'
            for c in item.comments
        )
        related = "\n".join(f'<li><a href="{host}/news/related/{n}/">{escape(t)}</a></li>'
                            for n, t in enumerate(RELATED, 1))
        count = len(item.comments)
        heading = f"{count} thought{'s' if count != 1 else ''} on \u201c{escape(item.title)}\u201d"
        return f"""<article id="post-{item.post_id}" class="post-{item.post_id} post type-post status-publish \
format-standard hentry">
<header class="entry-header">
{f'<h1 class="entry-title">{escape(item.title)}</h1>' if item.title else ""}
<div class="entry-meta"><span class="byline">By <span class="author vcard"><a class="url fn n" \
href="{host}/author/{author_slug}/" rel="author">{escape(item.author)}</a></span>, {escape(item.role)}</span>
<span class="sep"> &middot; </span>{stamp}</div>
</header>
<div class="entry-content">
{_paragraphs_html(item)}
<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Share this:</h3><ul>
<li><a class="share-facebook" href="#">Facebook</a></li><li><a class="share-email" href="#">Email</a></li></ul></div>
<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline">Related</h3><ul>
{related}
</ul></div>
</div>
<footer class="entry-footer"><span class="cat-links">Posted in {categories}</span></footer>
</article>
<div id="comments" class="comments-area">
<h2 class="comments-title">{heading}</h2>
<ol class="comment-list">
{comments}
</ol>
<div id="respond" class="comment-respond"><h3 class="comment-reply-title">Leave a reply</h3>
<form action="/wp-comments-post.php" method="post" class="comment-form"><textarea name="comment"></textarea>
<input type="submit" value="Post comment"></form></div>
</div>"""

    def _not_found(self, request: Request) -> Response:
        """The theme's 404 page."""
        main = ('<section class="error-404 not-found"><h1 class="page-title">Page not found</h1>\n'
                "<p>The story you are looking for may have been moved or removed.</p></section>")
        page = _page(request.host_url, "Page not found", main, "error404", request.host_url + request.path)
        return Response(404, page.encode("utf-8"), {"Content-Type": UTF8_HTML})


def _article_head(item: NewsItem, url: str) -> str:
    """Open Graph, article:* and JSON-LD metadata as SEO plugins write them."""
    schema = json.dumps({
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": item.title, "url": url,
        "datePublished": _local_iso(item.published), "dateModified": _local_iso(item.last_updated),
        "author": {"@type": "Person", "name": item.author},
        "publisher": {"@type": "Organization", "name": SITE_NAME},
    }, ensure_ascii=False).replace("</", "<\\/")
    lines = [
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{escape(item.title)} | {SITE_NAME}">',
        f'<meta property="og:url" content="{escape(url)}">',
        f'<meta property="og:description" content="{escape(item.summary)}">',
    ]
    if item.dates != DATES_JSON_LD:
        lines += [f'<meta property="article:published_time" content="{_local_iso(item.published)}">',
                  f'<meta property="article:modified_time" content="{_local_iso(item.last_updated)}">']
    lines.append(f'<script type="application/ld+json">{schema}</script>')
    return "\n".join(lines)


def _page(host: str, title: str, main: str, body_class: str, canonical: str, *, head: str = "",
          charset: str = "UTF-8") -> str:
    """Wrap `main` in the theme: head, cookie banner, header, sidebar, footer; `charset=""` omits <meta charset>."""
    meta_charset = f'<meta charset="{charset}">\n' if charset else ""
    menu = "\n".join(f'<li class="menu-item"><a href="{href}">{label}</a></li>' for label, href in MENU)
    most_read = "\n".join(f'<li><a href="{host}/news/most-read/{n}/">{escape(t)}</a></li>'
                          for n, t in enumerate(MOST_READ, 1))
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
{meta_charset}<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} | {SITE_NAME}</title>
<link rel="canonical" href="{escape(canonical)}">
<meta property="og:site_name" content="{SITE_NAME}">
{head}
<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} &raquo; Feed" href="{host}{RSS_PATH}">
<meta name="generator" content="WordPress 6.4.3">
</head>
<body class="{body_class}">
<div id="cookie-notice" class="cookie-banner" role="dialog" aria-label="Cookies">
<p>{COOKIE_TEXT} <a href="/cookie-policy/">Cookie policy</a></p>
<button type="button" class="cookie-banner__accept">Accept</button>
</div>
<header id="masthead" class="site-header">
<p class="site-title"><a href="{host}/" rel="home">{SITE_NAME}</a></p>
<p class="site-description">{escape(SITE_TAGLINE)}</p>
<nav id="site-navigation" class="main-navigation"><ul class="menu">
{menu}
</ul></nav>
</header>
<div id="content" class="site-content">
<main id="main" class="site-main">
{main}
</main>
<aside id="secondary" class="widget-area" role="complementary">
<section id="most-read-2" class="widget widget_most_read"><h2 class="widget-title">Most read</h2>
<ol>
{most_read}
</ol></section>
<section id="newsletter-3" class="widget widget_newsletter"><h2 class="widget-title">Newsletter</h2>
<p>{escape(NEWSLETTER_TEXT)}</p></section>
</aside>
</div>
<footer id="colophon" class="site-footer">
<div class="site-info">{escape(FOOTER_TEXT)}</div>
</footer>
</body>
</html>
"""

