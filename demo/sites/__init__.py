"""The bundled demo sites: a motions database, two Blogger blogs (one without a feed), two WordPress branch
sites (a Twenty*-style one with API and feed, a magazine-theme one with neither, found through its sitemaps)
and a news site whose RSS feed carries summaries only."""

from __future__ import annotations

from copy import deepcopy

from demo.content import (
    ACTIVE_BLOG_DESCRIPTION,
    ACTIVE_BLOG_POSTS,
    BRANCH_BLOG_DESCRIPTION,
    BRANCH_BLOG_POSTS,
    MOTIONS,
    REPOST_POST,
)
from demo.news_content import NEWS_ITEMS, PRESS_RELEASE_ITEM
from demo.server import Site
from demo.sites.blogger import BloggerSite
from demo.sites.motions import MotionsSite
from demo.sites.news import NewsSite
from demo.sites.wordpress import WordPressSite
from demo.sites.wordpress_press import PressThemeSite
from demo.wordpress_content import (
    EDITED_RELEASE_POST,
    PRESS_POSTS,
    PRESS_SITE_NAME,
    PRESS_SITE_TAGLINE,
    WP_POSTS,
    WP_SITE_NAME,
    WP_SITE_TAGLINE,
)

__all__ = ["BloggerSite", "MotionsSite", "NewsSite", "PressThemeSite", "WordPressSite", "demo_sites"]


def demo_sites(*names: str, reposts: bool = False) -> dict[str, Site]:
    """Fresh sites (all, or those named) over deep copies of the sample content, so callers may mutate them.

    With `reposts`, the news feed carries a union press release that the branch blog reposts behind an intro
    line and the WordPress site republishes lightly edited: one story in three places.
    """
    sites = {
        "motions": MotionsSite(deepcopy(MOTIONS)),
        "active": BloggerSite(
            "UNISONActive (sample)", deepcopy(ACTIVE_BLOG_POSTS), feed=True, locale="en-GB",
            description=ACTIVE_BLOG_DESCRIPTION, feed_cap=4,
        ),
        "branch": BloggerSite(
            "Branch blog (sample)", deepcopy(BRANCH_BLOG_POSTS), feed=False, locale="en-US",
            description=BRANCH_BLOG_DESCRIPTION,
        ),
        "wordpress": WordPressSite(WP_SITE_NAME, deepcopy(WP_POSTS), tagline=WP_SITE_TAGLINE, per_page_cap=4),
        "press": PressThemeSite(PRESS_SITE_NAME, deepcopy(PRESS_POSTS), tagline=PRESS_SITE_TAGLINE),
        "news": NewsSite(deepcopy(NEWS_ITEMS)),
    }
    if reposts:
        sites["news"].items.append(deepcopy(PRESS_RELEASE_ITEM))
        sites["branch"].posts.append(deepcopy(REPOST_POST))
        sites["wordpress"].posts.append(deepcopy(EDITED_RELEASE_POST))
    return {name: site for name, site in sites.items() if name in names} if names else sites
