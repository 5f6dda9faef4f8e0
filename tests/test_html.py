"""HTML decoding and text: charsets as browsers read them, block-aware text, boilerplate removed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from extractors.html.css import Selector
from extractors.html.tree import (
    block_text,
    first_tag,
    only_string,
    strip_boilerplate,
    text_of,
    tree_of,
    tree_of_fragment,
)
from records import RawResponse

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
    document = tree_of(raw(CP1252_PAGE.encode("cp1252"), content_type))
    assert block_text(first_tag(document, "body")) == EXPECTED


def test_meta_charset_is_used_when_header_has_none() -> None:
    page = CP1252_PAGE.replace("<html>", '<html><head><meta charset="windows-1252"></head>')
    assert block_text(first_tag(tree_of(raw(page.encode("cp1252"))), "body")) == EXPECTED


def test_header_charset_wins_over_wrong_meta() -> None:
    page = CP1252_PAGE.replace("<html>", '<html><head><meta charset="windows-1252"></head>')
    assert block_text(first_tag(tree_of(raw(page.encode("utf-8"), "text/html; charset=utf-8")), "body")) == EXPECTED


def test_block_text_breaks_blocks_and_joins_inline_tags() -> None:
    document = tree_of(raw(b"<div><p>We oppose <em>shared</em> services.</p><ol><li>1)Work</li><li>a)Act</li></ol>"
                           b"<p>one<br>two</p><!-- hidden --><script>var x='shared services';</script></div>"))
    assert block_text(first_tag(document, "body")) == "We oppose shared services.\n1)Work\na)Act\none\ntwo"


def test_strip_boilerplate_drops_share_related_and_comments() -> None:
    document = tree_of(raw(b"<article><p>Body.</p><div class='share-buttons'>Share on Twitter</div>"
                           b"<div id='comments'><p>shared services comment</p></div>"
                           b"<div class='related-posts'>Related: back office cuts</div><nav>Home</nav></article>"))
    assert block_text(strip_boilerplate(first_tag(document, "article"))) == "Body."


# The rules below are Beautiful Soup's and soupsieve's, which the extractors used before lxml: documents must
# come out as they did, so the helpers keep them.

def test_text_of_joins_strings_with_a_space_and_skips_script_and_ruby_text() -> None:
    document = tree_of_fragment("<h1>Jo<b>hn</b><script>var x;</script> Smith<ruby>X<rt>ex</rt></ruby></h1>")
    assert text_of(first_tag(document, "h1")) == "Jo hn Smith X"
    assert text_of(first_tag(document, "rt")) == "ex"


def test_removed_element_keeps_the_strings_around_it_apart() -> None:
    document = tree_of_fragment("<p>before<span class='share'>Share</span>after</p>")
    paragraph = first_tag(document, "p")
    strip_boilerplate(paragraph)
    assert (text_of(paragraph), block_text(paragraph)) == ("before after", "beforeafter")


def test_selector_matches_as_soupsieve_did() -> None:
    document = tree_of_fragment("<div class='post-outer'><div class='post\xa0hentry'><p class='x'>in</p></div></div>"
                                "<template><p class='x'>hidden</p></template>")
    post = Selector(".post.hentry").first(document)  # bs4 split classes on any whitespace
    assert post is not None
    assert Selector(".post-outer .x").first(post).text == "in"  # the ancestor may be outside the scope
    assert [p.text for p in Selector(".x").all(document)] == ["in"]  # template contents are not searched


def test_deep_nesting_text_after_html_and_control_characters_survive() -> None:
    document = tree_of_fragment("<div>" * 20_000 + "deep\x0bdown" + "</div>" * 20_000 + "</html>\n<p>after</p>")
    assert block_text(document) == "deep down\nafter"


def test_only_string_is_the_single_string_of_an_element() -> None:
    document = tree_of_fragment("<a><span> Back </span></a><a>Back <b>to</b></a><a><!--note--></a>")
    assert [only_string(a) for a in document.iter("a")] == [" Back ", None, "note"]
