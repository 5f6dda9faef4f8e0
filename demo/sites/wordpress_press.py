"""A WordPress branch site in a magazine theme that is not one of the Twenty* themes, REST API and feed off.

Its markup shares nothing with the core/Twenty* templates the archive parser knows: posts are `div.story`
cards and a single post is `div.inside-article` with `h1.headline` and `div.story-text` (no `article#post-ID`,
no `.entry-content`, no `<time datetime>`, no `rel="bookmark"`). What a real site of this kind still prints, and
what a reader of any theme must use, is here: body classes and the shortlink from core, Yoast SEO's JSON-LD
(`BlogPosting` with headline and datePublished) and OpenGraph tags, a `<title>` of "Post title – Branch name",
and Yoast's sitemaps (`/sitemap_index.xml` → `post-sitemap.xml`, `post-sitemap2.xml`, `page-sitemap.xml`,
`category-sitemap.xml`), named in robots.txt. Core's `/wp-sitemap.xml` is off, as Yoast turns it off.
The REST API answers 401 `rest_cannot_access` (a "disable REST API" plugin) and `/feed/` 404. With
`sitemaps=False` the sitemaps are gone too (404, and not in robots.txt): only the archive links remain.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from xml.sax.saxutils import escape

from demo.server import TEXT_TYPE, Request, Response
from demo.sites.wordpress import POST_PATH, WordPressSite
from demo.wordpress_content import WP_AUTHORS, WPPost, texturize

XML_TYPE = "text/xml; charset=UTF-8"
ROBOTS = "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\nSitemap: {host}/sitemap_index.xml\n"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
POST_SITEMAP = "/post-sitemap{n}.xml"


def _json_ld(data: object) -> str:
    """JSON for a <script> element: "</" written as "<\\/" so the text cannot close the element."""
    return json.dumps(data).replace("</", "<\\/")


class PressThemeSite(WordPressSite):
    """WordPressSite's content in a non-Twenty theme, discoverable only through its sitemaps and links."""

    def __init__(self, name: str, posts: list[WPPost], *, tagline: str = "", sitemap_size: int = 6) -> None:
        super().__init__(name, posts, tagline=tagline, api="login_required", feed=False)
        self.sitemap_size = sitemap_size
        self.sitemaps = True

    def handle(self, request: Request) -> Response:
        """Route one request: REST disabled, no feed, Yoast sitemaps, the magazine theme's pages."""
        path = request.path
        if path == "/robots.txt":
            robots = ROBOTS.format(host=request.host_url)
            return Response.text(robots if self.sitemaps else robots.split("\nSitemap:")[0], content_type=TEXT_TYPE)
        if path.endswith(".xml") and not self.sitemaps:
            return self._not_found(request)
        if path.startswith("/wp-json") or request.arg("rest_route"):
            body = json.dumps({"code": "rest_cannot_access", "message": "Only authenticated users can access the "
                               "REST API.", "data": {"status": 401}})
            return Response.text(body, 401, content_type="application/json; charset=UTF-8")
        if path == "/sitemap_index.xml":
            return self._sitemap_index(request.host_url)
        if path.startswith("/post-sitemap") and path.endswith(".xml"):
            number = path.removeprefix("/post-sitemap").removesuffix(".xml")
            return self._post_sitemap(request, int(number) if number.isdigit() else 1)
        if path in ("/page-sitemap.xml", "/category-sitemap.xml"):
            return self._urlset([(f"{request.host_url}/about/", None)])
        if POST_PATH.match(path):
            return self._story(request)
        return super().handle(request)

    # Sitemaps

    def _listed(self) -> list[WPPost]:
        """Posts Yoast lists: published and not password-protected, oldest first."""
        return sorted((p for p in self._published() if not p.password), key=lambda p: p.published)

    def _sitemap_index(self, host: str) -> Response:
        """The index: post sitemaps of `sitemap_size` posts each, then pages and categories."""
        count = max(1, -(-len(self._listed()) // self.sitemap_size))
        names = [POST_SITEMAP.format(n="" if n == 1 else n) for n in range(1, count + 1)]
        names += ["/page-sitemap.xml", "/category-sitemap.xml"]
        items = "".join(f"<sitemap><loc>{host}{name}</loc></sitemap>" for name in names)
        return Response.text(f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="{SITEMAP_NS}">{items}'
                             "</sitemapindex>", content_type=XML_TYPE)

    def _post_sitemap(self, request: Request, number: int) -> Response:
        """One post sitemap: permalinks with their modification time."""
        posts = self._listed()[(number - 1) * self.sitemap_size: number * self.sitemap_size]
        if not posts:
            return self._not_found(request)
        return self._urlset([(request.host_url + p.path, p.last_modified) for p in posts])

    def _urlset(self, urls: list[tuple[str, dt.datetime | None]]) -> Response:
        """A urlset as Yoast writes it (lastmod in the site's offset)."""
        rows = "".join(f"<url><loc>{escape(url)}</loc>" + (f"<lastmod>{when.isoformat()}</lastmod>" if when else "")
                       + "</url>" for url, when in urls)
        return Response.text(f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="{SITEMAP_NS}">{rows}</urlset>',
                             content_type=XML_TYPE)

    # Theme pages

    def _archive(self, request: Request, page: int) -> Response:
        """Home and /page/N/: story cards linking to permalinks, older-posts link."""
        posts = self._published()
        shown = posts[(page - 1) * self.posts_per_page: page * self.posts_per_page]
        if not shown:
            return self._not_found(request)
        host = request.host_url
        cards = "\n".join(
            f'<div class="story card"><h2 class="story-title"><a href="{host}{p.path}">'
            f'{self._display_title(p).strip() or "(untitled)"}</a></h2><div class="story-date">'
            f'{p.published:%d %B %Y}</div><p class="story-teaser">{self._excerpt_words(p)}</p></div>'
            for p in shown)
        older = (f'<div class="older"><a href="{host}/page/{page + 1}/">Older stories</a></div>'
                 if page * self.posts_per_page < len(posts) else "")
        return self._theme(request, html.escape(self.name), f"{cards}\n{older}", "home blog")

    def _story(self, request: Request) -> Response:
        """A single post in the magazine theme, with Yoast's metadata in the head."""
        post = next((p for p in self._published() if p.path == request.path.rstrip("/") + "/"), None)
        if post is None:
            return self._not_found(request)
        host = request.host_url
        url, title = host + post.path, post.display_title
        author = WP_AUTHORS[post.author][1]
        content = self._password_form(host, post) if post.password else self._content(host, post)
        main = (f'<div class="inside-article"><header class="story-header">'
                f'<h1 class="headline">{texturize(post.title).strip()}</h1>'
                f'<div class="story-meta">By <span class="writer">{html.escape(author)}</span> &middot; '
                f'<span class="when">{post.published:%d %B %Y}</span></div></header>'
                f'<div class="story-text">\n{content}\n</div>'
                f'<div class="story-tags">Filed under {", ".join(html.escape(c) for c in post.categories)}</div>'
                f"</div>\n{self._comments(url, post)}")
        full = f"{html.escape(title)} &#8211; {html.escape(self.name)}" if title else html.escape(self.name)
        graph = {"@context": "https://schema.org", "@graph": [
            {"@type": "BlogPosting", "@id": f"{url}#article", "headline": title,
             "datePublished": post.published.isoformat(), "dateModified": post.last_modified.isoformat(),
             "author": {"@type": "Person", "name": author}, "mainEntityOfPage": url},
            {"@type": "WebSite", "@id": f"{host}/#website", "name": self.name, "url": f"{host}/"},
        ]}
        head = (f'<link rel="canonical" href="{url}" />\n<link rel="shortlink" href="{host}/?p={post.post_id}" />\n'
                f'<meta property="og:type" content="article" />\n<meta property="og:title" content="{full}" />\n'
                f'<meta property="og:site_name" content="{html.escape(self.name)}" />\n'
                f'<meta property="article:published_time" content="{post.published.isoformat()}" />\n'
                f'<meta property="article:modified_time" content="{post.last_modified.isoformat()}" />\n'
                f'<script type="application/ld+json">{_json_ld(graph)}</script>\n')
        classes = f"post-template-default single single-post postid-{post.post_id} single-format-standard"
        return self._theme(request, full, main, classes, head=head)

    def _theme(self, request: Request, title: str, main: str, body_class: str, *, head: str = "") -> Response:
        """The magazine theme around `main`: top bar, main column, side column, footer."""
        host, name = request.host_url, html.escape(self.name)
        recent = "".join(f'<li><a href="{host}{p.path}">{self._display_title(p).strip() or "(untitled)"}</a></li>'
                         for p in self._published()[:5])
        page = f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="UTF-8">
<title>{title}</title>
{head}<meta name="generator" content="WordPress 6.5.3" />
</head>
<body class="{body_class} magazine-theme right-sidebar">
<div class="top-bar"><a class="brand" href="{host}/">{name}</a> <span class="strap">{html.escape(self.tagline)}</span>
<ul class="menu"><li><a href="{host}/">Home</a></li><li><a href="{host}/about/">About the branch</a></li></ul></div>
<div class="grid-container"><div class="content-column">
{main}
</div>
<div id="right-sidebar" class="widget-area"><div class="box widget"><h3>Latest</h3><ul>{recent}</ul></div>
<div class="box widget"><h3>Campaigns</h3><p>Say no to shared services and back office cuts: join the branch
campaign.</p></div></div></div>
<div class="site-footer">&copy; {dt.date.today().year} {name}. Built with WordPress.</div>
</body>
</html>
"""
        return Response.text(page)
