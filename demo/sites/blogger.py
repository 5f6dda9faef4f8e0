"""A Blogger blog in the classic template: index, older-posts and label pages, post pages, Atom feed.

Markup and feed shapes follow real Blogger output (`div.blog-posts.hfeed` > `div.date-outer` >
`h2.date-header` > `div.date-posts` > `div.post-outer` > `div.post.hentry`; Atom entries with
`tag:blogger.com,1999:blog-X.post-Y` ids and openSearch paging). All links are absolute and built from the
Host header the request arrived with. With `feed=False` the feed answers 404 and no page advertises it.
Dates are shown in each post's own time zone (the blog's setting), formatted per `locale`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from html import escape
from urllib.parse import quote, unquote

from demo.content import BlogPost
from demo.server import TEXT_TYPE, Request, Response

ATOM_TYPE = "application/atom+xml; charset=UTF-8"
FEED_PATH = "/feeds/posts/default"
POST_PATH = re.compile(r"^/(\d{4})/(\d{2})/([\w-]+)\.html$")
LABEL_PATH = re.compile(r"^/search/label/([^/]+)$")
FEED_DEFAULT_RESULTS = 25
FEED_MAX_RESULTS = 100
SNIPPET_CHARS = 200
POPULAR_LIMIT = 5
LOCALES = ("en-GB", "en-US")
LABEL_SCHEME = "http://www.blogger.com/atom/ns#"
NAVBAR = "<div class='navbar no-items section' id='navbar' name='Navbar'></div>"


def _iso(moment: dt.datetime) -> str:
    """Blogger's page timestamp form, e.g. 2016-05-08T00:55:00-07:00."""
    return moment.isoformat(timespec="seconds")


def _atom_time(moment: dt.datetime) -> str:
    """Blogger's feed timestamp form, e.g. 2007-12-14T23:15:00.000-08:00."""
    return moment.isoformat(timespec="milliseconds")


def _clock(moment: dt.datetime, locale: str) -> str:
    """Time of day: "21:15" (en-GB) or "5:40 PM" (en-US)."""
    return f"{moment:%H:%M}" if locale == "en-GB" else f"{moment.hour % 12 or 12}:{moment:%M %p}"


def _day(moment: dt.datetime, locale: str) -> str:
    """Calendar day without weekday: "10 December 2009" or "March 21, 2012"."""
    return f"{moment.day} {moment:%B %Y}" if locale == "en-GB" else f"{moment:%B} {moment.day}, {moment.year}"


def _date_header(moment: dt.datetime, locale: str) -> str:
    """The date-header text: "Thursday, 10 December 2009" or "Wednesday, March 21, 2012"."""
    return f"{moment:%A}, {_day(moment, locale)}"


def _xml(text: str) -> str:
    """Escape text for XML element content or a quoted attribute."""
    return escape(text, quote=True)


def _profile_id(author: str) -> str:
    """A stable fake Blogger profile number for an author name."""
    return str(sum(ord(c) * 7919**i for i, c in enumerate(author)) % 10**20).zfill(20)


def _snippet(post: BlogPost) -> str:
    """The Popular Posts snippet: the start of the body text, cut at a word."""
    text = " ".join(post.body_text.split())
    return text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + "..."


class BloggerSite:
    """One Blogger blog; reads `self.posts` on each request, so tests may add or edit posts between crawls."""

    def __init__(
        self,
        title: str,
        posts: list[BlogPost],
        blog_id: str | None = None,
        feed: bool = True,
        page_size: int = 5,
        locale: str = "en-GB",
        description: str = "",
        feed_cap: int = FEED_MAX_RESULTS,
    ) -> None:
        if locale not in LOCALES:
            raise ValueError(f"locale must be one of {LOCALES}, not {locale!r}")
        self.title = title
        self.posts = posts
        self.blog_id = blog_id or (posts[0].blog_id if posts else "0")
        self.feed = feed
        self.page_size = page_size
        self.locale = locale
        self.description = description
        self.feed_cap = feed_cap  # the server, not the client, decides the largest feed page

    def handle(self, request: Request) -> Response:
        """Route one request."""
        path = request.path
        if path in ("/", "/search"):
            return self._listing(request, self._newest_first(), "/search")
        if match := LABEL_PATH.match(path):
            label = unquote(match[1])
            posts = [p for p in self._newest_first() if label in p.labels]
            return self._listing(request, posts, path, label)
        if POST_PATH.match(path):
            return self._post_page(request)
        if path == FEED_PATH:
            return self._feed(request)
        return self._not_found(request)

    def _newest_first(self) -> list[BlogPost]:
        """All posts, newest first."""
        return sorted(self.posts, key=lambda p: p.published, reverse=True)

    # HTML pages

    def _listing(self, request: Request, posts: list[BlogPost], pager_path: str, label: str = "") -> Response:
        """Index, search or label page: up to max-results posts older than updated-max, grouped by day."""
        host = request.host_url
        before = (request.arg("updated-max") or "").replace(" ", "+")  # a raw "+" arrives decoded as a space
        if before:
            try:
                limit = dt.datetime.fromisoformat(before)
            except ValueError:
                return self._page(request, "<p class='status-msg-body'>Bad request.</p>", "", status=400)
            limit = limit if limit.tzinfo else limit.replace(tzinfo=dt.UTC)
            posts = [p for p in posts if p.published < limit]
        size = request.arg("max-results") or ""
        size_n = int(size) if size.isdigit() and int(size) > 0 else self.page_size
        shown, older = posts[:size_n], posts[size_n:]
        status = ""
        if label:
            status = (
                "<div class='status-msg-wrap'><div class='status-msg-body'>Showing posts with the label "
                f"<b>{escape(label)}</b>. <a href='{host}/'>Show all posts</a></div></div>\n"
            )
        elif not shown:
            status = "<div class='status-msg-wrap'><div class='status-msg-body'>No posts.</div></div>\n"
        days: list[list[BlogPost]] = []
        for post in shown:
            if days and days[-1][0].published.date() == post.published.date():
                days[-1].append(post)
            else:
                days.append([post])
        outers = "\n".join(self._date_outer(host, day, linked=True) for day in days)
        pager = ""
        if shown and older:
            updated_max = quote(_iso(shown[-1].published), safe=":")
            href = f"{host}{pager_path}?updated-max={updated_max}&amp;max-results={size_n}"
            pager = (
                f"<span id='blog-pager-older-link'><a class='blog-pager-older-link' href='{href}' "
                "id='Blog1_blog-pager-older-link' title='Older Posts'>Older Posts</a></span>\n"
            )
        blog = f"{status}<div class='blog-posts hfeed'>\n{outers}\n</div>\n{self._pager(host, pager)}"
        return self._page(request, blog, escape(label))

    def _post_page(self, request: Request) -> Response:
        """A single post with its comments and newer/older links (`?m=1` gives the same page)."""
        posts = self._newest_first()
        index = next((i for i, p in enumerate(posts) if p.path == request.path), None)
        if index is None:
            return self._not_found(request)
        host, post = request.host_url, posts[index]
        links = ""
        if index > 0:
            links += (
                f"<span id='blog-pager-newer-link'><a class='blog-pager-newer-link' href='{host}"
                f"{posts[index - 1].path}' id='Blog1_blog-pager-newer-link' title='Newer Post'>Newer Post</a>"
                "</span>\n"
            )
        if index + 1 < len(posts):
            links += (
                f"<span id='blog-pager-older-link'><a class='blog-pager-older-link' href='{host}"
                f"{posts[index + 1].path}' id='Blog1_blog-pager-older-link' title='Older Post'>Older Post</a>"
                "</span>\n"
            )
        outer = self._date_outer(host, [post], linked=False)
        blog = f"<div class='blog-posts hfeed'>\n{outer}\n</div>\n{self._pager(host, links)}"
        return self._page(request, blog, escape(post.title), canonical=host + post.path)

    def _not_found(self, request: Request) -> Response:
        """Blogger's "page does not exist" page, with the full template."""
        body = (
            "<div class='status-msg-wrap'><div class='status-msg-body'>Sorry, the page you were looking for "
            "in this blog does not exist.</div></div>"
        )
        return self._page(request, body, "", status=404)

    def _pager(self, host: str, links: str) -> str:
        """The blog-pager block with the given newer/older links and a Home link."""
        home = f"<a class='home-link' href='{host}/'>Home</a>"
        return f"<div class='blog-pager' id='blog-pager'>\n{links}{home}\n</div>"

    def _date_outer(self, host: str, day: list[BlogPost], linked: bool) -> str:
        """One date-outer block: the day's date header and its posts."""
        header = escape(_date_header(day[0].published, self.locale))
        posts = "\n".join(self._post_outer(host, p, linked) for p in day)
        return (
            f"<div class='date-outer'>\n<h2 class='date-header'><span>{header}</span></h2>\n"
            f"<div class='date-posts'>\n{posts}\n</div>\n</div>"
        )

    def _post_outer(self, host: str, post: BlogPost, linked: bool) -> str:
        """One post-outer block; index pages link the title, post pages add the comments."""
        url = host + post.path
        title = escape(post.title)
        heading = f"<a href='{url}'>{title}</a>" if linked else title
        labels = ", ".join(
            f"<a href='{host}/search/label/{quote(label)}' rel='tag'>{escape(label)}</a>"
            for label in post.labels
        )
        count = len(post.comments)
        count_text = f"{count} comment{'' if count == 1 else 's'}" if count else "No comments"
        comments = "" if linked else "\n" + self._comments(url, post)
        return f"""<div class='post-outer'>
<div class='post hentry uncustomized-post-template' itemprop='blogPost' itemscope='itemscope' \
itemtype='http://schema.org/BlogPosting'>
<meta content='{self.blog_id}' itemprop='blogId'/>
<meta content='{post.post_id}' itemprop='postId'/>
<a name='{post.post_id}'></a>
<h3 class='post-title entry-title' itemprop='name'>
{heading}
</h3>
<div class='post-header'><div class='post-header-line-1'></div></div>
<div class='post-body entry-content' id='post-body-{post.post_id}' itemprop='description articleBody'>
{post.body_html}
<div style='clear: both;'></div>
</div>
<div class='post-footer'>
<div class='post-footer-line post-footer-line-1'>
<span class='post-author vcard'>Posted by <span class='fn' itemprop='author' itemscope='itemscope' \
itemtype='http://schema.org/Person'><a class='g-profile' href='https://www.blogger.com/profile/\
{_profile_id(post.author)}' rel='author' title='author profile'><span itemprop='name'>\
{escape(post.author)}</span></a></span></span>
<span class='post-timestamp'>at <meta content='{url}' itemprop='url'/><a class='timestamp-link' href='{url}' \
rel='bookmark' title='permanent link'><abbr class='published' itemprop='datePublished' \
title='{_iso(post.published)}'>{_clock(post.published, self.locale)}</abbr></a></span>
<span class='post-comment-link'><a class='comment-link' href='{url}#comment-form'>{count_text}:</a></span>
</div>
<div class='post-footer-line post-footer-line-2'><span class='post-labels'>Labels: {labels}</span></div>
</div>
</div>{comments}
</div>"""

    def _comments(self, url: str, post: BlogPost) -> str:
        """The #comments section of a post page."""
        entries = []
        for i, comment in enumerate(post.comments, start=1):
            comment_id = str(int(post.post_id) % 10**18 + 7919 * i)
            when = post.published + dt.timedelta(hours=3 * i, minutes=17 * i)
            stamp = f"{_day(when, self.locale)} at {_clock(when, self.locale)}"
            text = escape(comment.text).replace("\n", "<br />")
            millis = int(when.timestamp() * 1000)
            entries.append(
                f"<dt class='comment-author' id='c{comment_id}'><a name='c{comment_id}'></a>"
                f"{escape(comment.author)} said...</dt>\n"
                f"<dd class='comment-body' id='Blog1_cmt-{comment_id}'><p>{text}</p></dd>\n"
                f"<dd class='comment-footer'><span class='comment-timestamp'><a href='{url}"
                f"?showComment={millis}#c{comment_id}' title='comment permalink'>{stamp}</a></span></dd>"
            )
        heading = f"{len(entries)} comment{'' if len(entries) == 1 else 's'}:" if entries else "No comments:"
        block = "\n".join(entries)
        return f"""<div class='comments' id='comments'>
<a name='comments'></a>
<h4>{heading}</h4>
<div id='Blog1_comments-block-wrapper'>
<dl class='avatar-comment-indent' id='comments-block'>
{block}
</dl>
</div>
<p class='comment-footer'><a href='https://www.blogger.com/comment.g?blogID={self.blog_id}&amp;postID=\
{post.post_id}' onclick=''>Post a Comment</a></p>
</div>"""

    def _sidebar(self, host: str) -> str:
        """Popular Posts and Labels widgets (both carry topic words on every page)."""
        popular = [p for p in self._newest_first() if p.popular][:POPULAR_LIMIT]
        items = "\n".join(
            f"<li><div class='item-content'><div class='item-title'><a href='{host}{p.path}'>"
            f"{escape(p.title)}</a></div><div class='item-snippet'>{escape(_snippet(p))}</div></div></li>"
            for p in popular
        )
        counts = Counter(label for p in self.posts for label in p.labels)
        labels = "\n".join(
            f"<li><a dir='ltr' href='{host}/search/label/{quote(label)}'>{escape(label)}</a>"
            f"<span dir='ltr'>({n})</span></li>"
            for label, n in sorted(counts.items(), key=lambda kv: kv[0].lower())
        )
        return f"""<div class='sidebar section' id='sidebar-right-1'>
<div class='widget PopularPosts' data-version='1' id='PopularPosts1'>
<h2>Popular Posts</h2>
<div class='widget-content popular-posts'><ul>
{items}
</ul></div>
</div>
<div class='widget Label' data-version='1' id='Label1'>
<h2>Labels</h2>
<div class='widget-content list-label-widget-content'><ul>
{labels}
</ul></div>
</div>
</div>"""

    def _page(
        self, request: Request, blog: str, title_suffix: str, status: int = 200, canonical: str = ""
    ) -> Response:
        """The classic template around the Blog1 widget contents `blog`."""
        host = request.host_url
        name = escape(self.title)
        title = f"{name}: {title_suffix}" if title_suffix else name
        feed_links = feed_footer = ""
        if self.feed:
            feed_links = (
                f'<link rel="alternate" type="application/atom+xml" title="{name} - Atom" '
                f'href="{host}{FEED_PATH}" />\n'
                f'<link rel="alternate" type="application/rss+xml" title="{name} - RSS" '
                f'href="{host}{FEED_PATH}?alt=rss" />\n'
            )
            feed_footer = (
                "<div class='blog-feeds'><div class='feed-links'>Subscribe to: <a class='feed-link' "
                f"href='{host}{FEED_PATH}' target='_blank' type='application/atom+xml'>Posts (Atom)</a>"
                "</div></div>\n"
            )
        html = f"""<!DOCTYPE html>
<html class='v2' dir='ltr' lang='{self.locale}' xmlns='http://www.w3.org/1999/xhtml' \
xmlns:b='http://www.google.com/2005/gml/b' xmlns:data='http://www.google.com/2005/gml/data' \
xmlns:expr='http://www.google.com/2005/gml/expr'>
<head>
<meta content='width=1100' name='viewport'/>
<meta content='text/html; charset=UTF-8' http-equiv='Content-Type'/>
<meta content='blogger' name='generator'/>
<link href='{host}/favicon.ico' rel='icon' type='image/x-icon'/>
<link href='{canonical or host + request.path}' rel='canonical'/>
{feed_links}<link rel="service.post" type="application/atom+xml" title="{name} - Atom" \
href="https://www.blogger.com/feeds/{self.blog_id}/posts/default" />
<title>{title}</title>
<meta content='{title}' property='og:title'/>
</head>
<body class='loading variant-simplysimple'>
{NAVBAR}
<div class='content'><div class='content-outer'>
<header><div class='header-outer'><div class='header section' id='header'>
<div class='widget Header' data-version='1' id='Header1'><div id='header-inner'>
<div class='titlewrapper'><h1 class='title'><a href='{host}/'>{name}</a></h1></div>
<div class='descriptionwrapper'><p class='description'><span>{escape(self.description)}</span></p></div>
</div></div>
</div></div></header>
<div class='main-outer'><div class='columns fauxcolumns'>
<div class='column-center-outer'><div class='column-center-inner'>
<div class='main section' id='main'><div class='widget Blog' data-version='1' id='Blog1'>
{blog}
<div class='clear'></div>
{feed_footer}</div></div>
</div></div>
<div class='column-right-outer'><div class='column-right-inner'><aside>
{self._sidebar(host)}
</aside></div></div>
</div></div>
<footer><div class='footer-outer'><div class='foot section' id='footer-3'>
<div class='widget Attribution' data-version='1' id='Attribution1'><div class='widget-content' \
style='text-align: center;'>Simple theme. Powered by <a href='https://www.blogger.com' \
target='_blank'>Blogger</a>.</div></div>
</div></div></footer>
</div></div>
</body>
</html>
"""
        return Response.text(html, status)

    # Atom feed

    def _feed(self, request: Request) -> Response:
        """The Atom posts feed with openSearch paging (start-index, max-results ≤ 100, rel=next)."""
        if not self.feed or request.arg("alt", "atom") != "atom":
            return self._not_found(request)
        start_arg = request.arg("start-index") or "1"
        size_arg = request.arg("max-results") or str(FEED_DEFAULT_RESULTS)
        if not (start_arg.isdigit() and size_arg.isdigit()) or int(start_arg) < 1 or int(size_arg) < 1:
            return Response.text("Invalid start-index or max-results", 400, TEXT_TYPE)
        start, size = int(start_arg), min(int(size_arg), self.feed_cap)
        by_updated = request.arg("orderby") == "updated"
        host, posts = request.host_url, self._newest_first()
        if by_updated:  # Blogger's orderby=updated: the latest edited first
            posts = sorted(posts, key=lambda p: p.last_updated, reverse=True)
        order = "&amp;orderby=updated" if by_updated else ""
        page = posts[start - 1 : start - 1 + size]
        feed_url = host + FEED_PATH
        links = [
            f"<link rel='http://schemas.google.com/g/2005#feed' type='application/atom+xml' "
            f"href='{feed_url}'/>",
            f"<link rel='self' type='application/atom+xml' "
            f"href='{feed_url}?start-index={start}&amp;max-results={size}'/>",
            f"<link rel='alternate' type='text/html' href='{host}/'/>",
            "<link rel='hub' href='http://pubsubhubbub.appspot.com/'/>",
        ]
        if start > 1:
            previous = max(1, start - size)
            links.append(
                f"<link rel='previous' type='application/atom+xml' "
                f"href='{feed_url}?start-index={previous}&amp;max-results={size}{order}'/>"
            )
        if start - 1 + size < len(posts):
            links.append(
                f"<link rel='next' type='application/atom+xml' "
                f"href='{feed_url}?start-index={start + size}&amp;max-results={size}{order}'/>"
            )
        updated = max((p.last_updated for p in posts), default=dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
        categories = "".join(
            f"<category term='{_xml(label)}'/>" for label in sorted({la for p in posts for la in p.labels})
        )
        entries = "".join(self._entry(host, p) for p in page)
        owner = posts[-1].author if posts else "Unknown"
        xml = (
            "<?xml version='1.0' encoding='UTF-8'?>"
            "<?xml-stylesheet href=\"http://www.blogger.com/styles/atom.css\" type=\"text/css\"?>"
            "<feed xmlns='http://www.w3.org/2005/Atom' "
            "xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' "
            "xmlns:blogger='http://schemas.google.com/blogger/2008' "
            "xmlns:georss='http://www.georss.org/georss' xmlns:gd=\"http://schemas.google.com/g/2005\" xmlns:thr='http://purl.org/syndication/thread/1.0'>"
            f"<id>tag:blogger.com,1999:blog-{self.blog_id}</id><updated>{_atom_time(updated)}</updated>"
            f"{categories}<title type='text'>{_xml(self.title)}</title>"
            f"<subtitle type='html'>{_xml(self.description)}</subtitle>{''.join(links)}"
            f"<author><name>{_xml(owner)}</name><uri>https://www.blogger.com/profile/{_profile_id(owner)}</uri>"
            "<email>noreply@blogger.com</email></author>"
            "<generator version='7.00' uri='http://www.blogger.com'>Blogger</generator>"
            f"<openSearch:totalResults>{len(posts)}</openSearch:totalResults>"
            f"<openSearch:startIndex>{start}</openSearch:startIndex>"
            f"<openSearch:itemsPerPage>{size}</openSearch:itemsPerPage>{entries}</feed>"
        )
        return Response.text(xml, content_type=ATOM_TYPE)

    def _entry(self, host: str, post: BlogPost) -> str:
        """One Atom entry in Blogger's shape."""
        url = host + post.path
        count = len(post.comments)
        categories = "".join(
            f"<category scheme='{LABEL_SCHEME}' term='{_xml(label)}'/>" for label in post.labels
        )
        return (
            f"<entry><id>tag:blogger.com,1999:blog-{self.blog_id}.post-{post.post_id}</id>"
            f"<published>{_atom_time(post.published)}</published>"
            f"<updated>{_atom_time(post.last_updated)}</updated>{categories}"
            f"<title type='text'>{_xml(post.title)}</title>"
            f"<content type='html'>{_xml(post.body_html)}</content>"
            f"<link rel='replies' type='application/atom+xml' "
            f"href='{host}/feeds/{post.post_id}/comments/default' title='Post Comments'/>"
            f"<link rel='replies' type='text/html' href='{url}#comment-form' title='{count} Comments'/>"
            f"<link rel='edit' type='application/atom+xml' href='{host}{FEED_PATH}/{post.post_id}'/>"
            f"<link rel='self' type='application/atom+xml' href='{host}{FEED_PATH}/{post.post_id}'/>"
            f"<link rel='alternate' type='text/html' href='{url}' title='{_xml(post.title)}'/>"
            f"<author><name>{_xml(post.author)}</name>"
            f"<uri>https://www.blogger.com/profile/{_profile_id(post.author)}</uri>"
            "<email>noreply@blogger.com</email><gd:image rel='http://schemas.google.com/g/2005#thumbnail' "
            "width='16' height='16' src='https://img1.blogblog.com/img/b16-rounded.gif'/></author>"
            f"<thr:total>{count}</thr:total></entry>"
        )
