"""extractors.sources.blogger.atom: a plain Atom page read with lxml gives exactly what feedparser gives."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from demo.server import serve_sites
from demo.sites import demo_sites
from demo.sites.blogger import FEED_PATH
from extractors.sources import blogger
from extractors.sources.blogger import atom
from records import RawResponse

ATOM_TYPE = "application/atom+xml; charset=UTF-8"
ENTRY = """<entry>
  <id>  tag:blogger.com,1999:blog-1.post-{n}  </id>
  <published>2024-05-0{n}T09:30:00.000+01:00</published><updated>2024-05-0{n}T10:00:00.000+01:00</updated>
  <category scheme='http://www.blogger.com/atom/ns#' term='Pay &amp;amp; grading'/>
  <category scheme='http://www.blogger.com/atom/ns#' term='Shared services'/>
  <title type='text'> Ballot {n}: café &amp; élan </title>
  <content type='html'>&lt;p&gt;The employers' revised offer {n} is four per cent.&lt;/p&gt;
    &lt;div class="blog-share"&gt;Share&lt;/div&gt;</content>
  <link rel='REPLIES' type='text/html' href='https://branch.blogspot.com/2024/05/ballot-{n}.html#comment-form'/>
  <link rel='alternate' type='TEXT/HTML' href='https://branch.blogspot.com/2024/05/ballot-{n}.html?a=1&amp;amp;b=2'/>
  <author><name> Jo Steward </name><email>noreply@blogger.com</email></author>
</entry>"""


def feed(entries: str, head: str = "", root: str = "<feed xmlns='http://www.w3.org/2005/Atom'>") -> bytes:
    """An Atom page with a next link; `head` goes before the entries."""
    return (f"<?xml version='1.0' encoding='UTF-8'?>{root}<id>tag:blogger.com,1999:blog-1</id><title>Branch</title>"
            f"<link rel='next' type='application/atom+xml' href='https://branch.blogspot.com/feeds/posts/default"
            f"?start-index=26&amp;max-results=25'/>{head}{entries}</feed>").encode()


def response(body: bytes, content_type: str = ATOM_TYPE, **headers: str) -> RawResponse:
    """An archived feed response."""
    return RawResponse("https://branch.blogspot.com/feeds/posts/default", "https://branch.blogspot.com/feeds/posts"
                       "/default", 200, {"content-type": content_type, **headers}, body, dt.datetime.now(dt.UTC))


def read_by_feedparser(raw: RawResponse, monkeypatch: pytest.MonkeyPatch) -> blogger.FeedPage:
    """The page as the extractor reads it with feedparser alone."""
    with monkeypatch.context() as patched:
        patched.setattr(blogger, "atom_page", lambda raw: None)
        return blogger.parse_feed_page("branch", raw)


PLAIN = {
    "Blogger's own feed, with whitespace, accents, odd case and escaped ampersands":
        feed("".join(ENTRY.format(n=n) for n in range(1, 4))),
    "a summary-only entry, one without dates and a link without rel or type": feed(
        ENTRY.format(n=1) + "<entry><id>tag:x,1999:post-9</id><title>Short</title><summary>Only this</summary>"
        "<link href='https://branch.blogspot.com/2024/05/short.html'/><author><name>A</name></author></entry>"),
    "no charset in the header, no entries": feed(""),
}
NOT_PLAIN = {
    "RSS": (b"<?xml version='1.0'?><rss version='2.0'><channel><title>B</title><item><title>T</title>"
            b"<link>https://b.example/1</link><guid>1</guid><description>x</description></item></channel></rss>"),
    "a base for relative links": feed(ENTRY.format(n=1), root="<feed xmlns='http://www.w3.org/2005/Atom' "
                                                               "xml:base='https://branch.blogspot.com/x/'>"),
    "XHTML content": feed(ENTRY.format(n=1).replace(
        "<content type='html'>", "<content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>").replace(
        "</content>", "</div></content>").replace("&lt;", "<!--").replace("&gt;", "-->")),
    "two authors": feed(ENTRY.format(n=1).replace("</entry>", "<author><name>B</name></author></entry>")),
    "no author name": feed(ENTRY.format(n=1).replace("<name> Jo Steward </name>", "")),
    "a DOCTYPE": b"<?xml version='1.0'?><!DOCTYPE feed>" + feed(ENTRY.format(n=1)).split(b"?>", 1)[1],
    "another encoding": feed(ENTRY.format(n=1)).replace(b"UTF-8", b"ISO-8859-1"),
    "malformed": feed(ENTRY.format(n=1))[:-20],
    "text that reads as UTF-8 taken for Latin-1": feed(ENTRY.format(n=1).replace("café &amp; élan",
                                                                                            "caf\u00c3\u00a9")),
}


@pytest.mark.parametrize("body", PLAIN.values(), ids=PLAIN.keys())
def test_a_plain_atom_page_is_read_by_lxml_as_feedparser_reads_it(body: bytes, monkeypatch) -> None:
    raw = response(body, "application/atom+xml" if body == PLAIN["no charset in the header, no entries"]
                   else ATOM_TYPE)
    assert atom.atom_page(raw) is not None
    page = blogger.parse_feed_page("branch", raw)
    assert page == read_by_feedparser(raw, monkeypatch)
    assert page.next_url == "https://branch.blogspot.com/feeds/posts/default?start-index=26&max-results=25"


def test_the_fields_read_from_a_plain_page(monkeypatch) -> None:
    page = blogger.parse_feed_page("branch", response(PLAIN[next(iter(PLAIN))]))
    first = page.documents[0]
    assert (first.key, first.title, first.author) == ("1", "Ballot 1: café & élan", "Jo Steward")
    assert first.url == "https://branch.blogspot.com/2024/05/ballot-1.html?a=1&amp;b=2"
    assert first.labels == ["Pay &amp; grading", "Shared services"] and "Share" not in first.body
    assert first.published_at == dt.datetime(2024, 5, 1, 8, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize("body", NOT_PLAIN.values(), ids=NOT_PLAIN.keys())
def test_any_other_page_is_left_to_feedparser(body: bytes, monkeypatch) -> None:
    raw = response(body)
    assert atom.atom_page(raw) is None
    try:
        expected = read_by_feedparser(raw, monkeypatch)
    except blogger.FetchError:
        with pytest.raises(blogger.FetchError):
            blogger.parse_feed_page("branch", raw)
        return
    assert blogger.parse_feed_page("branch", raw) == expected


@pytest.mark.parametrize("headers", [{"content-type": "text/xml"}, {"content-type": "application/atom+xml; "
                                                                                   "charset=iso-8859-1"},
                                     {"content-type": ATOM_TYPE, "content-location": "https://elsewhere.example/"}])
def test_headers_that_change_feedparser_s_reading_leave_the_page_to_it(headers: dict[str, str]) -> None:
    assert atom.atom_page(response(PLAIN[next(iter(PLAIN))], **headers)) is None


def test_every_page_of_the_demo_blog_s_feed_reads_the_same(monkeypatch) -> None:
    with serve_sites(demo_sites("active")) as sites:
        url, pages = sites["active"].url.rstrip("/") + FEED_PATH, 0
        while url and pages < 20:
            answer = requests.get(url, timeout=10)
            headers = {name.lower(): value for name, value in answer.headers.items()}  # as the fetcher keeps them
            raw = RawResponse(url, answer.url, 200, headers, answer.content, dt.datetime.now(dt.UTC))
            assert atom.atom_page(raw) is not None
            page = blogger.parse_feed_page("branch", raw)
            assert page == read_by_feedparser(raw, monkeypatch) and page.documents
            url, pages = page.next_url, pages + 1
    assert pages >= 2
