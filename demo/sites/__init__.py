"""The bundled demo sites: a UNISON-style motions database and two Blogger blogs (one with a feed)."""

from __future__ import annotations

from copy import deepcopy

from demo.content import (
    ACTIVE_BLOG_DESCRIPTION,
    ACTIVE_BLOG_POSTS,
    BRANCH_BLOG_DESCRIPTION,
    BRANCH_BLOG_POSTS,
    MOTIONS,
)
from demo.server import Site
from demo.sites.blogger import BloggerSite
from demo.sites.motions import MotionsSite

__all__ = ["BloggerSite", "MotionsSite", "demo_sites"]


def demo_sites() -> dict[str, Site]:
    """Fresh site instances over deep copies of the sample content, so callers may mutate them freely."""
    return {
        "motions": MotionsSite(deepcopy(MOTIONS)),
        "active": BloggerSite(
            "UNISONActive (sample)", deepcopy(ACTIVE_BLOG_POSTS), feed=True, locale="en-GB",
            description=ACTIVE_BLOG_DESCRIPTION, feed_cap=4,
        ),
        "branch": BloggerSite(
            "Branch blog (sample)", deepcopy(BRANCH_BLOG_POSTS), feed=False, locale="en-US",
            description=BRANCH_BLOG_DESCRIPTION,
        ),
    }
