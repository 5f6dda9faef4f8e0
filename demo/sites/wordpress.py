"""A WordPress branch site: REST API, RSS2 feed, and a Twenty Seventeen-style theme with Jetpack and Yoast.

Shapes follow real WordPress output: `/wp-json/wp/v2/posts` with `per_page`/`page`/`orderby`/`_embed`,
X-WP-Total/X-WP-TotalPages and Link headers, `rest_post_invalid_page_number` past the end; `/feed/` RSS2 with
content:encoded, dc:creator, category, guid `?p=ID` and `?paged=N` (404 past the end, as WordPress does for
any paged query that finds nothing); home and `/page/N/` archives (newest first, sticky posts on top of page
one), single posts at `/YYYY/MM/DD/slug/` with comments. Jetpack's share, like and related-posts blocks sit
inside the post content; the sidebar, menu, related posts and comments carry topic words on purpose.

Switches make every fallback testable: `api` ("open", "login_required" 401, "forbidden" 403, "no_route"
404, "path_blocked": the web server refuses `/wp-json/` with its own 403 page while `/?rest_route=` works),
`feed=False` (404), `hide_users` (user lookups refused, as security plugins do), `per_page_cap` (a
site filter that serves fewer posts per page than asked), `paging_headers=False` (a proxy that drops the
X-WP-* headers), `full_text_feed=False` (feed carries excerpts).
The site reads `self.posts` on every request, so tests can add, edit or delete posts between crawls.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections import Counter
from urllib.parse import urlencode

from demo.server import TEXT_TYPE, Request, Response
from demo.wordpress_content import WP_AUTHORS, WPPost, texturize

JSON_TYPE = "application/json; charset=UTF-8"
RSS_TYPE = "application/rss+xml; charset=UTF-8"
WP_VERSION = "6.5.3"
API_PREFIX = "/wp-json"
POSTS_ROUTE = "/wp-json/wp/v2/posts"
POST_ROUTE = re.compile(r"^/wp-json/wp/v2/posts/(\d+)/?$")
USER_ROUTE = re.compile(r"^/wp-json/wp/v2/users/(\d+)/?$")
ARCHIVE_PATH = re.compile(r"^/page/(\d+)/?$")
POST_PATH = re.compile(r"^/(\d{4})/(\d{2})/(\d{2})/([\w-]+)/?$")
API_MODES = {
    "open": None,
    "login_required": (401, "rest_login_required", "REST API restricted to authenticated users."),
    "forbidden": (403, "rest_forbidden", "Sorry, you are not allowed to do that."),
    "no_route": (404, "rest_no_route", "No route was found matching the URL and request method."),
    "path_blocked": None,
}
ORDERBY = ("date", "modified", "id", "title")
EXCERPT_WORDS = 55
RELATED_COUNT = 3
RECENT_COUNT = 5
PROTECTED_EXCERPT = "There is no excerpt because this is a protected post."
CAMPAIGN_WIDGET = (
    "<p><strong>No to shared services!</strong> The council wants to move payroll and HR into a shared "
    "service centre. Say no to back office cuts &#8211; sign the branch petition today.</p>"
)
ROBOTS = "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\nSitemap: {host}/wp-sitemap.xml\n"


def _naive(moment: dt.datetime) -> str:
    """WordPress REST time form: ISO 8601 without offset."""
    return moment.replace(tzinfo=None).isoformat(timespec="seconds")


def _gmt(moment: dt.datetime) -> dt.datetime:
    """The same instant in UTC."""
    return moment.astimezone(dt.UTC)


def _rfc822(moment: dt.datetime) -> str:
    """RSS pubDate as WordPress writes it: always +0000."""
    return f"{_gmt(moment):%a, %d %b %Y %H:%M:%S} +0000"


def _long_date(moment: dt.datetime) -> str:
    """The theme's date format, e.g. "March 5, 2024"."""
    return f"{moment:%B} {moment.day}, {moment.year}"


def _slugify(name: str) -> str:
    """A term slug as WordPress makes it."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower().replace("&", "")).strip("-")


def _cdata(text: str) -> str:
    """Wrap text in CDATA, splitting any "]]>" inside it."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _wp_json(data: object) -> bytes:
    """JSON as wp_json_encode writes it: ASCII with \\u escapes and escaped slashes."""
    return json.dumps(data).replace("/", "\\/").encode("ascii")


class WordPressSite:
    """One WordPress site over `posts`; every switch can be changed between requests."""

    def __init__(
        self,
        name: str,
        posts: list[WPPost],
        *,
        tagline: str = "",
        api: str = "open",
        feed: bool = True,
        hide_users: bool = False,
        per_page_cap: int = 100,
        paging_headers: bool = True,
        posts_per_page: int = 5,
        posts_per_rss: int = 10,
        full_text_feed: bool = True,
    ) -> None:
        if api not in API_MODES:
            raise ValueError(f"api must be one of {sorted(API_MODES)}, not {api!r}")
        self.name = name
        self.posts = posts
        self.tagline = tagline
        self.api = api
        self.feed = feed
        self.hide_users = hide_users
        self.per_page_cap = per_page_cap
        self.paging_headers = paging_headers
        self.posts_per_page = posts_per_page
        self.posts_per_rss = posts_per_rss
        self.full_text_feed = full_text_feed

    def handle(self, request: Request) -> Response:
        """Route one request."""
        path = request.path
        if path == "/robots.txt":
            return Response.text(ROBOTS.format(host=request.host_url), content_type=TEXT_TYPE)
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            if self.api == "path_blocked":
                return Response.text("<html><body><h1>403 Forbidden</h1><hr>nginx</body></html>", 403)
            return self._api(request)
        if path == "/" and request.arg("rest_route"):
            route = API_PREFIX + (request.arg("rest_route") or "")
            return self._api(Request(request.method, route, request.query, request.headers))
        if path == "/feed":
            return Response.redirect(f"{request.host_url}/feed/")
        if path == "/feed/":
            return self._feed(request)
        if path == "/" and request.arg("p"):
            return self._shortlink(request)
        if path == "/":
            return self._archive(request, 1)
        if match := ARCHIVE_PATH.match(path):
            return self._archive(request, int(match[1]))
        if POST_PATH.match(path):
            return self._single(request)
        return self._not_found(request)

    # Content helpers

    def _published(self) -> list[WPPost]:
        """Public posts, newest first."""
        return sorted((p for p in self.posts if p.status == "publish"), key=lambda p: p.published, reverse=True)

    def _terms(self, taxonomy: str) -> dict[str, int]:
        """Term ids by name, stable for the content (categories from 2 on, tags from 40 on; 1 is Uncategorized)."""
        names = sorted({n for p in self.posts for n in (p.categories if taxonomy == "category" else p.tags)})
        start = 2 if taxonomy == "category" else 40
        return {name: start + i for i, name in enumerate(names)}

    def _content(self, host: str, post: WPPost) -> str:
        """The rendered content: the saved body plus Jetpack's sharing, likes and related posts."""
        url = host + post.path
        sharing = (
            '<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social '
            'sd-social-icon-text sd-sharing"><h3 class="sd-title">Share this:</h3><div class="sd-content"><ul>'
            + "".join(
                f'<li class="share-{net}"><a rel="nofollow noopener noreferrer" data-shared="sharing-{net}-'
                f'{post.post_id}" class="share-{net} sd-button share-icon" href="{url}?share={net}" '
                f'target="_blank" title="Click to share on {label}"><span>{label}</span></a></li>'
                for net, label in (("facebook", "Facebook"), ("x", "X"), ("email", "Email"))
            )
            + '<li class="share-end"></li></ul></div></div></div>'
        )
        likes = (
            f"<div class='sharedaddy sd-block sd-like jetpack-likes-widget-wrapper jetpack-likes-widget-unloaded' "
            f"id='like-post-wrapper-{post.post_id}' data-name='like-post-frame-{post.post_id}'>"
            "<h3 class=\"sd-title\">Like this:</h3><div class='likes-widget-placeholder "
            "post-likes-widget-placeholder' style='height: 55px;'><span class='button'><span>Like</span></span> "
            "<span class=\"loading\">Loading...</span></div></div>"
        )
        return f"{post.body_html}\n{sharing}{likes}{self._related(host, post)}"

    def _related(self, host: str, post: WPPost) -> str:
        """Jetpack related posts rendered server-side: other posts sharing a category, newest first."""
        others = [p for p in self._published() if p is not post and not p.password]
        others.sort(key=lambda p: not set(p.categories) & set(post.categories))
        items = "".join(
            f'<div class="jp-relatedposts-post jp-relatedposts-post{i}" data-post-id="{p.post_id}" '
            f'data-post-format="false"><h4 class="jp-relatedposts-post-title"><a class="jp-relatedposts-post-a" '
            f'href="{host}{p.path}" rel="nofollow" data-position="{i}">{texturize(p.title)}</a></h4>'
            f'<p class="jp-relatedposts-post-excerpt">{self._excerpt_words(p)}</p>'
            f'<p class="jp-relatedposts-post-date">{_long_date(p.published)}</p>'
            f'<p class="jp-relatedposts-post-context">In &quot;{html.escape(p.categories[0])}&quot;</p></div>'
            for i, p in enumerate(others[:RELATED_COUNT])
        )
        return (
            "<div id='jp-relatedposts' class='jp-relatedposts' ><h3 class=\"jp-relatedposts-headline\">"
            f"<em>Related</em></h3><div class=\"jp-relatedposts-items jp-relatedposts-items-visual\">{items}"
            "</div></div>"
        )

    def _excerpt_words(self, post: WPPost) -> str:
        """The first words of the body text, as wp_trim_words cuts them."""
        words = post.body_text.split()
        text = html.escape(" ".join(words[:EXCERPT_WORDS]), quote=False)
        return text + (" [&hellip;]" if len(words) > EXCERPT_WORDS else "")

    def _excerpt(self, post: WPPost) -> str:
        """The rendered excerpt paragraph."""
        return f"<p>{PROTECTED_EXCERPT if post.password else self._excerpt_words(post)}</p>\n"

    def _password_form(self, host: str, post: WPPost) -> str:
        """What WordPress shows instead of a protected post's content."""
        return (
            f'<form action="{host}/wp-login.php?action=postpass" class="post-password-form" method="post">'
            "<p>This content is password protected. To view it please enter your password below:</p>"
            f'<p><label for="pwbox-{post.post_id}">Password: <input name="post_password" id="pwbox-'
            f'{post.post_id}" type="password" spellcheck="false" size="20" /></label> <input type="submit" '
            'name="Submit" value="Enter" /></p></form>'
        )

    def _display_title(self, post: WPPost) -> str:
        """The title as themes and feeds print it (get_the_title adds "Protected: ")."""
        title = texturize(post.title)
        return f"Protected: {title}" if post.password else title

    # REST API

    def _api(self, request: Request) -> Response:
        """The /wp-json/ routes this site answers, or the error a locked-down API gives."""
        locked = API_MODES[self.api]
        if locked:
            status, code, message = locked
            return self._api_error(status, code, message)
        if request.path.rstrip("/") == POSTS_ROUTE:
            return self._api_posts(request)
        if match := POST_ROUTE.match(request.path):
            post = next((p for p in self._published() if p.post_id == int(match[1])), None)
            if post is None:
                return self._api_error(404, "rest_post_invalid_id", "Invalid post ID.")
            embed = request.arg("_embed")
            return Response(200, _wp_json(self._api_post(request.host_url, post, embed)), {"Content-Type": JSON_TYPE})
        if match := USER_ROUTE.match(request.path):
            return self._api_user(request.host_url, int(match[1]))
        return self._api_error(404, "rest_no_route", "No route was found matching the URL and request method.")

    def _api_error(self, status: int, code: str, message: str, params: dict[str, str] | None = None) -> Response:
        """A WP_Error as the REST API serialises it."""
        data: dict[str, object] = {"status": status}
        if params:
            data["params"] = params
        body = {"code": code, "message": message, "data": data}
        return Response(status, _wp_json(body), {"Content-Type": JSON_TYPE})

    def _api_posts(self, request: Request) -> Response:
        """The posts collection with WordPress's paging, ordering and validation."""
        per_page_arg, page_arg = request.arg("per_page", "10") or "", request.arg("page", "1") or ""
        orderby, order = request.arg("orderby", "date"), request.arg("order", "desc")
        if not per_page_arg.isdigit() or not 1 <= int(per_page_arg) <= 100:
            return self._api_error(400, "rest_invalid_param", "Invalid parameter(s): per_page",
                                   {"per_page": "per_page must be between 1 (inclusive) and 100 (inclusive)"})
        if not page_arg.isdigit() or int(page_arg) < 1:
            return self._api_error(400, "rest_invalid_param", "Invalid parameter(s): page",
                                   {"page": "page must be greater than or equal to 1"})
        if orderby not in ORDERBY or order not in ("asc", "desc"):
            return self._api_error(400, "rest_invalid_param", "Invalid parameter(s): orderby, order",
                                   {"orderby": f"orderby is not one of {', '.join(ORDERBY)}."})
        posts = self._published()
        after = request.arg("after")
        if after:
            try:
                since = dt.datetime.fromisoformat(after).replace(tzinfo=dt.UTC)
            except ValueError:
                return self._api_error(400, "rest_invalid_param", "Invalid parameter(s): after",
                                       {"after": "Invalid date."})
            posts = [p for p in posts if _gmt(p.published) > since]
        sort_keys = {"date": lambda p: p.published, "modified": lambda p: p.last_modified,
                     "id": lambda p: p.post_id, "title": lambda p: p.title}
        posts.sort(key=sort_keys[orderby], reverse=order == "desc")
        per_page, page = min(int(per_page_arg), self.per_page_cap), int(page_arg)
        total = len(posts)
        pages = -(-total // per_page)
        if page > pages and total > 0:
            return self._api_error(400, "rest_post_invalid_page_number",
                                   "The page number requested is larger than the number of pages available.")
        chunk = posts[(page - 1) * per_page : page * per_page]
        host, embed = request.host_url, request.arg("_embed")
        body = _wp_json([self._api_post(host, p, embed) for p in chunk])
        query = {k: v[0] for k, v in request.query.items()}
        links = []
        if page > 1:
            links.append(f'<{host}{POSTS_ROUTE}?{urlencode({**query, "page": page - 1})}>; rel="prev"')
        if page < pages:
            links.append(f'<{host}{POSTS_ROUTE}?{urlencode({**query, "page": page + 1})}>; rel="next"')
        headers = {"Content-Type": JSON_TYPE, "X-Robots-Tag": "noindex", "Allow": "GET"}
        if self.paging_headers:
            headers.update({"X-WP-Total": str(total), "X-WP-TotalPages": str(pages),
                            "Access-Control-Expose-Headers": "X-WP-Total, X-WP-TotalPages, Link"})
        if links and self.paging_headers:
            headers["Link"] = ", ".join(links)
        return Response(200, body, headers)

    def _api_post(self, host: str, post: WPPost, embed: str | None) -> dict[str, object]:
        """One post object as /wp/v2/posts returns it to an anonymous reader."""
        categories, tags = self._terms("category"), self._terms("post_tag")
        api = host + API_PREFIX + "/wp/v2"
        data: dict[str, object] = {
            "id": post.post_id,
            "date": _naive(post.published), "date_gmt": _naive(_gmt(post.published)),
            "guid": {"rendered": f"{host}/?p={post.post_id}"},
            "modified": _naive(post.last_modified), "modified_gmt": _naive(_gmt(post.last_modified)),
            "slug": post.slug, "status": "publish", "type": "post", "link": host + post.path,
            # The REST API leaves out the "Protected: " prefix that themes and feeds add.
            "title": {"rendered": texturize(post.title)},
            "content": {"rendered": "" if post.password else self._content(host, post),
                        "protected": bool(post.password)},
            "excerpt": {"rendered": "" if post.password else self._excerpt(post), "protected": bool(post.password)},
            "author": WP_AUTHORS[post.author][0], "featured_media": 0,
            "comment_status": "open", "ping_status": "open", "sticky": post.sticky, "template": "",
            "format": "standard", "meta": {"footnotes": ""},
            "categories": [categories[n] for n in post.categories], "tags": [tags[n] for n in post.tags],
            "_links": {
                "self": [{"href": f"{api}/posts/{post.post_id}"}],
                "collection": [{"href": f"{api}/posts"}],
                "author": [{"embeddable": True, "href": f"{api}/users/{WP_AUTHORS[post.author][0]}"}],
                "replies": [{"embeddable": True, "href": f"{api}/comments?post={post.post_id}"}],
                "wp:term": [
                    {"taxonomy": "category", "embeddable": True, "href": f"{api}/categories?post={post.post_id}"},
                    {"taxonomy": "post_tag", "embeddable": True, "href": f"{api}/tags?post={post.post_id}"},
                ],
                "curies": [{"name": "wp", "href": "https://api.w.org/{rel}", "templated": True}],
            },
        }
        if embed is not None:
            data["_embedded"] = self._embedded(host, post, embed)
        return data

    def _embedded(self, host: str, post: WPPost, embed: str) -> dict[str, object]:
        """`_embedded` for `_embed=1` (everything) or `_embed=author,wp:term` (only those links)."""
        wanted = {"author", "replies", "wp:term"} if embed in ("", "1", "true") else set(embed.split(","))
        embedded: dict[str, object] = {}
        if "author" in wanted:
            embedded["author"] = [
                {"code": "rest_user_cannot_view", "message": "Sorry, you are not allowed to list users.",
                 "data": {"status": 401}} if self.hide_users else self._user(host, post.author)
            ]
        if "replies" in wanted and post.comments:
            embedded["replies"] = [[
                {"id": post.post_id * 10 + i, "post": post.post_id, "author_name": c.author,
                 "content": {"rendered": f"<p>{html.escape(c.text)}</p>\n"}, "type": "comment"}
                for i, c in enumerate(post.comments, start=1)
            ]]
        if "wp:term" in wanted:
            embedded["wp:term"] = [
                [self._term(host, "category", n, self._terms("category")[n]) for n in sorted(post.categories)],
                [self._term(host, "post_tag", n, self._terms("post_tag")[n]) for n in sorted(post.tags)],
            ]
        return embedded

    def _term(self, host: str, taxonomy: str, name: str, term_id: int) -> dict[str, object]:
        """A term as embedded: names are stored HTML-escaped, so "&" arrives as "&amp;"."""
        base = "category" if taxonomy == "category" else "tag"
        slug = _slugify(name)
        return {"id": term_id, "link": f"{host}/{base}/{slug}/", "name": html.escape(name, quote=False),
                "slug": slug, "taxonomy": taxonomy}

    def _user(self, host: str, slug: str) -> dict[str, object]:
        """A user as the public sees it."""
        user_id, name = WP_AUTHORS[slug]
        return {"id": user_id, "name": name, "url": "", "description": "", "link": f"{host}/author/{slug}/",
                "slug": slug, "avatar_urls": {"96": f"https://secure.gravatar.com/avatar/{user_id}?s=96&d=mm"}}

    def _api_user(self, host: str, user_id: int) -> Response:
        """/wp/v2/users/{id}: refused when a security plugin hides users."""
        if self.hide_users:
            return self._api_error(401, "rest_user_cannot_view", "Sorry, you are not allowed to list users.")
        slug = next((s for s, (uid, _) in WP_AUTHORS.items() if uid == user_id), None)
        if slug is None:
            return self._api_error(404, "rest_user_invalid_id", "Invalid user ID.")
        return Response(200, _wp_json(self._user(host, slug)), {"Content-Type": JSON_TYPE})

    # RSS2 feed

    def _feed(self, request: Request) -> Response:
        """/feed/ (RSS2), `?paged=N` for older items; 404 when disabled or past the end."""
        if not self.feed:
            return self._not_found(request)
        paged = request.arg("paged", "1") or "1"
        if not paged.isdigit() or int(paged) < 1:
            return self._not_found(request)
        posts = self._published()
        start = (int(paged) - 1) * self.posts_per_rss
        chunk = posts[start : start + self.posts_per_rss]
        if not chunk and int(paged) > 1:
            return self._not_found(request)
        host = request.host_url
        built = max((p.last_modified for p in posts), default=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        items = "".join(self._item(host, p) for p in chunk)
        xml = f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
	xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
	>

<channel>
	<title>{html.escape(self.name)}</title>
	<atom:link href="{host}/feed/" rel="self" type="application/rss+xml" />
	<link>{host}</link>
	<description>{html.escape(self.tagline)}</description>
	<lastBuildDate>{_rfc822(built)}</lastBuildDate>
	<language>en-GB</language>
	<sy:updatePeriod>
	hourly	</sy:updatePeriod>
	<sy:updateFrequency>
	1	</sy:updateFrequency>
	<generator>https://wordpress.org/?v={WP_VERSION}</generator>
{items}	</channel>
</rss>
"""
        return Response(200, xml.encode("utf-8"), {"Content-Type": RSS_TYPE})

    def _item(self, host: str, post: WPPost) -> str:
        """One RSS item; Yoast SEO appends its "appeared first on" footer to description and content."""
        url = host + post.path
        footer = (f'<p>The post <a href="{url}">{texturize(post.title)}</a> appeared first on '
                  f'<a href="{host}">{html.escape(self.name)}</a>.</p>\n')
        names = list(dict.fromkeys(sorted(post.categories) + sorted(post.tags)))
        categories = "".join(f"\n\t\t<category>{_cdata(n)}</category>" for n in names)
        description = PROTECTED_EXCERPT if post.password else self._excerpt(post).strip()
        content = ""
        if self.full_text_feed:
            body = self._password_form(host, post) if post.password else post.body_html
            content = f"\n\t\t<content:encoded>{_cdata(body + chr(10) + footer)}</content:encoded>"
        return f"""	<item>
		<title>{self._display_title(post)}</title>
		<link>{url}</link>
		<comments>{url}#respond</comments>
		<dc:creator>{_cdata(WP_AUTHORS[post.author][1])}</dc:creator>
		<pubDate>{_rfc822(post.published)}</pubDate>{categories}
		<guid isPermaLink="false">{host}/?p={post.post_id}</guid>
		<description>{_cdata(description + footer)}</description>{content}
		<wfw:commentRss>{url}feed/</wfw:commentRss>
		<slash:comments>{len(post.comments)}</slash:comments>
	</item>
"""

    # Theme pages

    def _shortlink(self, request: Request) -> Response:
        """/?p=ID redirects to the permalink, as the guid and shortlink rely on."""
        post_id = request.arg("p") or ""
        post = next((p for p in self._published() if str(p.post_id) == post_id), None)
        if post is None:
            return self._not_found(request)
        return Response.redirect(request.host_url + post.path)

    def _archive(self, request: Request, page: int) -> Response:
        """Home (page 1) and /page/N/: excerpts newest first, sticky posts on top of page one."""
        posts = self._published()
        pages = max(1, -(-len(posts) // self.posts_per_page))
        if page > pages:
            return self._not_found(request)
        shown = posts[(page - 1) * self.posts_per_page : page * self.posts_per_page]
        if page == 1:
            sticky = [p for p in posts if p.sticky]
            shown = sticky + [p for p in shown if not p.sticky]
        host = request.host_url
        articles = "\n".join(self._article(host, p, single=False) for p in shown)
        numbers = []
        if page > 1:
            previous = f"{host}/" if page == 2 else f"{host}/page/{page - 1}/"
            numbers.append(f'<a class="prev page-numbers" href="{previous}">Previous page</a>')
        for n in range(1, pages + 1):
            if n == page:
                numbers.append(f'<span aria-current="page" class="page-numbers current">{n}</span>')
            else:
                href = f"{host}/" if n == 1 else f"{host}/page/{n}/"
                numbers.append(f'<a class="page-numbers" href="{href}">{n}</a>')
        if page < pages:
            numbers.append(f'<a class="next page-numbers" href="{host}/page/{page + 1}/">Next page</a>')
        pagination = (
            '<nav class="navigation pagination" aria-label="Posts"><h2 class="screen-reader-text">Posts '
            f'navigation</h2><div class="nav-links">{"".join(numbers)}</div></nav>'
        )
        classes = "home blog" + (f" paged paged-{page}" if page > 1 else "")
        return self._page(request, self.name, f"{articles}\n{pagination}", classes)

    def _single(self, request: Request) -> Response:
        """A single post with post navigation and its comments."""
        posts = self._published()
        index = next((i for i, p in enumerate(posts) if p.path == request.path.rstrip("/") + "/"), None)
        if index is None:
            return self._not_found(request)
        host, post = request.host_url, posts[index]
        url = host + post.path
        navigation = ""
        if index + 1 < len(posts):
            older = posts[index + 1]
            navigation += (f'<div class="nav-previous"><a href="{host}{older.path}" rel="prev"><span '
                           f'class="screen-reader-text">Previous Post</span>{texturize(older.title)}</a></div>')
        if index > 0:
            newer = posts[index - 1]
            navigation += (f'<div class="nav-next"><a href="{host}{newer.path}" rel="next"><span '
                           f'class="screen-reader-text">Next Post</span>{texturize(newer.title)}</a></div>')
        main = (
            f"{self._article(host, post, single=True)}\n"
            '<nav class="navigation post-navigation" aria-label="Posts"><h2 class="screen-reader-text">Post '
            f'navigation</h2><div class="nav-links">{navigation}</div></nav>\n{self._comments(url, post)}'
        )
        head = (
            f'<link rel="canonical" href="{url}" />\n<link rel=\'shortlink\' href=\'{host}/?p={post.post_id}\' />\n'
            f'<meta property="article:published_time" content="{post.published.isoformat()}" />\n'
            f'<meta property="article:modified_time" content="{post.last_modified.isoformat()}" />\n'
        )
        if self.api == "open":
            head += (f'<link rel="alternate" type="application/json" '
                     f'href="{host}{API_PREFIX}/wp/v2/posts/{post.post_id}" />\n')
        classes = f"post-template-default single single-post postid-{post.post_id} single-format-standard"
        title = f"{html.unescape(self._display_title(post)).strip()} &#8211; {html.escape(self.name)}"
        return self._page(request, title, main, classes, head=head)

    def _article(self, host: str, post: WPPost, single: bool) -> str:
        """The post's <article>: title, meta, excerpt (archives) or content (single), and on single its footer."""
        url = host + post.path
        categories, tags = self._terms("category"), self._terms("post_tag")
        term_classes = " ".join([f"category-{_slugify(n)}" for n in post.categories]
                                + [f"tag-{_slugify(n)}" for n in post.tags])
        classes = (f"post-{post.post_id} post type-post status-publish format-standard"
                   f"{' post-password-required' if post.password else ''}{' sticky' if post.sticky else ''}"
                   f" hentry {term_classes}")
        published, modified = post.published.isoformat(), post.last_modified.isoformat()
        if post.modified:
            times = (f'<time class="entry-date published" datetime="{published}">{_long_date(post.published)}'
                     f'</time><time class="updated" datetime="{modified}">{_long_date(post.last_modified)}</time>')
        else:
            times = (f'<time class="entry-date published updated" datetime="{published}">'
                     f'{_long_date(post.published)}</time>')
        author = WP_AUTHORS[post.author][1]
        meta = (
            f'<div class="entry-meta"><span class="posted-on"><span class="screen-reader-text">Posted on</span> '
            f'<a href="{url}" rel="bookmark">{times}</a></span><span class="byline"> by <span class="author vcard">'
            f'<a class="url fn n" href="{host}/author/{post.author}/">{html.escape(author)}</a></span></span></div>'
        )
        title = self._display_title(post)
        # the_title() prints nothing at all for an empty title, but does print one made of spaces.
        if not post.title:
            heading = ""
        elif single:
            heading = f'<h1 class="entry-title">{title}</h1>'
        else:
            heading = f'<h2 class="entry-title"><a href="{url}" rel="bookmark">{title}</a></h2>'
        if single:
            content = self._password_form(host, post) if post.password else self._content(host, post)
            body = f'<div class="entry-content">\n{content}\n</div>'
            cat_links = ", ".join(f'<a href="{host}/category/{_slugify(n)}/" rel="category tag">'
                                  f'{html.escape(n)}</a>' for n in sorted(post.categories) if n in categories)
            tag_links = ", ".join(f'<a href="{host}/tag/{_slugify(n)}/" rel="tag">{html.escape(n)}</a>'
                                  for n in sorted(post.tags) if n in tags)
            tag_span = (f'<span class="tags-links"><span class="screen-reader-text">Tags</span>{tag_links}</span>'
                        if tag_links else "")
            body += (f'\n<footer class="entry-footer"><span class="cat-tags-links"><span class="cat-links">'
                     f'<span class="screen-reader-text">Categories</span>{cat_links}</span>{tag_span}</span>'
                     "</footer>")
        else:
            more = "" if post.password else (f'<p class="link-more"><a href="{url}#more-{post.post_id}" '
                                             'class="more-link">Continue reading</a></p>')
            body = f'<div class="entry-summary">\n{self._excerpt(post)}{more}\n</div>'
        return (f'<article id="post-{post.post_id}" class="{classes}">\n<header class="entry-header">\n{meta}\n'
                f"{heading}\n</header>\n{body}\n</article>")

    def _comments(self, url: str, post: WPPost) -> str:
        """The comments area: approved comments (decoy topic words) and the reply form."""
        entries = "".join(
            f'<li id="comment-{post.post_id * 10 + i}" class="comment even thread-even depth-1">'
            f'<article id="div-comment-{post.post_id * 10 + i}" class="comment-body"><footer class="comment-meta">'
            f'<div class="comment-author vcard"><b class="fn">{html.escape(c.author)}</b> <span class="says">'
            f'says:</span></div><div class="comment-metadata"><a href="{url}#comment-{post.post_id * 10 + i}">'
            f'<time datetime="{(post.published + dt.timedelta(days=i)).isoformat()}">'
            f"{_long_date(post.published + dt.timedelta(days=i))}</time></a></div></footer>"
            f'<div class="comment-content"><p>{html.escape(c.text)}</p></div></article></li>'
            for i, c in enumerate(post.comments, start=1)
        )
        count = len(post.comments)
        heading = (f'<h2 class="comments-title">{count} Repl{"y" if count == 1 else "ies"} to &#8220;'
                   f"{texturize(post.title).strip()}&#8221;</h2><ol class=\"comment-list\">{entries}</ol>"
                   if count else "")
        return (f'<div id="comments" class="comments-area">{heading}<div id="respond" class="comment-respond">'
                '<h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3><form action="/wp-comments-'
                'post.php" method="post" id="commentform" class="comment-form"><p class="comment-form-comment">'
                '<label for="comment">Comment</label><textarea id="comment" name="comment"></textarea></p>'
                "</form></div></div>")

    def _not_found(self, request: Request) -> Response:
        """The theme's 404 page."""
        main = ('<section class="error-404 not-found"><header class="page-header"><h1 class="page-title">Oops! '
                "That page can&rsquo;t be found.</h1></header><div class=\"page-content\"><p>It looks like nothing "
                "was found at this location. Maybe try a search?</p></div></section>")
        return self._page(request, f"Page not found &#8211; {html.escape(self.name)}", main, "error404", status=404)

    def _sidebar(self, host: str) -> str:
        """Search, recent posts, a campaign text widget, categories and a tag cloud: topic words on every page."""
        posts = self._published()
        recent = "".join(f'<li><a href="{host}{p.path}">{self._display_title(p).strip() or "(no title)"}</a></li>'
                         for p in posts[:RECENT_COUNT])
        counts = Counter(n for p in posts for n in p.categories)
        categories = "".join(f'<li class="cat-item"><a href="{host}/category/{_slugify(n)}/">{html.escape(n)}</a> '
                             f"({c})</li>" for n, c in sorted(counts.items()))
        tags = Counter(n for p in posts for n in p.tags)
        cloud = "".join(f'<a href="{host}/tag/{_slugify(n)}/" class="tag-cloud-link" style="font-size: '
                        f'{8 + 4 * c}pt;" aria-label="{html.escape(n)} ({c} items)">{html.escape(n)}</a>\n'
                        for n, c in sorted(tags.items()))
        return f"""<aside id="secondary" class="widget-area" aria-label="Blog Sidebar">
<section id="search-2" class="widget widget_search"><form role="search" method="get" class="search-form" \
action="{host}/"><label><span class="screen-reader-text">Search for:</span><input type="search" \
class="search-field" name="s" /></label><button type="submit" class="search-submit">Search</button></form></section>
<section id="recent-posts-2" class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2>\
<ul>{recent}</ul></section>
<section id="text-3" class="widget widget_text"><h2 class="widget-title">Campaigns</h2><div class="textwidget">\
{CAMPAIGN_WIDGET}</div></section>
<section id="categories-2" class="widget widget_categories"><h2 class="widget-title">Categories</h2>\
<ul>{categories}</ul></section>
<section id="tag_cloud-2" class="widget widget_tag_cloud"><h2 class="widget-title">Tags</h2>\
<div class="tagcloud">{cloud}</div></section>
</aside>"""

    def _page(self, request: Request, title: str, main: str, body_class: str, *, head: str = "",
              status: int = 200) -> Response:
        """The theme around `main`."""
        host, name = request.host_url, html.escape(self.name)
        links = ""
        if self.feed:
            links += (f'<link rel="alternate" type="application/rss+xml" title="{name} &raquo; Feed" '
                      f'href="{host}/feed/" />\n')
        if self.api == "open":
            links += f'<link rel="https://api.w.org/" href="{host}/wp-json/" />\n'
        page = f"""<!DOCTYPE html>
<html lang="en-GB" class="no-js no-svg">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<meta name='robots' content='index, follow, max-image-preview:large' />
{links}{head}<meta name="generator" content="WordPress {WP_VERSION}" />
</head>
<body class="{body_class} wp-embed-responsive has-header-image has-sidebar colors-light">
<div id="page" class="site">
<a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<header id="masthead" class="site-header">
<div class="site-branding"><h1 class="site-title"><a href="{host}/" rel="home">{name}</a></h1>
<p class="site-description">{html.escape(self.tagline)}</p></div>
<nav id="site-navigation" class="main-navigation" aria-label="Top Menu"><ul id="top-menu" class="menu">
<li class="menu-item"><a href="{host}/">Home</a></li>
<li class="menu-item"><a href="{host}/category/campaigns/">Shared services campaign</a></li>
<li class="menu-item"><a href="{host}/category/budget/">Fight the back office cuts</a></li>
<li class="menu-item"><a href="https://join.unison.org.uk/">Join UNISON</a></li>
</ul></nav>
</header>
<div class="site-content-contain"><div id="content" class="site-content"><div class="wrap">
<div id="primary" class="content-area"><main id="main" class="site-main">
{main}
</main></div>
{self._sidebar(host)}
</div></div>
<footer id="colophon" class="site-footer"><div class="site-info">&copy; {dt.date.today().year} {name}. \
<a href="https://wordpress.org/" class="imprint">Proudly powered by WordPress</a></div></footer>
</div></div>
</body>
</html>
"""
        return Response.text(page, status)
