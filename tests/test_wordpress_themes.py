"""WordPress sites in any theme: found through sitemaps, ?rest_route= or permalink-shaped links, read over real HTTP."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from copy import deepcopy

from test_wordpress import crawl as crawl_as
from test_wordpress import requested

from demo.server import SiteServer
from demo.sites.wordpress import WordPressSite
from demo.sites.wordpress_press import PressThemeSite
from demo.wordpress_content import PRESS_POSTS, PRESS_SITE_NAME, WP_POSTS, WP_SITE_NAME, WPPost
from extractors.sources import wordpress
from extractors.sources.wordpress.sitemap import archive_links, is_post_url, parse_sitemap, post_sitemaps
from extractors.sources.wordpress.theme_html import parse_post_page
from records import Extraction, Known, KnownDocument, RawResponse

DECOYS = ("Latest", "Say no to shared services", "Leave a Reply", "says:", "Share this", "Related", "Older stories")


@contextmanager
def serving(site: WordPressSite) -> Iterator[SiteServer]:
    """`site` on 127.0.0.1."""
    with SiteServer(site) as server:
        yield server


def crawl(server: SiteServer, known: Known | None = None) -> Extraction:
    """One extractor run as the Glenmuir source, the request log starting empty."""
    return crawl_as(server, known, "glenmuir")


def expected(posts: list[WPPost]) -> dict[str, tuple[str, dt.datetime]]:
    """Title and publication instant of every public post a reader can open, by post id."""
    return {str(p.post_id): (p.display_title, p.published.astimezone(dt.UTC)) for p in posts
            if p.status == "publish" and not p.password}


def known_from(result: Extraction) -> Known:
    """What the warehouse hands back after loading `result`, checked just now."""
    now = dt.datetime.now(dt.UTC)
    return Known(documents={d.key: KnownDocument(d.url, d.marker, now) for d in result.documents})


def test_magazine_theme_without_api_or_feed_is_read_through_its_sitemaps() -> None:
    posts = deepcopy(PRESS_POSTS)
    with serving(PressThemeSite(PRESS_SITE_NAME, posts, sitemap_size=4)) as server:
        result = crawl(server)
        paths = requested(server)
    assert result.discovered_via == wordpress.SITEMAP
    assert not result.failures
    got = {d.key: (d.title, d.published_at) for d in result.documents}
    assert got == expected(posts)
    assert "" in {title for title, _ in got.values()}, "the untitled post is kept with an empty title"
    assert {"/sitemap_index.xml", "/post-sitemap.xml", "/post-sitemap2.xml"} <= set(paths)
    assert "/page-sitemap.xml" not in paths and "/category-sitemap.xml" not in paths
    merger = next(d for d in result.documents if d.key == "430")
    assert merger.title == "Merger plan – one back office for three colleges?"
    assert "shared services model" in merger.body and merger.author == "Eilidh Ross"
    assert merger.url == server.url + "2023/11/08/regional-college-merger-proposal/"
    assert all(decoy not in d.body for d in result.documents for decoy in DECOYS)
    assert next(d for d in result.documents if d.key == "445").marker == "2024-02-05T09:20:00+00:00"


def test_sitemap_lastmod_spares_unchanged_posts_and_finds_an_edit() -> None:
    posts = deepcopy(PRESS_POSTS)
    with serving(PressThemeSite(PRESS_SITE_NAME, posts)) as server:
        first = crawl(server)
        again = crawl(server, known_from(first))
        assert not again.documents and not again.failures
        assert not any(path.startswith("/20") for path in requested(server)), "no post page was fetched"
        edited = next(p for p in posts if p.post_id == 412)
        edited.title, edited.modified = "Welcome to all new support staff", dt.datetime(2024, 9, 1, 9, 0, tzinfo=dt.UTC)
        third = crawl(server, known_from(first))
    assert [(d.key, d.title) for d in third.documents] == [("412", "Welcome to all new support staff")]


def test_without_sitemaps_posts_are_found_by_permalink_shape() -> None:
    posts = deepcopy(PRESS_POSTS)
    site = PressThemeSite(PRESS_SITE_NAME, posts)
    site.sitemaps = False
    with serving(site) as server:
        result = crawl(server)
    assert result.discovered_via == wordpress.LINKS
    got = {d.key: (d.title, d.published_at) for d in result.documents}
    # Archives also link the password-protected post, whose page shows only its title.
    protected = next(p for p in posts if p.password)
    assert got == {**expected(posts), str(protected.post_id): (protected.display_title,
                                                             protected.published.astimezone(dt.UTC))}


def test_rest_route_is_used_when_the_server_blocks_wp_json() -> None:
    posts = deepcopy(WP_POSTS)
    with serving(WordPressSite(WP_SITE_NAME, posts, api="path_blocked", per_page_cap=4)) as server:
        result = crawl(server)
        paths = requested(server)
    assert result.discovered_via == wordpress.API_ROUTE
    assert paths[0].startswith("/wp-json/wp/v2/posts?") and paths[1].startswith("/?rest_route=/wp/v2/posts&")
    assert len(result.documents) == sum(p.status == "publish" for p in posts)
    assert not any(path.startswith("/feed") for path in paths)


def _page(head: str, body: str, body_class: str = "single single-post postid-77") -> RawResponse:
    """A post page in a theme written for this test."""
    html = (f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head><body class='{body_class}'>{body}"
            "</body></html>")
    return RawResponse("http://branch.example/2024/05/07/pay-offer/", "http://branch.example/2024/05/07/pay-offer/",
                       200, {"content-type": "text/html; charset=utf-8"}, html.encode(), dt.datetime.now(dt.UTC))


ARTICLE_TEXT = ("<p>The employers have made a revised offer of four per cent from April, with a higher floor for "
                "the lowest paid grades.</p><p>The branch committee recommends acceptance, and the ballot opens on "
                "Monday. Every member will receive a voting link by email from the regional office.</p>"
                "<p>Questions can go to any steward before the ballot closes at the end of the month.</p>")


def test_a_theme_without_core_markup_gives_title_date_and_body_from_what_the_page_states() -> None:
    head = ("<title>Pay offer: ballot opens Monday – Riverside UNISON</title>"
            "<meta property='og:site_name' content='Riverside UNISON'>"
            "<meta property='og:title' content='Pay offer: ballot opens Monday – Riverside UNISON'>"
            "<meta name='author' content='Morag Bell'>"
            "<script type='application/ld+json'>{\"@context\":\"https://schema.org\",\"@graph\":[{\"@type\":"
            "\"BlogPosting\",\"headline\":\"Pay offer: ballot opens Monday\",\"datePublished\":"
            "\"2024-05-07T18:30:00+01:00\",\"dateModified\":\"2024-05-08T08:00:00+01:00\"}]}</script>")
    body = ("<div class='topbar'><a href='/'>Riverside UNISON</a></div><div class='layout'><div class='col-main'>"
            "<div class='post-box'><div class='post-heading'>Morag Bell</div>"
            f"<div class='post-words'>{ARTICLE_TEXT}</div></div>"
            "<div class='comment-list'><p>Great news, thanks!</p></div></div>"
            "<div class='col-side'><h3>Latest</h3><ul><li><a href='/2024/04/01/x/'>Older post</a></li></ul>"
            "</div></div><div class='bottom'>Riverside UNISON, 1 River Street</div>")
    document = parse_post_page("riverside", _page(head, body))
    assert document.key == "77"
    assert document.title == "Pay offer: ballot opens Monday"
    assert document.published_at == dt.datetime(2024, 5, 7, 17, 30, tzinfo=dt.UTC)
    assert document.marker == "2024-05-08T07:00:00+00:00"
    assert "revised offer of four per cent" in document.body and "end of the month" in document.body
    assert "Older post" not in document.body and "River Street" not in document.body


def test_title_is_never_the_site_name_or_the_author() -> None:
    head = ("<title>Riverside UNISON</title><meta property='og:site_name' content='Riverside UNISON'>"
            "<meta property='article:published_time' content='2024-05-07T18:30:00+01:00'>")
    body = (f"<div class='wrap'><h1 class='site'>Riverside UNISON</h1><h1>Morag Bell</h1>{ARTICLE_TEXT}</div>")
    document = parse_post_page("riverside", _page(head + "<meta name='author' content='Morag Bell'>", body))
    assert document.title == ""
    assert document.published_at == dt.datetime(2024, 5, 7, 17, 30, tzinfo=dt.UTC)


def test_archive_pages_and_sitemaps_are_not_posts() -> None:
    archive = _page("<title>Riverside UNISON</title>", "<div><a href='/2024/05/07/pay-offer/'>Pay offer</a>"
                    "<a href='/2024/05/'>May 2024</a><a href='/category/pay/'>Pay</a><a href='/?p=12'>short</a>"
                    "<a href='http://elsewhere.example/2024/05/07/x/'>x</a><a rel='next' href='/page/2/'>Older</a>"
                    "</div>", body_class="home blog")
    links, following = archive_links(archive, "http://branch.example/")
    assert links == ["http://branch.example/2024/05/07/pay-offer/", "http://branch.example/?p=12"]
    assert following == "http://branch.example/page/2/"
    assert not wordpress.reparse("riverside", archive)
    assert is_post_url("http://branch.example/news/2024/05/pay-offer/", "http://branch.example/")
    index = RawResponse("http://branch.example/wp-sitemap.xml", "http://branch.example/wp-sitemap.xml", 200,
                        {"content-type": "application/xml"},
                        b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                        b"<sitemap><loc>http://branch.example/wp-sitemap-posts-post-1.xml</loc></sitemap>"
                        b"<sitemap><loc>http://branch.example/wp-sitemap-posts-page-1.xml</loc></sitemap>"
                        b"<sitemap><loc>http://branch.example/wp-sitemap-users-1.xml</loc></sitemap></sitemapindex>",
                        dt.datetime.now(dt.UTC))
    entries, children = parse_sitemap(index)
    assert not entries and post_sitemaps(children) == ["http://branch.example/wp-sitemap-posts-post-1.xml"]
    assert wordpress.reparse("riverside", index) == []


def test_the_permalink_day_outranks_markup_that_names_another_day() -> None:
    stale = ("<title>Pay offer – Riverside UNISON</title><meta property='og:site_name' content='Riverside UNISON'>"
             "<meta property='article:published_time' content='2024-09-01T10:00:00+01:00'>")
    document = parse_post_page("riverside", _page(stale, f"<div><h1>Pay offer</h1>{ARTICLE_TEXT}</div>"))
    assert document.published_at == dt.datetime(2024, 5, 7, tzinfo=dt.UTC)
    same_day = stale.replace("2024-09-01T10:00:00+01:00", "2024-05-07T23:30:00+01:00")
    document = parse_post_page("riverside", _page(same_day, f"<div><h1>Pay offer</h1>{ARTICLE_TEXT}</div>"))
    assert document.published_at == dt.datetime(2024, 5, 7, 22, 30, tzinfo=dt.UTC)
    assert document.title == "Pay offer"


def test_core_markup_with_the_text_outside_entry_content_is_read_whole_but_a_video_post_stays_video() -> None:
    head = "<title>Pay offer – Riverside UNISON</title><meta property='og:site_name' content='Riverside UNISON'>"
    builder = ("<article id='post-77' class='post-77 post'><h1 class='entry-title'>Pay offer</h1>"
               "<div class='entry-content'></div></article>"
               f"<div class='builder-section'><div class='builder-column'>{ARTICLE_TEXT}</div></div>")
    document = parse_post_page("riverside", _page(head, builder))
    assert (document.key, document.title) == ("77", "Pay offer") and "revised offer" in document.body
    video = builder.replace("<div class='entry-content'></div>", "<div class='entry-content'><figure><iframe "
                            "src='https://video.example/embed/1'></iframe></figure></div>")
    document = parse_post_page("riverside", _page(head, video))
    assert (document.title, document.body) == ("Pay offer", "")


def test_the_permalink_month_outranks_a_theme_time_in_another_month() -> None:
    url = "http://branch.example/2024/05/pay-offer/"
    head = ("<title>Pay offer – Riverside UNISON</title>"
            "<meta property='article:published_time' content='2024-05-07T10:00:00+01:00'>")
    core = ("<article id='post-77' class='post-77 post'><h1 class='entry-title'>Pay offer</h1>"
            "<time class='entry-date' datetime='{stamp}'>date</time>"
            f"<div class='entry-content'>{ARTICLE_TEXT}</div></article>")
    edited = _page(head, core.format(stamp="2024-09-21T12:58:59+00:00"))
    edited = RawResponse(url, url, 200, edited.headers, edited.body, edited.fetched_at)
    assert parse_post_page("riverside", edited).published_at == dt.datetime(2024, 5, 7, 9, tzinfo=dt.UTC)
    same_month = _page(head, core.format(stamp="2024-05-08T08:00:00+00:00"))
    same_month = RawResponse(url, url, 200, same_month.headers, same_month.body, same_month.fetched_at)
    assert parse_post_page("riverside", same_month).published_at == dt.datetime(2024, 5, 8, 8, tzinfo=dt.UTC)


def test_the_one_visible_headline_outranks_an_seo_title_that_says_something_else() -> None:
    head = ("<title>Pay rise 2024: what you need to know – Riverside UNISON</title>"
            "<meta property='og:title' content='Pay rise 2024: what you need to know'>")
    body = ("<header role='banner'><h1 class='site-title'>Riverside UNISON branch news</h1></header>"
            f"<div><h1>Members accept the revised pay offer</h1>{ARTICLE_TEXT}</div>"
            "<footer><h1 class='tag-line'>Public services, public hands</h1></footer>")
    assert parse_post_page("riverside", _page(head, body)).title == "Members accept the revised pay offer"
    category = body.replace("<h1>Members accept the revised pay offer", "<h1>Branch news: Pay rise 2024: what you "
                            "need to know")
    assert parse_post_page("riverside", _page(head, category)).title == "Pay rise 2024: what you need to know"
