"""WordPress's paths, limits, REST API parameters, theme selectors and sitemap patterns.

Data only: the extractor in this package reads these; change a selector or limit here."""

from __future__ import annotations

import re

from extractors.html.css import Selector

FEED_PATH = "feed/"
ARCHIVE_PAGE = "page/{n}/"
MAX_PAGES = 1000  # a loop guard: 100,000 posts through the API, 10,000 through feeds and archives
# Yoast SEO appends this paragraph to every feed item; it is not part of the post.
FEED_FOOTER = re.compile(r"^The post (.+ )?appeared first on .+\.$", re.DOTALL)
API, API_ROUTE, FEED, ARCHIVES = "rest api", "rest api (?rest_route=)", "rss feed", "html archives"
SITEMAP, LINKS = "xml sitemap", "archive links"
POSTS_PATH = "wp-json/wp/v2/posts"
PER_PAGE = 100  # the API's own maximum; a site may still serve fewer, so X-WP-TotalPages decides the walk
# Latest edits first: an edited old post surfaces on page one, where the stop-at-a-known-page rule sees it.
ORDER = {"orderby": "modified", "order": "desc"}
# Author names and terms inline: one request a page instead of one per user and term list (WordPress >= 5.4
# embeds only these; older versions embed everything, which is harmless).
EMBED = "author,wp:term"
LABEL_TAXONOMIES = ("category", "post_tag")
PAGE_PAST_END = "rest_post_invalid_page_number"
POST_ARTICLE = Selector("article[id^=post-]")
POST_ID = re.compile(r"^post-(\d+)$")
POST_ID_CLASS = re.compile(r"^(?:post|postid)-(\d+)$")
# `?p=123`: the post id in a shortlink, and in the GUID WordPress gives feed items.
SHORTLINK_ID = re.compile(r"[?&]p=(\d+)\b")
PERMALINK = (Selector(".entry-title a[href]"), Selector("a[rel~=bookmark][href]"))
# Tried in order (a selector group would return the first match in document order instead).
PUBLISHED = tuple(map(Selector, ("time.entry-date.published[datetime]", "time.published[datetime]",
                                 "time.entry-published[datetime]", "time.entry-date[datetime]", "time[datetime]")))
UPDATED = (Selector("time.updated[datetime]"),)
MODIFIED_META = Selector("meta[property='article:modified_time'][content]")
AUTHOR = tuple(map(Selector, (".byline .author .fn", ".byline .author a", ".author.vcard .fn", "a[rel~=author]",
                              ".author.vcard")))
PASSWORD_FORM = Selector("form.post-password-form")
# get_the_title() marks protected posts for readers; the REST API leaves the mark out, so it is not title text.
PROTECTED_PREFIX = re.compile(r"^Protected:\s*")
ARCHIVE_BODY_CLASSES = frozenset({"home", "blog", "archive", "search", "paged"})
NEXT_PAGE = tuple(map(Selector, ("a.next.page-numbers[href]", ".nav-previous a[href]", "a[rel=next][href]")))
PAGINATION = Selector("nav.pagination, nav.navigation, .nav-links, .posts-navigation")
ENTRY_TITLE = Selector(".entry-title")
ENTRY_CONTENT = Selector(".entry-content")
MEDIA = Selector("img, video, audio, iframe, embed, object, figure")  # a video-only post is not an empty one
CANONICAL = Selector("link[rel=canonical][href]")
SHORTLINK = Selector("link[rel=shortlink][href]")
REST_LINK = Selector("link[rel=alternate][type='application/json'][href]")
REST_POST_ID = re.compile(r"(?:/|%2F)wp(?:/|%2F)v2(?:/|%2F)posts(?:/|%2F)(\d+)\b", re.IGNORECASE)
LABEL_LINKS = Selector("a[rel~=category], a[rel~=tag]")
# Plugins put these inside the content; html.strip_boilerplate misses Jetpack's run-together class names.
CONTENT_BOILERPLATE = Selector(", ".join((
    ".sharedaddy", ".jetpack-likes-widget-wrapper", "#jp-relatedposts", ".jp-relatedposts",
    ".wp-block-jetpack-related-posts", ".yarpp-related", ".crp_related", ".addtoany_share_save_container")))
# Widget areas (register_sidebar's default markup) hold campaign texts with topic words on every page.
WIDGETS = Selector(".widget-area, #secondary, #sidebar, .sidebar, .widget")
TRAFILATURA_OPTIONS = {
    "include_comments": False,
    "include_tables": True,
    "with_metadata": True,
    "date_extraction_params": {"extensive_search": False, "original_date": True},
}
SITEMAP_PATHS = ("wp-sitemap.xml", "sitemap_index.xml", "sitemap.xml")
POST_SITEMAP = re.compile(r"wp-sitemap-posts-post-\d+\.xml$|(?:^|/)post-sitemap\d*\.xml$|"
                          r"(?:^|/)sitemap-posts?(?:[-_]\d+)?\.xml$", re.IGNORECASE)
NOT_POSTS = re.compile(r"page|categor|tag|taxonom|author|user|attachment|media|image|video|product|news-sitemap",
                       re.IGNORECASE)
MAX_SITEMAPS = 200  # child sitemaps read per run: 400,000 posts at the plugins' 2,000 a file
PERMALINK_SHAPES = (
    re.compile(r"^/(?:[\w-]+/)?\d{4}/\d{2}/\d{2}/[^/?#]+/?$"),
    re.compile(r"^/(?:[\w-]+/)?\d{4}/\d{2}/[^/?#\d][^/?#]*/?$"),
    re.compile(r"^/\d{4}/[^/?#\d][^/?#]*/?$"),
)
QUERY_POST = re.compile(r"(?:^|&)p=(\d+)(?:&|$)")
