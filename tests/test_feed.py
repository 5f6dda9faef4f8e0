"""The feed extractor reads RSS, Atom and RDF news feeds over real HTTP and completes entries from their pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from copy import deepcopy
from urllib.parse import urlsplit

import pytest

from demo.news_content import (
    ARTICLE,
    CHARSET_META,
    CHARSET_NONE,
    GONE,
    LATE_ITEM,
    MOST_READ,
    NEWS_ITEMS,
    PDF,
    RELATED,
    SITE_NAME,
)
from demo.server import SiteServer
from demo.sites.news import COOKIE_TEXT, FOOTER_TEXT, NEWSLETTER_TEXT, NewsSite
from extractors.crawl.fetch import Fetcher, FetchError
from extractors.html.article_page import FeedEntry, decode_html, parse_article
from extractors.sources import feed
from records import (
    FULL,
    SUMMARY,
    Document,
    Extraction,
    Known,
    KnownDocument,
    RawResponse,
    SourceConfig,
    UnsupportedFormat,
)
from transforms.classify import classify, load_rules

FEEDS = {"rss": "feed/", "atom": "feed/atom/", "rdf": "feed/rdf/"}
ARTICLES = [item for item in NEWS_ITEMS if item.kind == ARTICLE]
PDF_ITEM = next(item for item in NEWS_ITEMS if item.kind == PDF)
GONE_ITEM = next(item for item in NEWS_ITEMS if item.kind == GONE)
LONG_AGO = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def run(server: SiteServer, path: str = FEEDS["rss"], known: Known | None = None) -> Extraction:
    """One extraction of the feed at `path`, with validators from `known` as the flow would pass them."""
    known = known or Known()
    fetcher = Fetcher(delay=0, validators=known.validators)
    try:
        return feed.extract(SourceConfig("eastbridge", "feed", server.url + path), fetcher, known,
                            Extraction("eastbridge"))
    finally:
        fetcher.close()


def known_after(result: Extraction, checked_at: dt.datetime | None = None) -> Known:
    """What the warehouse would know after loading `result`."""
    checked_at = checked_at or dt.datetime.now(dt.UTC)
    return Known(
        documents={d.key: KnownDocument(d.url, d.marker, checked_at, d.body_source) for d in result.documents},
        validators={r.url: (r.headers.get("etag"), r.headers.get("last-modified")) for r in result.raw
                    if r.status == 200},
    )


def page_requests(server: SiteServer) -> list[str]:
    """Paths of everything requested except robots.txt and the feeds."""
    return [r.path for r in server.requests if r.path != "/robots.txt" and not r.path.startswith("/feed/")]


def feed_requests(server: SiteServer) -> list[str]:
    """Feed URLs requested, with their query strings."""
    return [r.path + (f"?{r.query_string}" if r.query_string else "") for r in server.requests
            if r.path.startswith("/feed/")]


def by_url(result: Extraction) -> dict[str, Document]:
    """Documents keyed by their site-relative path."""
    return {urlsplit(d.url).path: d for d in result.documents}


def seen_fields(document: Document) -> tuple[object, ...]:
    """What a reader of the warehouse sees of a document."""
    return (document.kind, document.url, document.title, document.published_at, document.author,
            document.body, document.labels)


@pytest.fixture
def news() -> Iterator[SiteServer]:
    """A fresh news site for a test that changes it."""
    with SiteServer(NewsSite(deepcopy(NEWS_ITEMS))) as server:
        yield server


@pytest.fixture(scope="module")
def crawls() -> Iterator[tuple[SiteServer, dict[str, Extraction], dict[str, list[str]]]]:
    """One first crawl of each feed variant, shared by the read-only tests: results and requests made."""
    with SiteServer(NewsSite(deepcopy(NEWS_ITEMS))) as server:
        results, requests = {}, {}
        for variant, path in FEEDS.items():
            server.reset_log()
            results[variant] = run(server, path)
            requests[variant] = feed_requests(server)
        yield server, results, requests


def test_rss_atom_and_rdf_give_the_same_articles_as_published(crawls) -> None:
    _, results, _ = crawls
    assert {variant: r.discovered_via for variant, r in results.items()} == {
        "rss": "rss feed", "atom": "atom feed", "rdf": "rdf feed"}
    views = {variant: sorted(map(seen_fields, r.documents), key=str) for variant, r in results.items()}
    assert views["rss"] == views["atom"] == views["rdf"]
    documents = {path: doc for path, doc in by_url(results["rss"]).items() if doc.body_source == FULL}
    assert sorted(documents) == sorted(item.path for item in ARTICLES)
    for item in ARTICLES:
        document = documents[item.path]
        assert document.title == item.title
        assert document.published_at == item.published
        assert document.published_at.utcoffset() == dt.timedelta(0)
        assert document.author == item.author
        assert document.body == item.body_text
        assert document.labels == item.categories


def test_keys_are_guids_else_links_and_markers_are_feed_stamps(crawls) -> None:
    server, results, _ = crawls
    rss, atom, rdf = (by_url(results[v]) for v in ("rss", "atom", "rdf"))
    audit = next(item for item in ARTICLES if item.updated)
    assert rss[audit.path].key == atom[audit.path].key == f"{server.url}?p={audit.post_id}"
    assert rdf[audit.path].key == server.url + audit.path.lstrip("/")  # RSS 1.0 has no guid
    assert rss[audit.path].marker == audit.published.astimezone(dt.UTC).isoformat()  # RSS 2.0: pubDate only
    assert atom[audit.path].marker == audit.updated.astimezone(dt.UTC).isoformat()


def test_body_leaves_out_widgets_comments_cookie_banner_and_footer(crawls) -> None:
    _, results, _ = crawls
    rules = load_rules()
    documents = by_url(results["rss"])
    boilerplate = [*MOST_READ, *RELATED, COOKIE_TEXT, FOOTER_TEXT, NEWSLETTER_TEXT, "Most read", "Share this",
                   "Leave a reply", "says:"]
    for item in ARTICLES:
        document = documents[item.path]
        leaked = [text for text in boilerplate + [c.text for c in item.comments] if text in document.body]
        assert leaked == [], item.slug
        assert SITE_NAME not in document.title
        found = classify(document.title, document.body, rules)
        assert frozenset(found.topics if found else ()) == item.expected_topics, item.slug


def test_windows_1252_pages_keep_curly_quotes_and_pounds(crawls) -> None:
    _, results, _ = crawls
    raws = {urlsplit(raw.url).path: raw for raw in results["rss"].raw}
    documents = by_url(results["rss"])
    tax = next(item for item in ARTICLES if item.charset == CHARSET_META)
    precept = next(item for item in ARTICLES if item.charset == CHARSET_NONE)
    for item in (tax, precept):  # the bytes really are Windows-1252, and the header names no charset
        raw = raws[item.path]
        assert raw.headers["content-type"] == "text/html"
        assert raw.body.decode("windows-1252").count("\u00a3") >= 2
        assert (b'<meta charset="windows-1252">' in raw.body) is (item is tax)
    assert "leader warns of \u201cimpossible choices\u201d" in documents[tax.path].title
    assert "Band D households in Eastbridge will pay \u00a32,148.36" in documents[tax.path].body
    assert "and that \u2018every line\u2019 of spending" in documents[tax.path].body
    assert "adding about \u00a31.50 to a Band D bill" in documents[precept.path].body
    assert "\u201cIt\u2019s not glamorous, but it\u2019s what people asked for,\u201d" in documents[precept.path].body
    from_page = parse_article("eastbridge", raws[precept.path])  # no feed title to fall back on
    assert from_page.title == "Parish precept: what the \u00a31.50 rise pays for"


def test_pdf_is_skipped_and_a_missing_page_leaves_the_entry_s_summary(crawls) -> None:
    server, results, _ = crawls
    for result in results.values():
        failures = {f.url.removeprefix(server.url.rstrip("/")): (f.reason, f.status) for f in result.failures}
        assert failures == {PDF_ITEM.path: ("skipped: content type 'application/pdf' is not html", 200)}
        assert result.removed == []  # never seen before, so not a removal
        assert PDF_ITEM.path not in by_url(result)
        gone = by_url(result)[GONE_ITEM.path]
        assert (gone.title, gone.body, gone.body_source) == (GONE_ITEM.title, GONE_ITEM.summary, SUMMARY)


def test_first_crawl_pages_rss_by_paged_and_atom_by_rel_next(crawls) -> None:
    _, results, requests = crawls
    assert requests["rss"] == ["/feed/", "/feed/?paged=2", "/feed/?paged=3"]  # 5 + 5 + 1: a short page is the last
    assert requests["atom"] == ["/feed/atom/", "/feed/atom/?paged=2", "/feed/atom/?paged=3"]  # the last: no rel="next"
    assert requests["rdf"] == ["/feed/rdf/"]
    assert all("paged" not in failure.url for result in results.values() for failure in result.failures)


def test_unchanged_feed_costs_one_conditional_request(news: SiteServer) -> None:
    known = known_after(run(news))
    news.reset_log()
    second = run(news, known=known)
    assert [r.path for r in news.requests] == ["/robots.txt", "/feed/"]
    assert news.requests[1].headers.get("If-None-Match") == known.validators[news.url + "feed/"][0]
    assert [raw.status for raw in second.raw] == [304]
    assert (second.documents, second.failures, second.discovered_via) == ([], [], "feed (not modified)")


def test_new_article_is_the_only_page_fetched_and_paging_stops_at_known_items() -> None:
    site = NewsSite(deepcopy(ARTICLES), page_size=3)
    with SiteServer(site) as server:
        first = run(server)
        # 3 + 3 + 3 items, then WordPress's 404 past the end
        assert feed_requests(server) == ["/feed/", "/feed/?paged=2", "/feed/?paged=3", "/feed/?paged=4"]
        server.reset_log()
        site.items.append(deepcopy(LATE_ITEM))
        second = run(server, known=known_after(first))
    assert page_requests(server) == [LATE_ITEM.path]
    assert feed_requests(server) == ["/feed/", "/feed/?paged=2"]  # page 2 held only known items
    assert [(d.title, d.body) for d in second.documents] == [(LATE_ITEM.title, LATE_ITEM.body_text)]
    assert len(second.unchanged) == 5


def test_entries_that_failed_are_tried_again_and_do_not_keep_paging_going(news: SiteServer) -> None:
    known = known_after(run(news))
    news.site.items.append(deepcopy(LATE_ITEM))
    news.reset_log()
    second = run(news, known=known)
    assert page_requests(news) == [LATE_ITEM.path, PDF_ITEM.path]  # the gone page's summary is known
    assert feed_requests(news) == ["/feed/", "/feed/?paged=2"]
    assert [d.title for d in second.documents] == [LATE_ITEM.title]
    assert len(second.failures) == 1


def test_changed_entry_is_refetched_and_due_pages_are_revalidated(news: SiteServer) -> None:
    known = known_after(run(news, FEEDS["atom"]), checked_at=LONG_AGO)
    edited = next(item for item in news.site.items if item.post_id == 4088)
    edited.paragraphs = [*edited.paragraphs, "This article was updated to include the council's response."]
    edited.updated = edited.published + dt.timedelta(days=1)
    news.reset_log()
    second = run(news, FEEDS["atom"], known)
    assert [(d.url.endswith(edited.path), d.body) for d in second.documents] == [(True, edited.body_text)]
    fetched = {r.path: r.headers.get("If-None-Match") for r in news.requests if r.path in page_requests(news)}
    assert fetched.pop(edited.path) is None  # the feed says it changed: fetched in full
    assert fetched.pop(PDF_ITEM.path) is None  # failed last time, so nothing to revalidate against
    assert sorted(fetched) == sorted(i.path for i in ARTICLES if i.published > edited.published)
    assert all(fetched.values())  # known pages due for a recheck: asked conditionally, answered 304
    assert sorted(raw.status for raw in second.raw if urlsplit(raw.url).path in fetched) == [304] * len(fetched)
    assert len(second.unchanged) == len(fetched)
    # Feed page 2 did not change either (304), so its items were not looked at.
    assert feed_requests(news) == ["/feed/atom/", "/feed/atom/?paged=2"]
    assert [raw.status for raw in second.raw if "/feed/" in raw.url] == [200, 304]


def test_known_article_whose_page_is_gone_is_reported_removed(news: SiteServer) -> None:
    known = known_after(run(news), checked_at=LONG_AGO)
    bins = next(item for item in news.site.items if item.slug.startswith("bin-collection"))
    bins.kind = GONE  # the story is taken down but stays in the feed
    news.site.items.append(deepcopy(LATE_ITEM))  # so the feed changes and is read
    second = run(news, known=known)
    assert second.removed == [f"{news.url}?p={bins.post_id}"]
    assert bins.path not in [f.url.removeprefix(news.url.rstrip("/")) for f in second.failures]


def test_full_text_feed_needs_no_article_pages() -> None:
    with SiteServer(NewsSite(deepcopy(NEWS_ITEMS), full_content=True)) as server:
        result = run(server)
        assert page_requests(server) == []
    documents = by_url(result)
    for item in NEWS_ITEMS:  # the PDF and the withdrawn story too: the feed holds their text
        assert (documents[item.path].title, documents[item.path].body) == (item.title, item.body_text)
    assert {d.raw_sha256 for d in result.documents} <= {raw.sha256 for raw in result.raw}


def test_stored_responses_rebuild_the_same_documents_offline(crawls) -> None:
    _, results, _ = crawls
    live = results["rss"]
    stored = [RawResponse(r.url, r.final_url, r.status, dict(r.headers), bytes(r.body), r.fetched_at)
              for r in live.raw]
    pages = [raw for raw in stored if "/news/" in raw.url and raw.status == 200]
    assert len(pages) == len(ARTICLES)
    for raw in pages:
        document = parse_article("eastbridge", raw)
        original = next(d for d in live.documents if d.url == raw.url)
        assert seen_fields(document) == seen_fields(original)
        assert document.key == raw.url  # without the feed the canonical link is the key
    rebuilt = sorted(feed.rebuild("eastbridge", stored), key=lambda d: d.key)
    assert rebuilt == sorted(live.documents, key=lambda d: d.key)


def test_url_that_is_not_a_feed_stops_the_source(news: SiteServer) -> None:
    with pytest.raises(UnsupportedFormat, match="content type 'text/html' is not feed"):
        run(news, "")
    with pytest.raises(FetchError, match="feed answered HTTP 404"):
        run(news, "feeds/posts/default")


QUOTED = "\u201cA \u00a35m cut\u201d, the \u2018back office\u2019 \u20ac"


@pytest.mark.parametrize(("content_type", "head", "encoding"), [
    ("text/html; charset=utf-8", '<meta charset="windows-1252">', "utf-8"),  # the header wins over <meta>
    ("text/html", '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15">', "iso-8859-15"),
    ("text/html", '<meta charset="windows-1252">', "windows-1252"),
    ("text/html", "", "utf-8"),  # nothing declared: valid UTF-8 is UTF-8
    ("text/html", "", "windows-1252"),  # ...and anything else is read as Windows-1252, as browsers do
    ("text/html; charset=windows-1252", "", "utf-8-sig"),  # a byte-order mark beats everything
])
def test_pages_decode_by_bom_then_header_then_meta_then_content(content_type: str, head: str, encoding: str) -> None:
    text = QUOTED if encoding != "iso-8859-15" else QUOTED.translate({0x201c: '"', 0x201d: '"', 0x2018: "'",
                                                                       0x2019: "'"})
    html = f"<html><head>{head}</head><body><p>{text}</p></body></html>"
    raw = RawResponse("http://x/", "http://x/", 200, {"content-type": content_type}, html.encode(encoding),
                      dt.datetime.now(dt.UTC))
    assert f"<p>{text}</p>" in decode_html(raw)


def test_a_feed_date_outranks_a_date_guessed_from_page_text() -> None:
    body = ("<html><head><title>Branch news: Pay talks stall again</title></head><body><article>"
            "<h1>Pay talks stall again</h1><p>Talks broke up without agreement on Tuesday, the third time this "
            "year that negotiators have failed to settle the pay claim for council staff.</p></article>"
            "<footer>\u00a9 2024 Branch news. Updated 3 January 2024.</footer></body></html>").encode()
    url = "http://branch.example/news/2023/10/19-pay-talks/"
    raw = RawResponse(url, url, 200, {"content-type": "text/html"}, body, dt.datetime.now(dt.UTC))
    document = parse_article("branch", raw)
    assert document.title == "Pay talks stall again" and document.body.startswith("Talks broke up")
    assert document.published_at == dt.datetime(2023, 10, 19, tzinfo=dt.UTC), "no markup: htmldate reads the URL"
    told = dt.datetime(2023, 10, 19, 16, 5, tzinfo=dt.UTC)
    entry = FeedEntry(key="pay-talks", link=url, title="Pay talks stall again", published=told)
    assert parse_article("branch", raw, entry=entry).published_at == told


def test_sample_items_are_consistent() -> None:
    ids = [item.post_id for item in [*NEWS_ITEMS, LATE_ITEM]]
    assert len(ids) == len(set(ids))
    assert {item.kind for item in NEWS_ITEMS} == {ARTICLE, PDF, GONE}
    assert all(item.published.tzinfo for item in NEWS_ITEMS)
    assert LATE_ITEM.published > max(item.published for item in NEWS_ITEMS)
