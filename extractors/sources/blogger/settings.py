"""Blogger's paths, limits and template selectors (classic and layouts templates).

Data only: the extractor in this package reads these; change a selector or limit here."""

from __future__ import annotations

import re

from extractors.html.css import Selector

# At most 100 entries a page; newest edit first, so an incremental run meets edited old posts on page one.
FEED_PATH = "feeds/posts/default?max-results=100&orderby=updated"
ENTRY_ID = re.compile(r"^tag:blogger\.com,1999:blog-(\d+)\.post-(\d+)$")
MAX_PAGES = 1000  # a loop guard: 100,000 posts is more than any union blog has
FEED_TYPES = ("atom", "rss", "xml")
ROLE_FEED, ROLE_INDEX, ROLE_POST = "feed", "index", "post"
POST = Selector(".post-outer .post, .post-outer article, .post.hentry")
DATE_OUTER = Selector(".date-outer")
DATE_HEADER = Selector(".date-header")
JUMP_LINK = Selector(".post-body .jump-link")
OLDER_POSTS = Selector("#blog-pager-older-link a, a.blog-pager-older-link")
POST_TITLE = Selector(".post-title")
LINK = Selector("a[href]")
TIMESTAMP_LINK = Selector("a.timestamp-link[href]")
POST_ID = Selector("meta[itemprop=postId]")
_BLOG_GADGET = "contains(concat(' ', normalize-space(@class), ' '), ' Blog ')"
GADGETS = (f"//*[contains(concat(' ', normalize-space(@class), ' '), ' widget ')][not({_BLOG_GADGET})]"
           f"[not(.//*[{_BLOG_GADGET}])]")
POST_ID_ANY = "//meta[@itemprop='postId']/@content | //*[contains(concat(' ', @class, ' '), ' post ')]/@data-id"
ANCHOR_NAME = re.compile(r"^\d+$")  # <a name="1234567890"> before each post in old templates
POST_BODY = Selector(".post-body")
PUBLISHED = Selector("abbr.published[title], time[datetime]")
AUTHOR = Selector(".post-author .fn, .post-author [itemprop=name]")
LABELS = Selector(".post-labels a[rel=tag]")
