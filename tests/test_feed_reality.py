"""Feeds as real sites publish them, over real HTTP: JSON Feed 1.1, untitled items, summary-only entries whose
article page is gone, full posts that end in code, and formats no parser here reads (one line, no traceback)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from copy import deepcopy
from html import escape

import pytest
from test_feed import run as extract

from demo.news_content import ARTICLE, GONE, NEWS_ITEMS, PDF
from demo.server import Request, Response, SiteServer
from demo.sites.news import NewsSite
from extractors.registry import run_extractor
from extractors.sources import feed
from records import (
    FULL,
    SUMMARY,
    CrawlerSettings,
    Known,
    KnownDocument,
    SourceConfig,
)
from transforms.classify import load_rules
from transforms.normalize import TITLE_WORDS
from transforms.pipeline import refine

GONE_ITEM = next(item for item in NEWS_ITEMS if item.kind == GONE)
UNTITLED = next(item for item in NEWS_ITEMS if not item.title)
LONG_AGO = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
CODE_TAIL = "<pre><code>def totals(rows):\n    for row in rows:\n        ...\n</code></pre>"


def pages_requested(server: SiteServer) -> list[str]:
    """Paths requested other than robots.txt and feeds."""
    return [r.path for r in server.requests if r.path != "/robots.txt" and not r.path.startswith("/feed")]


@pytest.fixture
def news() -> Iterator[SiteServer]:
    """A fresh news site whose feed lists every item on one page."""
    with SiteServer(NewsSite(deepcopy(NEWS_ITEMS), page_size=len(NEWS_ITEMS))) as server:
        yield server


def test_a_json_feed_gives_every_item_with_its_full_text_and_the_rss_keys(news: SiteServer) -> None:
    result = extract(news, "feed/json/")
    assert result.discovered_via == "json feed" and result.failures == []
    assert pages_requested(news) == []  # every item carries its whole text
    documents = {doc.url.removeprefix(news.url.rstrip("/")): doc for doc in result.documents}
    assert sorted(documents) == sorted(item.path for item in NEWS_ITEMS)
    for item in NEWS_ITEMS:
        document = documents[item.path]
        assert document.key == f"{news.url}?p={item.post_id}"
        assert (document.title, document.body, document.author) == (item.title, item.body_text, item.author)
        assert document.published_at == item.published and document.labels == item.categories
        assert document.body_source == FULL
    rss_keys = {doc.key for doc in extract(news, "feed/").documents}
    assert rss_keys <= {doc.key for doc in result.documents}


def test_an_untitled_item_is_kept_and_titled_by_its_first_words(news: SiteServer) -> None:
    result = extract(news, "feed/")
    document = next(doc for doc in result.documents if doc.url.endswith(UNTITLED.path))
    assert document.title == "" and document.body == UNTITLED.body_text
    titled = refine([document], load_rules())[0].document
    words = UNTITLED.body_text.split()
    assert titled.title == " ".join(words[:TITLE_WORDS]) + "…"
    assert titled.title.startswith("Quick note from the council chamber")


def test_a_summary_only_entry_whose_page_is_gone_is_kept_with_its_summary(news: SiteServer) -> None:
    first = extract(news, "feed/")
    gone = [doc for doc in first.documents if doc.url.endswith(GONE_ITEM.path)]
    assert len(gone) == 1 and gone[0].body_source == SUMMARY
    assert (gone[0].title, gone[0].body) == (GONE_ITEM.title, GONE_ITEM.summary)
    assert gone[0].published_at == GONE_ITEM.published and gone[0].author == GONE_ITEM.author
    assert not any(f.url.endswith(GONE_ITEM.path) for f in first.failures)
    assert first.removed == []
    assert any(raw.status == 404 and raw.url.endswith(GONE_ITEM.path) for raw in first.raw)  # archived
    # Rebuilt from the archive alone, the same document comes back.
    rebuilt = {doc.key: doc for doc in feed.rebuild("eastbridge", first.raw)}
    assert rebuilt[gone[0].key].body == GONE_ITEM.summary and rebuilt[gone[0].key].body_source == SUMMARY
    # Revalidated a week later and still gone: still the summary, never a removal.
    known = Known(documents={d.key: KnownDocument(d.url, d.marker, LONG_AGO, d.body_source)
                             for d in first.documents})
    news.reset_log()
    second = extract(news, "feed/", known)
    assert GONE_ITEM.path in pages_requested(news)
    assert [doc.body for doc in second.documents if doc.key == gone[0].key] == [GONE_ITEM.summary]
    assert second.removed == []


def test_a_known_article_whose_page_goes_is_removed_once_not_replaced_by_its_summary(news: SiteServer) -> None:
    first = extract(news, "feed/")
    bins = next(doc for doc in first.documents if doc.url.endswith("/bin-collection-rounds-to-change-from-april/"))
    next(item for item in news.site.items if item.post_id == 4061).kind = GONE
    known = Known(documents={d.key: KnownDocument(d.url, d.marker, LONG_AGO, d.body_source)
                             for d in first.documents})
    second = extract(news, "feed/", known)
    assert second.removed == [bins.key] and all(doc.key != bins.key for doc in second.documents)
    # Once removed, later runs neither bring its summary back nor count the removal again.
    del known.documents[bins.key]
    known.removed = {bins.key}
    third = extract(news, "feed/", known)
    assert third.removed == [] and all(doc.key != bins.key for doc in third.documents)


class CodeFeedSite:
    """A blog feed with full posts, one of which ends in a code block, and one real teaser; no article pages."""

    def __init__(self) -> None:
        self.posts = [
            ("ends-in-code", "Counting members with Python",
             "<p>" + "The membership spreadsheet had grown past what anyone could check by hand. " * 30
             + "Here is the loop we use:</p>" + CODE_TAIL),
            ("teaser", "Branch meeting report",
             "<p>The branch met on Tuesday to discuss the pay offer and the restructure [&#8230;]</p>"),
        ]

    def handle(self, request: Request) -> Response:
        """The RSS feed; every other path answers 404."""
        if request.path != "/feed/":
            return Response.text("<h1>Not found</h1>", status=404)
        items = "".join(
            f"<item><title>{escape(title)}</title><link>{request.host_url}/{slug}/</link>"
            f"<guid>{request.host_url}/{slug}/</guid><pubDate>Tue, 12 Mar 2024 09:15:00 +0000</pubDate>"
            f"<description>{escape(title)}</description>"
            f"<content:encoded><![CDATA[{html}]]></content:encoded></item>" for slug, title, html in self.posts)
        return Response.text(
            '<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f"<channel><title>Code blog</title><link>{request.host_url}/</link>{items}</channel></rss>",
            content_type="application/rss+xml")


def test_a_long_full_post_that_ends_in_code_is_no_teaser() -> None:
    with SiteServer(CodeFeedSite()) as server:
        result = extract(server, "feed/")
        requested = pages_requested(server)
    documents = {doc.key.rstrip("/").rsplit("/", 1)[-1]: doc for doc in result.documents}
    assert requested == ["/teaser/"]  # only the teaser sent us to its page
    assert documents["ends-in-code"].body.endswith("...")
    assert "for row in rows:" in documents["ends-in-code"].body
    assert documents["ends-in-code"].body_source == FULL
    # The teaser's page is gone: its teaser is what is left, and it says so.
    assert documents["teaser"].body_source == SUMMARY and "pay offer" in documents["teaser"].body


class NotAFeedSite:
    """A site whose "feed" is an HTML page, or JSON that is not a JSON Feed."""

    def handle(self, request: Request) -> Response:
        """HTML at /html/, plain JSON at /json/."""
        if request.path == "/json/":
            return Response.text(json.dumps({"posts": [{"title": "x"}]}), content_type="application/json")
        return Response.text("<html><body><h1>Our news</h1></body></html>")


@pytest.mark.parametrize(("path", "reason"), [
    ("html/", "skipped: content type 'text/html' is not feed"),
    ("json/", "not a JSON Feed: no version https://jsonfeed.org/version/1.x"),
])
def test_a_format_no_parser_reads_fails_the_source_in_one_line(path: str, reason: str) -> None:
    with SiteServer(NotAFeedSite()) as server:
        source = SourceConfig("odd", "feed", server.url + path, delay=0)
        result = run_extractor(source, Known(), CrawlerSettings())
    assert result.fatal == f"{server.url}{path}: {reason}"
    assert "\n" not in result.fatal and result.documents == []


def test_the_demo_news_site_lists_a_pdf_a_gone_page_and_an_untitled_note() -> None:
    assert {item.kind for item in NEWS_ITEMS} == {ARTICLE, PDF, GONE}
    assert [item.post_id for item in NEWS_ITEMS if not item.title] == [UNTITLED.post_id]
