"""extractors.sources.blogger: post pages of non-classic templates, read by the generic path, keyed by post id."""

from __future__ import annotations

import datetime as dt

import pytest

from demo.server import Request, Response, SiteServer
from extractors.crawl.fetch import Fetcher
from extractors.sources import blogger
from records import BLOG_POST, Extraction, Known, RawResponse, SourceConfig

URL = "https://branch.blogspot.com/2024/05/pay-offer-ballot.html"
POST_TEXT = ("<p>The employers have made a revised offer of four per cent from April, with a higher floor for the "
             "lowest paid grades.</p><p>The branch committee recommends acceptance, and the ballot opens on Monday. "
             "Every member will receive a voting link by email from the regional office.</p><p>Questions can go "
             "to any steward before the ballot closes at the end of the month.</p>")
SIDEBAR = ("<div class='sidebar'><div class='widget HTML'><h2>Campaigns</h2><p>Say no to shared services: sign "
           "the petition against the back-office cuts today.</p></div></div>")


def _page(blog: str) -> RawResponse:
    """A Blogger post page whose Blog widget holds `blog`."""
    html = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Riverside UNISON: Pay offer: ballot opens"
            f"</title><meta property='og:title' content='Pay offer: ballot opens'><link rel='canonical' href='{URL}'>"
            f"</head><body><div class='main'><div class='widget Blog' "
            f"id='Blog1'>{blog}</div></div>{SIDEBAR}</body></html>")
    return RawResponse(URL, URL, 200, {"content-type": "text/html; charset=utf-8"}, html.encode(),
                       dt.datetime.now(dt.UTC))


def test_a_post_outside_the_classic_template_is_read_whole_without_the_sidebar() -> None:
    # Google's blog template: a `.post` with data-id, no `.post-outer`, the date as visible text only.
    page = _page("<div class='post' data-id='8124570213217375432'><h2 class='title'><a href='" + URL + "'>"
                 "Pay offer: ballot opens</a></h2><div class='post-header'><span class='publishdate'>May 7, 2024"
                 f"</span></div><div class='post-body'><div class='post-content'>{POST_TEXT}</div></div></div>")
    document = blogger.parse_post_page("riverside", page)
    assert (document.kind, document.key, document.url) == (BLOG_POST, "8124570213217375432", URL)
    assert document.title == "Pay offer: ballot opens"
    assert "revised offer of four per cent" in document.body and "ballot closes at the end" in document.body
    assert "shared services" not in document.body
    assert document.published_at == dt.datetime(2024, 5, 7, tzinfo=dt.UTC)


def test_the_classic_template_still_decides_and_a_page_without_a_post_is_refused() -> None:
    classic = _page("<div class='post-outer'><div class='post hentry'><meta itemprop='postId' content='42'>"
                    f"<h3 class='post-title'><a href='{URL}'>Pay offer</a></h3><div class='post-body'>{POST_TEXT}"
                    "</div><abbr class='published' title='2024-05-07T09:30:00+01:00'>09:30</abbr></div></div>")
    document = blogger.parse_post_page("riverside", classic)
    assert (document.key, document.title) == ("42", "Pay offer")
    assert document.published_at == dt.datetime(2024, 5, 7, 8, 30, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="template changed"):
        blogger.parse_post_page("riverside", _page(""))
    maintenance = _page("<div class='post-body'><p>This blog is being moved to a new address. Posts will be back "
                        "shortly; thank you for your patience while the branch committee sorts it out.</p></div>")
    with pytest.raises(ValueError, match="no post id"):
        blogger.parse_post_page("riverside", maintenance)


class SummaryFeedBlog:
    """A Blogger blog on loopback whose feed gives one entry without content, and whose post page is in a
    template with neither the classic markup nor a post id, only og:type article."""

    def __init__(self) -> None:
        self.base = ""

    def handle(self, request: Request) -> Response:
        """The feed, the post page, 404 elsewhere."""
        if request.path == "/feeds/posts/default":
            entry = (f"<entry><id>tag:blogger.com,1999:blog-1.post-9001</id><published>2024-05-07T09:30:00+01:00"
                     f"</published><updated>2024-05-07T09:30:00+01:00</updated><title>Pay offer</title>"
                     f"<summary>The employers have made a revised offer.</summary><link rel='alternate' "
                     f"type='text/html' href='{self.base}2024/05/pay-offer.html'/></entry>")
            return Response.text(f"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'>{entry}</feed>",
                                 content_type="application/atom+xml")
        if request.path == "/2024/05/pay-offer.html":
            return Response.text(f"<html><head><title>Pay offer</title><meta property='og:type' content='article'>"
                                 f"</head><body><main><h1>Pay offer</h1>{POST_TEXT}</main>{SIDEBAR}</body></html>")
        return Response.text("not found", status=404)


def test_a_summary_entry_completed_from_a_page_without_post_id_keeps_the_feed_key() -> None:
    site = SummaryFeedBlog()
    with SiteServer(site) as server:
        site.base = server.url
        source = SourceConfig("riverside", "blogger", server.url, delay=0)
        result = blogger.extract(source, Fetcher(delay=0), Known(), Extraction(source.id))
    [document] = result.documents
    assert document.key == "9001"
    assert "ballot closes at the end of the month" in document.body and "shared services" not in document.body
