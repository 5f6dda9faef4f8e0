"""The bundled sample sites answer over real HTTP the way the real platforms do."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import feedparser
import pytest
import requests
from bs4 import BeautifulSoup

from demo.content import ACTIVE_BLOG_POSTS, BRANCH_BLOG_POSTS, LG_CONF, MOTIONS, TOPICS, BlogPost
from demo.server import SiteServer, serve_sites
from demo.sites import BloggerSite, demo_sites

MOTION_LINK = re.compile(r"^/motions/\d{4}/[a-z-]+/[a-z0-9-]+/$")
BLOGGER_ID = re.compile(r"^tag:blogger\.com,1999:blog-(\d+)\.post-(\d+)$")


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, SiteServer]]:
    """All demo sites, shared by the read-only tests in this module."""
    with serve_sites(demo_sites()) as running:
        yield running


def soup(url: str, status: int = 200) -> BeautifulSoup:
    """GET `url`, check the status, parse the HTML."""
    response = requests.get(url, timeout=5)
    assert response.status_code == status, url
    return BeautifulSoup(response.text, "lxml")


def test_sample_content_is_consistent() -> None:
    slugs = [m.slug for m in MOTIONS]
    assert len(slugs) == len(set(slugs))
    assert {"shared-services", "shared-services-2", "shared-services-3"} <= set(slugs)
    assert all(m.expected_topics <= TOPICS for m in MOTIONS + ACTIVE_BLOG_POSTS + BRANCH_BLOG_POSTS)
    assert all(m.decision is None for m in MOTIONS if m.layout == "a")
    assert {m.layout for m in MOTIONS} == {"a", "b", "c"}
    pacific = [p for p in BRANCH_BLOG_POSTS if p.published.date() != p.published.astimezone(dt.UTC).date()]
    assert len(pacific) == 1


def test_listing_paginates_ten_per_page_and_404s_past_the_end(servers: dict[str, SiteServer]) -> None:
    base = servers["motions"].url
    links: list[str] = []
    for page in (f"{base}policy-motions/", f"{base}policy-motions/page/2/"):
        found = [a["href"] for a in soup(page).select(".motion-listing a[href]")]
        assert all(MOTION_LINK.match(href) for href in found)
        links += found
    assert len(links) == len(MOTIONS) == len(set(links))
    next_link = soup(f"{base}policy-motions/").select_one("a.next.page-numbers")
    assert next_link["href"] == "/policy-motions/page/2/"
    soup(f"{base}policy-motions/page/3/", 404)
    filtered = soup(f"{base}policy-motions/?filter-year=2011").select(".motion-card__title a")
    assert len(filtered) == sum(m.year == 2011 for m in MOTIONS)


def test_motion_page_layouts_and_404(servers: dict[str, SiteServer]) -> None:
    base = servers["motions"].url
    page = soup(base + "motions/2010/local-government/shared-services-3/")
    assert page.title.string == "Shared Services | UNISON National"
    article = page.select_one("main article")
    assert article.select_one("a[href='/policy-motions/']").get_text() == "Back to all Motions"
    labels = [label.get_text() for label in article.select("dl.motion-meta dt")]
    assert labels == ["Conference", "Date", "Decision"]
    assert page.select_one("aside").find_parent("article") is None
    layout_a = soup(base + "motions/2008/local-government/shared-services/").select(".motion-meta p")
    assert [p.get_text() for p in layout_a] == [f"2008 {LG_CONF}", "12 June 2008"]
    layout_c = soup(base + "motions/2017/health/supporting-members-through-service-transformation-2/")
    assert [li.get_text() for li in layout_c.select("ul.motion-meta li")][2:4] == ["Date", "16 December 2016"]
    soup(base + "motions/2010/local-government/no-such-motion/", 404)
    soup(base + "motions/2009/local-government/shared-services-2/", 404)  # right slug, wrong group


def test_campaign_sidebar_decoy_is_on_every_page(servers: dict[str, SiteServer]) -> None:
    for url in (servers["motions"].url + "policy-motions/", servers["branch"].url, servers["active"].url):
        sidebar = soup(url).select_one("aside").get_text(" ").lower()
        assert "shared services" in sidebar and "back office" in sidebar.replace("-", " ")


def test_atom_feed_pages_with_rel_next(servers: dict[str, SiteServer]) -> None:
    url: str | None = servers["active"].url + "feeds/posts/default?max-results=4"
    ids, pages = [], 0
    while url:
        feed = feedparser.parse(requests.get(url, timeout=5).content)
        assert not feed.bozo and feed.feed.opensearch_totalresults == str(len(ACTIVE_BLOG_POSTS))
        ids += [BLOGGER_ID.match(entry.id).group(2) for entry in feed.entries]
        url = next((link.href for link in feed.feed.links if link.rel == "next"), None)
        pages += 1
    assert pages == 3 and sorted(ids) == sorted(p.post_id for p in ACTIVE_BLOG_POSTS)
    first = feedparser.parse(requests.get(servers["active"].url + "feeds/posts/default", timeout=5).content)
    assert len(first.entries) == 4, "the sample blog serves at most 4 entries a page, like a capped server"
    assert first.entries[0].link.startswith(servers["active"].url)
    assert "shared" in first.entries[0].content[0].value  # newest post's HTML survives the escaping


def test_blog_without_feed_404s_it_and_pages_html(servers: dict[str, SiteServer]) -> None:
    base = servers["branch"].url
    assert requests.get(base + "feeds/posts/default", timeout=5).status_code == 404
    index = soup(base)
    assert index.find("link", type="application/atom+xml", rel="alternate") is None
    assert len(index.select("div.post-outer")) == 5
    older = index.select_one("#blog-pager-older-link a.blog-pager-older-link")["href"]
    assert "updated-max=" in older and "max-results=5" in older
    shown = 5
    while older:  # each older page holds at most 5 posts; the last has no older link
        page = soup(older)
        posts = len(page.select("div.post-outer"))
        assert 0 < posts <= 5
        shown += posts
        link = page.select_one("#blog-pager-older-link a.blog-pager-older-link")
        older = link["href"] if link else None
    assert shown == len(BRANCH_BLOG_POSTS)


def test_post_page_has_comments_and_local_date_header(servers: dict[str, SiteServer]) -> None:
    page = soup(servers["branch"].url + "2012/03/branch-says-no-to-shared-services.html?m=1")
    assert page.select_one("h2.date-header span").get_text() == "Wednesday, March 21, 2012"
    assert page.select_one("abbr.published")["title"] == "2012-03-21T17:40:00-07:00"
    assert page.title.string == "Branch blog (sample): Branch says no to shared services"
    assert page.select("#comments dd.comment-body")
    soup(servers["branch"].url + "2012/03/no-such-post.html", 404)


def test_request_log_and_head(servers: dict[str, SiteServer]) -> None:
    server = servers["active"]
    server.reset_log()
    head = requests.head(server.url + "feeds/posts/default?max-results=2", timeout=5)
    assert head.status_code == 200 and head.content == b"" and int(head.headers["Content-Length"]) > 0
    requests.get(server.url, headers={"User-Agent": "demo-test"}, timeout=5)
    log = server.requests
    assert [(r.method, r.path, r.query_string) for r in log] == [
        ("HEAD", "/feeds/posts/default", "max-results=2"),
        ("GET", "/", ""),
    ]
    assert log[1].headers["User-Agent"] == "demo-test" and log[0].at <= log[1].at


def test_sites_read_current_content_on_each_request() -> None:
    with serve_sites(demo_sites()) as fresh:
        site = fresh["active"].site
        assert isinstance(site, BloggerSite)
        new = BlogPost(
            "1234567890123456789", site.blog_id, "brand-new-post", "Brand new post",
            dt.datetime(2013, 5, 1, 9, 0, tzinfo=dt.UTC), "Kath Mills", [], "<p>Just added.</p>",
        )
        site.posts.append(new)
        feed = feedparser.parse(requests.get(fresh["active"].url + "feeds/posts/default", timeout=5).content)
        assert feed.entries[0].title == "Brand new post"
        assert requests.get(fresh["active"].url + "2013/05/brand-new-post.html", timeout=5).status_code == 200
    assert all(p.post_id != new.post_id for p in ACTIVE_BLOG_POSTS)


def test_magazine_theme_site_has_no_core_markup_api_or_feed_but_yoast_sitemaps(
        servers: dict[str, SiteServer]) -> None:
    base = servers["press"].url
    assert requests.get(base + "wp-json/wp/v2/posts", timeout=5).status_code == 401
    assert requests.get(base + "?rest_route=/wp/v2/posts", timeout=5).json()["code"] == "rest_cannot_access"
    assert requests.get(base + "feed/", timeout=5).status_code == 404
    assert "Sitemap: " + base + "sitemap_index.xml" in requests.get(base + "robots.txt", timeout=5).text
    index = BeautifulSoup(requests.get(base + "sitemap_index.xml", timeout=5).content, "xml")
    assert [loc.get_text() for loc in index.find_all("loc")][0] == base + "post-sitemap.xml"
    first = BeautifulSoup(requests.get(base + "post-sitemap.xml", timeout=5).content, "xml").find("loc").get_text()
    page = soup(first)
    assert page.select_one("article[id^=post-]") is None and page.select_one(".entry-content") is None
    assert page.title.string.endswith(" – Glenmuir College UNISON (sample)")
    assert page.find("script", type="application/ld+json") and page.find("meta", property="og:site_name")
    assert soup(base).select_one("a[rel~=bookmark]") is None
