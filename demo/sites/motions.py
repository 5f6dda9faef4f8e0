"""A WordPress-style UNISON motions database: paginated `/policy-motions/` listing and motion pages.

Every page carries the full theme (cookie banner, header menu, campaign sidebar, footer), and the sidebar
mentions shared services and back-office cuts on every page, so only the `<article>` is a motion's text.
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import replace
from html import escape
from itertools import groupby
from urllib.parse import quote, urlencode

from demo.content import EMPHASIS, LIST_ITEM, Motion
from demo.server import TEXT_TYPE, Request, Response

SITE_NAME = "UNISON National"
LISTING = "/policy-motions/"
LISTING_PATH = re.compile(r"^/policy-motions/(?:page/(\d+)/)?$")
MOTION_PATH = re.compile(r"^/motions/(\d{4})/([a-z0-9-]+)/([a-z0-9-]+)/$")
EXCERPT_WORDS = 35
ROBOTS_TXT = "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n"
CAMPAIGN_TITLE = "Campaign: Stop shared services — protect back office jobs from cuts"
MAIN_MENU = (
    ("News", "/news/"), ("At work", "/at-work/"), ("Get help", "/get-help/"),
    ("Policy motions", LISTING), ("Our campaigns", "/our-campaigns/"), ("Join UNISON", "/join-unison/"),
)
FOOTER_MENU = (
    ("Contact us", "/contact-us/"), ("Accessibility", "/accessibility/"),
    ("Privacy", "/privacy-notice/"), ("Cookies", "/cookies/"),
)
LATEST_NEWS = (
    ("Council pay offer falls short, says UNISON", "/news/2024/03/council-pay-offer-falls-short/"),
    ("Care workers deserve a proper wage", "/news/2024/03/care-workers-deserve-a-proper-wage/"),
    ("Shared services plan would put hundreds of jobs at risk",
     "/news/2024/02/shared-services-plan-would-put-jobs-at-risk/"),
)


def _page(title: str, main: str, body_class: str, canonical: str) -> str:
    """Wrap `main` in the full theme: head, cookie banner, header, sidebar, footer."""
    menu = "\n".join(
        f'<li class="menu-item menu-item-type-post_type"><a href="{href}">{escape(label)}</a></li>'
        for label, href in MAIN_MENU
    )
    footer_menu = "\n".join(f'<li class="menu-item"><a href="{u}">{text}</a></li>' for text, u in FOOTER_MENU)
    news = "\n".join(f'<li><a href="{href}">{escape(label)}</a></li>' for label, href in LATEST_NEWS)
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} | {SITE_NAME}</title>
<link rel="canonical" href="{escape(canonical)}">
<meta property="og:site_name" content="{SITE_NAME}">
<meta property="og:title" content="{escape(title)}">
<meta name="generator" content="WordPress 6.4.3">
<link rel="stylesheet" id="unison-css" href="/wp-content/themes/unison/assets/main.css?ver=4.2.0" media="all">
</head>
<body class="{body_class}">
<div id="cookie-notice" class="cookie-notice" role="dialog" aria-label="Cookie consent">
<p>We use cookies to make our website work and to understand how you use it. Some are optional.
<a href="/cookies/">Read our cookie policy</a></p>
<button type="button" class="cookie-notice__accept">Accept all cookies</button>
<button type="button" class="cookie-notice__reject">Essential cookies only</button>
</div>
<a class="skip-link screen-reader-text" href="#main">Skip to content</a>
<header id="masthead" class="site-header">
<a class="site-header__logo" href="/" rel="home">UNISON <span>the public service union</span></a>
<nav id="site-navigation" class="main-navigation" aria-label="Main menu">
<ul id="menu-main-menu" class="menu">
{menu}
</ul>
</nav>
<form role="search" method="get" class="search-form" action="/">
<label><span class="screen-reader-text">Search for:</span>
<input type="search" class="search-field" name="s"></label>
<button type="submit" class="search-submit">Search</button>
</form>
</header>
<div id="content" class="site-content">
<main id="main" class="site-main">
{main}
</main>
<aside id="secondary" class="widget-area sidebar" aria-label="Sidebar">
<section id="custom_html-2" class="widget widget_custom_html campaign-widget">
<h2 class="widget-title">{escape(CAMPAIGN_TITLE)}</h2>
<div class="textwidget"><p>Councils and NHS bodies are pushing shared services as a way to make
back-office cuts. Tell your employer: no cuts to the back office without proper consultation.</p>
<p><a class="button" href="/our-campaigns/shared-services/">Sign the petition</a></p></div>
</section>
<section id="recent-posts-3" class="widget widget_recent_entries">
<h2 class="widget-title">Latest news</h2>
<ul>
{news}
</ul>
</section>
</aside>
</div>
<footer id="colophon" class="site-footer">
<nav class="footer-navigation" aria-label="Footer menu"><ul class="menu">
{footer_menu}
</ul></nav>
<p class="site-info">&copy; 2024 UNISON. UNISON Centre, 130 Euston Road, London NW1 2AY.</p>
</footer>
</body>
</html>
"""


def _inline(text: str) -> str:
    """Escape one body block, then apply the `*em*` and line-break conventions."""
    return EMPHASIS.sub(r"<em>\1</em>", escape(text, quote=False)).replace("\n", "<br>\n")


def _body_html(blocks: list[str]) -> str:
    """Paragraphs as `<p>`, runs of LIST_ITEM blocks as one `<ol>`."""
    out = []
    for is_item, run in groupby(blocks, key=lambda block: block.startswith(LIST_ITEM)):
        if is_item:
            items = "\n".join(f"<li>{_inline(b.removeprefix(LIST_ITEM))}</li>" for b in run)
            out.append(f"<ol>\n{items}\n</ol>")
        else:
            out.extend(f"<p>{_inline(b)}</p>" for b in run)
    return "\n".join(out)


def _date_line(motion: Motion) -> str:
    """The date as the site prints it, e.g. "12 June 2008"."""
    return f"{motion.date.day} {motion.date:%B %Y}"


def _meta_html(motion: Motion) -> str:
    """Conference/date/decision metadata in the motion's layout ("a", "b" or "c")."""
    pairs = [("Conference", motion.conference), ("Date", _date_line(motion))]
    if motion.decision:
        pairs.append(("Decision", motion.decision))
    if motion.layout == "a":
        lines = "\n".join(f"<p>{escape(value)}</p>" for _, value in pairs)
        return f'<div class="motion-meta">\n{lines}\n</div>'
    if motion.layout == "b":
        rows = "\n".join(f"<dt>{label}</dt>\n<dd>{escape(value)}</dd>" for label, value in pairs)
        return f'<dl class="motion-meta">\n{rows}\n</dl>'
    if motion.layout == "c":
        items = "\n".join(f"<li>{label}</li>\n<li>{escape(value)}</li>" for label, value in pairs)
        return f'<ul class="motion-meta">\n{items}\n</ul>'
    raise ValueError(f"unknown motion layout {motion.layout!r}")


def _excerpt(motion: Motion) -> str:
    """WordPress-style excerpt: the first words of the body and " […]"."""
    words = motion.body_text.split()
    return escape(" ".join(words[:EXCERPT_WORDS])) + (" [&hellip;]" if len(words) > EXCERPT_WORDS else "")


def _post_id(motion: Motion) -> int:
    """A stable WordPress-like post ID for a motion."""
    return 10000 + zlib.crc32(motion.slug.encode()) % 90000


class MotionsSite:
    """The motions database; reads `self.motions` on every request, so tests may edit it between crawls."""

    def __init__(self, motions: list[Motion], per_page: int = 10) -> None:
        self.motions = motions
        self.per_page = per_page

    def handle(self, request: Request) -> Response:
        """Route one request."""
        path = request.path
        if path == "/robots.txt":
            return Response.text(ROBOTS_TXT, content_type=TEXT_TYPE)
        if path == "/":
            return self._home(request)
        if match := LISTING_PATH.match(path):
            if match[1] == "1":
                return Response.redirect(_with_query(LISTING, request))
            return self._listing(request, int(match[1] or 1))
        if match := MOTION_PATH.match(path):
            return self._motion(request, int(match[1]), match[2], match[3])
        if not path.endswith("/") and self.handle(replace(request, path=path + "/")).status == 200:
            return Response.redirect(_with_query(path + "/", request))
        return self._not_found(request)

    def _newest_first(self) -> list[Motion]:
        """All motions in listing order."""
        return sorted(self.motions, key=lambda m: (m.date, m.slug), reverse=True)

    def _home(self, request: Request) -> Response:
        """A minimal home page pointing at the motions database."""
        main = (
            '<section class="hero"><h1>Welcome to UNISON</h1>\n<p>UNISON is the public service union.</p>\n'
            f'<p><a href="{LISTING}">Search our policy motions</a></p></section>'
        )
        return Response.text(_page("Home", main, "home page", request.host_url + "/"))

    def _listing(self, request: Request, page: int) -> Response:
        """One page of the motion listing, newest first, optionally filtered by `filter-year`."""
        motions = self._newest_first()
        year = request.arg("filter-year", "")
        if year:
            motions = [m for m in motions if str(m.year) == year]
        pages = max(1, math.ceil(len(motions) / self.per_page))
        if page > pages:
            return self._not_found(request)
        shown = motions[(page - 1) * self.per_page : page * self.per_page]
        cards = "\n".join(map(_card, shown)) or '<p class="no-results">No motions match your search.</p>'
        first = (page - 1) * self.per_page + 1
        count = f"Showing {first}&ndash;{first + len(shown) - 1} of {len(motions)} motions" if shown else ""
        main = f"""<header class="page-header"><h1 class="page-title">Policy motions</h1>
<p>Search motions carried at UNISON conferences.</p></header>
{_filter_form(self.motions, year)}
<p class="results-count">{count}</p>
<div class="motion-listing">
{cards}
</div>
{_pagination(request, page, pages)}"""
        canonical = request.host_url + (LISTING if page == 1 else f"{LISTING}page/{page}/")
        body_class = "archive post-type-archive post-type-archive-motion" + (" paged" if page > 1 else "")
        return Response.text(_page("Policy motions", main, body_class, canonical))

    def _motion(self, request: Request, year: int, group: str, slug: str) -> Response:
        """One motion page, or 404 when no motion has that year, group and slug."""
        motion = next((m for m in self.motions if (m.year, m.group, m.slug) == (year, group, slug)), None)
        if motion is None:
            return self._not_found(request)
        url = request.host_url + motion.path
        post_id = _post_id(motion)
        main = f"""<article id="post-{post_id}" class="post-{post_id} motion type-motion status-publish \
hentry">
<header class="entry-header">
<h1 class="entry-title">{escape(motion.title)}</h1>
<a class="back-link" href="{LISTING}">Back to all Motions</a>
</header>
{_meta_html(motion)}
<div class="entry-content motion-content">
{_body_html(motion.body)}
</div>
<div class="share-this">
<h2 class="share-this__title">Share this</h2>
<ul class="share-this__links">
<li><a class="share-facebook" href="https://www.facebook.com/sharer/sharer.php?u={quote(url, safe='')}" \
target="_blank" rel="noopener">Facebook</a></li>
<li><a class="share-twitter" href="https://twitter.com/intent/tweet?url={quote(url, safe='')}\
&amp;text={quote(motion.title, safe='')}" target="_blank" rel="noopener">Twitter</a></li>
</ul>
</div>
</article>"""
        body_class = f"motion-template-default single single-motion postid-{post_id}"
        return Response.text(_page(motion.title, main, body_class, url))

    def _not_found(self, request: Request) -> Response:
        """The theme's 404 page."""
        main = (
            '<section class="error-404 not-found"><header class="page-header">'
            '<h1 class="page-title">Sorry, we can&rsquo;t find that page</h1></header>\n'
            '<p>It may have moved. Try searching, or go to <a href="/">the home page</a>.</p></section>'
        )
        return Response.text(_page("Page not found", main, "error404", request.host_url + request.path), 404)


def _with_query(path: str, request: Request) -> str:
    """`path` plus the request's query string, if any."""
    query = urlencode(request.query, doseq=True)
    return f"{path}?{query}" if query else path


def _card(motion: Motion) -> str:
    """One listing entry: type label, linked title, conference line, excerpt."""
    return f"""<article class="motion-card">
<span class="motion-card__type">Conference motions</span>
<h2 class="motion-card__title"><a href="{motion.path}">{escape(motion.title)}</a></h2>
<p class="motion-card__meta">{escape(motion.conference)} &middot; {_date_line(motion)}</p>
<p class="motion-card__excerpt">{_excerpt(motion)}</p>
</article>"""


def _filter_form(motions: list[Motion], selected: str) -> str:
    """The year filter form, one option per year present."""
    years = sorted({m.year for m in motions}, reverse=True)
    options = "\n".join(
        f'<option value="{y}"{" selected" if str(y) == selected else ""}>{y}</option>' for y in years
    )
    return f"""<form class="motion-filters" method="get" action="{LISTING}">
<label for="filter-year">Year</label>
<select name="filter-year" id="filter-year">
<option value="">All years</option>
{options}
</select>
<button type="submit">Filter</button>
</form>"""


def _pagination(request: Request, page: int, pages: int) -> str:
    """WordPress `the_posts_pagination()` markup, keeping the request's filters on every link."""
    if pages == 1:
        return ""

    def href(n: int) -> str:
        """Link to listing page `n`."""
        return escape(_with_query(LISTING if n == 1 else f"{LISTING}page/{n}/", request))

    links = []
    if page > 1:
        links.append(f'<a class="prev page-numbers" href="{href(page - 1)}">Previous</a>')
    for n in range(1, pages + 1):
        if n == page:
            links.append(f'<span aria-current="page" class="page-numbers current">{n}</span>')
        else:
            links.append(f'<a class="page-numbers" href="{href(n)}">{n}</a>')
    if page < pages:
        links.append(f'<a class="next page-numbers" href="{href(page + 1)}">Next</a>')
    nav_links = "\n".join(links)
    return f"""<nav class="navigation pagination" aria-label="Motions">
<h2 class="screen-reader-text">Motions navigation</h2>
<div class="nav-links">
{nav_links}
</div>
</nav>"""
