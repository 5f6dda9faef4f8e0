"""HTML decoding and text: charsets as browsers read them, block-aware text, boilerplate removed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from extractors.html import block_text, soup_of, strip_boilerplate
from extractors.records import RawResponse

CP1252_PAGE = "<html><body><p>Branch says \u201cno\u201d to \u2018back office\u2019 cuts \u2013 £3m</p></body></html>"
EXPECTED = "Branch says \u201cno\u201d to \u2018back office\u2019 cuts \u2013 £3m"


def raw(body: bytes, content_type: str = "text/html") -> RawResponse:
    """A response as the fetcher would return it."""
    return RawResponse("http://127.0.0.1/x", "http://127.0.0.1/x", 200, {"content-type": content_type}, body,
                       datetime.now(UTC))


@pytest.mark.parametrize("content_type", [
    "text/html; charset=windows-1252",
    "text/html; charset=ISO-8859-1",  # browsers decode this label as windows-1252
    "text/html",  # no label anywhere: detection
])
def test_windows_1252_page_keeps_curly_quotes_and_pound(content_type: str) -> None:
    soup = soup_of(raw(CP1252_PAGE.encode("cp1252"), content_type))
    assert block_text(soup.body) == EXPECTED


def test_meta_charset_is_used_when_header_has_none() -> None:
    page = CP1252_PAGE.replace("<html>", '<html><head><meta charset="windows-1252"></head>')
    assert block_text(soup_of(raw(page.encode("cp1252"))).body) == EXPECTED


def test_header_charset_wins_over_wrong_meta() -> None:
    page = CP1252_PAGE.replace("<html>", '<html><head><meta charset="windows-1252"></head>')
    assert block_text(soup_of(raw(page.encode("utf-8"), "text/html; charset=utf-8")).body) == EXPECTED


def test_block_text_breaks_blocks_and_joins_inline_tags() -> None:
    soup = soup_of(raw(b"<div><p>We oppose <em>shared</em> services.</p><ol><li>1)Work</li><li>a)Act</li></ol>"
                       b"<p>one<br>two</p><!-- hidden --><script>var x='shared services';</script></div>"))
    assert block_text(soup.body) == "We oppose shared services.\n1)Work\na)Act\none\ntwo"


def test_strip_boilerplate_drops_share_related_and_comments() -> None:
    soup = soup_of(raw(b"<article><p>Body.</p><div class='share-buttons'>Share on Twitter</div>"
                       b"<div id='comments'><p>shared services comment</p></div>"
                       b"<div class='related-posts'>Related: back office cuts</div><nav>Home</nav></article>"))
    assert block_text(strip_boilerplate(soup.article)) == "Body."
