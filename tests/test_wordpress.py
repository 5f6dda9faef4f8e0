"""The WordPress extractor reads a branch site over real HTTP: REST API, then RSS, then HTML archives."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from copy import deepcopy
from urllib.parse import parse_qs, urlsplit

import pytest

from demo.server import SiteServer
from demo.sites.wordpress import WordPressSite
from demo.wordpress_content import WP_POSTS, WP_SITE_NAME, WPPost
from extractors.crawl.fetch import Fetcher, FetchError
from extractors.sources import wordpress
from extractors.sources.wordpress.api import parse_api_page
from extractors.sources.wordpress.theme_html import parse_post_page
from records import Document, Extraction, Known, KnownDocument, SourceConfig

LOGGER_NAME = "extractors.sources.wordpress"
LOCKED_API = ("login_required", "forbidden", "no_route")
LOCKED_STATUS = {"login_required": 401, "forbidden": 403, "no_route": 404}
DECOYS = ("Share this", "Like this", "Related", "Loading...", "Leave a Reply", "says:", "appeared first on",
          "sign the branch petition", "password protected")


@contextmanager
def serving(posts: list[WPPost] | None = None, **options: object) -> Iterator[tuple[SiteServer, WordPressSite]]:
    """The sample branch site (four posts per API page unless told otherwise) on 127.0.0.1."""
    options.setdefault("per_page_cap", 4)
    site = WordPressSite(WP_SITE_NAME, posts if posts is not None else deepcopy(WP_POSTS), **options)
    with SiteServer(site) as server:
        yield server, site


def crawl(server: SiteServer, known: Known | None = None, source_id: str = "strathmore") -> Extraction:
    """One extractor run against `server` as source `source_id`, its request log starting empty."""
    server.reset_log()
    source = SourceConfig(id=source_id, kind="wordpress", url=server.url)
    known = known or Known()
    return wordpress.extract(source, Fetcher(delay=0, validators=known.validators), known, Extraction(source.id))


def requested(server: SiteServer) -> list[str]:
    """Paths (with query) the crawler asked for, robots.txt left out."""
    return [r.path + (f"?{r.query_string}" if r.query_string else "") for r in server.requests
            if r.path != "/robots.txt"]


def known_from(result: Extraction, age: dt.timedelta = dt.timedelta(0)) -> Known:
    """What a warehouse would hand back after loading `result`, checked `age` ago."""
    checked = dt.datetime.now(dt.UTC) - age
    return Known(documents={d.key: KnownDocument(d.url, d.marker, checked) for d in result.documents})


def summary(documents: list[Document]) -> dict[str, tuple]:
    """What a reader sees of each document, by key; URLs without the (per-server) host."""
    return {d.key: (urlsplit(d.url).path, d.title, " ".join(d.body.split()), d.author, d.published_at,
                    tuple(d.labels)) for d in documents}


def api_pages(server: SiteServer) -> list[dict[str, list[str]]]:
    """Query parameters of each posts-collection request."""
    return [parse_qs(r.query_string) for r in server.requests if r.path == "/wp-json/wp/v2/posts"]


def fallback_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Warnings the extractor logged."""
    return [r.getMessage() for r in caplog.records if r.name == LOGGER_NAME and r.levelno >= logging.WARNING]


@pytest.fixture(scope="module")
def rest_result() -> Extraction:
    """A first crawl of the open REST API, shared by the read-only tests."""
    with serving() as (server, _):
        return crawl(server)


def test_rest_api_walks_every_page_the_site_reports(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    with serving() as (server, _):
        result = crawl(server)
        pages = api_pages(server)
    assert result.discovered_via == "rest api"
    assert [p["page"] for p in pages] == [["1"], ["2"], ["3"]]  # 12 posts, 4 a page: X-WP-TotalPages=3
    assert all(p["per_page"] == ["100"] and p["orderby"] == ["modified"] for p in pages)
    assert len(result.documents) == len(WP_POSTS) and not result.failures
    assert len(result.raw) == 3
    assert not fallback_warnings(caplog)


def test_without_paging_headers_the_walk_ends_at_the_past_the_end_error() -> None:
    with serving(paging_headers=False) as (server, _):
        result = crawl(server)
        pages = api_pages(server)
    assert [p["page"] for p in pages] == [["1"], ["2"], ["3"], ["4"]]  # page 4: rest_post_invalid_page_number
    assert len(result.documents) == len(WP_POSTS) and not result.failures
    assert len(result.raw) == 3


def test_rest_documents_read_like_the_site(rest_result: Extraction) -> None:
    documents = {d.key: d for d in rest_result.documents}
    plan = documents["1236"]
    assert plan.title == "Council’s “shared services” plan: what it means for you"
    assert plan.published_at == dt.datetime(2024, 1, 15, 10, 30, tzinfo=dt.UTC)
    assert plan.author == "Eilidh Ross"
    assert plan.labels == ["Campaigns", "News", "consultation", "shared services"]
    assert plan.marker == "2024-01-16T08:45:00+00:00"  # modified_gmt
    assert plan.kind == "blog_post" and plan.url.endswith("/2024/01/15/councils-shared-services-plan/")
    assert documents["1219"].title == "Members’ health & wellbeing survey: the results"
    assert documents["1288"].published_at == dt.datetime(2024, 4, 2, 9, 0, tzinfo=dt.UTC)  # 10:00 BST
    assert documents["1288"].labels == ["Pay & conditions", "pay"]
    for post in WP_POSTS:
        body = documents[str(post.post_id)].body
        assert " ".join(body.split()) == " ".join(post.body_text.split()), post.slug
        assert not any(decoy in body for decoy in DECOYS), post.slug


def test_untitled_and_protected_posts_are_kept_and_empty_ones_fail(rest_result: Extraction) -> None:
    documents = {d.key: d for d in rest_result.documents}
    assert documents["1244"].title == "" and "shared services proposal" in documents["1244"].body
    assert documents["1251"].title == "Shared services: stewards’ briefing pack" and documents["1251"].body == ""
    blank = WPPost(1400, "blank", "  ", dt.datetime(2024, 6, 10, 9, 0, tzinfo=dt.UTC), "eilidh-ross", ["News"], [],
                   "<p>Hidden.</p>", password="x")
    for options in ({}, {"api": "forbidden"}, {"api": "forbidden", "feed": False}):
        with serving(deepcopy(WP_POSTS) + [blank], **options) as (server, _):
            result = crawl(server)
        assert "1400" not in {d.key for d in result.documents}, options
        assert [f.reason for f in result.failures if "1400" in f.reason + f.url] != [], options
        assert len(result.documents) == len(WP_POSTS), options


@pytest.mark.parametrize("api", LOCKED_API)
def test_locked_api_falls_back_to_the_feed_with_the_same_documents(
        api: str, rest_result: Extraction, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    with serving(api=api, posts_per_rss=5) as (server, _):
        result = crawl(server)
        paths = requested(server)
    assert result.discovered_via == "rss feed"
    assert summary(result.documents) == summary(rest_result.documents)
    assert paths[1:] == ["/feed/", "/feed/?paged=2", "/feed/?paged=3"]  # the third page is short: the end
    warnings = fallback_warnings(caplog)
    assert len(warnings) == 1 and f"HTTP {LOCKED_STATUS[api]}" in warnings[0] and "rss feed" in warnings[0]


def test_without_api_or_feed_the_html_archives_give_the_same_documents(
        rest_result: Extraction, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    with serving(api="login_required", feed=False) as (server, _):
        result = crawl(server)
        paths = requested(server)
    assert result.discovered_via == "html archives"
    assert summary(result.documents) == summary(rest_result.documents)
    assert [p for p in paths if p == "/" or p.startswith("/page/")] == ["/", "/page/2/", "/page/3/"]
    assert len([p for p in paths if p.count("/") == 5]) == len(WP_POSTS)  # each post page once, sticky included
    warnings = fallback_warnings(caplog)
    assert len(warnings) == 1
    assert "REST API unavailable (HTTP 401 rest_login_required)" in warnings[0]
    assert "RSS feed unavailable (HTTP 404)" in warnings[0] and "html archives" in warnings[0]


def test_a_site_with_nothing_readable_fails_as_a_whole() -> None:
    with serving([], api="forbidden", feed=False) as (server, _), pytest.raises(FetchError) as failure:
        crawl(server)
    assert "no article#post-ID on the home page" in failure.value.reason
    assert "REST API unavailable (HTTP 403 rest_forbidden)" in failure.value.reason


def test_summary_only_feed_reads_each_post_page(rest_result: Extraction) -> None:
    with serving(api="no_route", full_text_feed=False) as (server, _):
        result = crawl(server)
        paths = requested(server)
    assert result.discovered_via == "rss feed"
    assert summary(result.documents) == summary(rest_result.documents)
    assert len([p for p in paths if p.count("/") == 5]) == len(WP_POSTS)


def test_hidden_users_leave_the_author_empty() -> None:
    with serving(hide_users=True) as (server, _):
        result = crawl(server)
    assert len(result.documents) == len(WP_POSTS) and not result.failures
    assert {d.author for d in result.documents} == {None}


@pytest.mark.parametrize("cap", [4, 100])
def test_second_rest_crawl_reads_only_the_first_page(cap: int) -> None:
    with serving(per_page_cap=cap) as (server, _):
        first = crawl(server)
        second = crawl(server, known_from(first))
        pages = api_pages(server)
    newest_edits = sorted(WP_POSTS, key=lambda p: p.last_modified, reverse=True)[:cap]
    assert [p["page"] for p in pages] == [["1"]]
    assert requested(server)[1:] == []  # no post pages either
    assert second.documents == [] and not second.failures
    assert sorted(second.unchanged) == sorted(str(p.post_id) for p in newest_edits)


def test_an_edited_old_post_comes_back_alone() -> None:
    with serving() as (server, site):
        first = crawl(server)
        edited = next(p for p in site.posts if p.post_id == 1203)
        edited.body_html += "<p>Update: the help desk vacancies have now been advertised.</p>"
        edited.modified = dt.datetime.now(dt.UTC).replace(microsecond=0)
        second = crawl(server, known_from(first))
        pages = api_pages(server)
    assert [d.key for d in second.documents] == ["1203"]
    assert "vacancies have now been advertised" in second.documents[0].body
    assert second.documents[0].marker == edited.modified.isoformat()
    assert [p["page"] for p in pages] == [["1"], ["2"]]  # page 2 is all unchanged: the walk stops


def test_second_html_crawl_reads_only_the_home_page() -> None:
    with serving(api="no_route", feed=False) as (server, _):
        first = crawl(server)
        second = crawl(server, known_from(first))
        paths = requested(server)
    assert paths == ["/wp-json/wp/v2/posts?per_page=100&page=1&orderby=modified&order=desc&_embed=author,wp:term",
                     "/feed/", "/"]
    assert second.documents == [] and len(second.unchanged) == 6  # five posts a page plus the sticky one


@pytest.mark.parametrize("options", [{"api": "no_route", "feed": False}, {}], ids=["html", "rest"])
def test_a_deleted_post_is_marked_removed_when_revalidation_is_due(options: dict[str, object]) -> None:
    with serving(**options) as (server, site):
        first = crawl(server)
        gone = next(p for p in site.posts if p.post_id == 1219)
        site.posts.remove(gone)
        second = crawl(server, known_from(first, age=dt.timedelta(days=30)))
        paths = requested(server)
    assert second.removed == ["1219"]
    assert second.documents == [] and not second.failures
    assert sorted(second.unchanged) == sorted(str(p.post_id) for p in WP_POSTS if p.post_id != gone.post_id)
    assert [p for p in paths if p.count("/") == 5] == [gone.path]  # only the missing post's own page


def with_validators(known: Known, result: Extraction) -> Known:
    """`known` plus the ETags of `result`'s responses, as the warehouse stores them for conditional GETs."""
    known.validators = {raw.url: (raw.headers.get("etag"), None) for raw in result.raw if raw.status == 200}
    return known


@pytest.mark.parametrize("options", [{}, {"api": "no_route"}, {"api": "no_route", "feed": False}],
                         ids=["rest", "feed", "html"])
def test_an_unchanged_first_page_answers_304_and_nothing_is_parsed(options: dict[str, object]) -> None:
    with serving(**options) as (server, _):
        first = crawl(server)
        second = crawl(server, with_validators(known_from(first), first))
    assert [raw.status for raw in second.raw] == [304]
    assert second.discovered_via == first.discovered_via
    assert second.documents == [] and second.unchanged == [] and not second.failures


def test_with_revalidation_due_the_first_page_is_read_whole_despite_its_etag() -> None:
    with serving() as (server, site):
        first = crawl(server)
        site.posts.remove(next(p for p in site.posts if p.post_id == 1219))
        second = crawl(server, with_validators(known_from(first, age=dt.timedelta(days=30)), first))
    assert second.raw[0].status == 200
    assert second.removed == ["1219"]


def test_backfill_since_year_asks_the_api_for_that_year_on() -> None:
    with serving() as (server, _):
        result = crawl(server, Known(backfill=True, since_year=2024))
        pages = api_pages(server)
    assert pages[0]["after"] == ["2023-12-31T23:59:59"]
    assert {d.published_at.year for d in result.documents} == {2024}
    assert len(result.documents) == sum(p.published.year == 2024 for p in WP_POSTS)


def test_stored_responses_parse_to_the_same_documents_offline() -> None:
    results = {}
    for name, options in {"rest": {}, "rss": {"api": "forbidden"}, "html": {"api": "forbidden", "feed": False}}.items():
        with serving(**options) as (server, _):
            results[name] = crawl(server)
    # Servers are stopped: everything below reads stored bytes only.
    for name, result in results.items():
        rebuilt = [d for raw in result.raw for d in wordpress.reparse("strathmore", raw)]
        assert summary(rebuilt) == summary(result.documents), name
        assert {d.marker for d in rebuilt} == {d.marker for d in result.documents}, name
    api_raw = results["rest"].raw[0]
    assert [d.key for d in parse_api_page("strathmore", api_raw)] == [d.key for d in results["rest"].documents[:4]]
    feed_raw = results["rss"].raw[0]
    assert len(wordpress.parse_feed("strathmore", feed_raw)) == 10  # WordPress serves ten items a feed page
    post_raw = next(r for r in results["html"].raw if "/2024/01/29/" in r.url)
    protected = parse_post_page("strathmore", post_raw)
    assert (protected.key, protected.title, protected.body) == ("1251", "Shared services: stewards’ briefing pack", "")
    with pytest.raises(ValueError, match="archive"):
        parse_post_page("strathmore", results["html"].raw[0])
