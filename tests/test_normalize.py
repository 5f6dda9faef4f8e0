"""Tests for transforms.normalize: text cleaning and match tokens."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.normalize import Token, clean_text, match_tokens, match_words

# Pieces that interact across cleaning steps: entities split by invisible characters, U+037E (which NFC
# turns into ";"), list markers, decimals, every kind of line break and space.
_FRAGMENTS = [
    *["&", "amp", ";", "&amp;", "&#", "x", "41", "&nbsp;", "\u037e"],  # entities, whole and in pieces
    *["1", ")", ".", "(", "a", "i", "I", "•", "5", "Work", "that", "’", "-"],  # list markers and decimals
    *["\u00ad", "\u200b", "\ufeff", "e", "\u0301"],  # invisible and combining characters
    *[
        " ",
        "\t",
        "\u00a0",
        "\u2009",
        "\u3000",
        "\n",
        "\r",
        "\r\n",
        "\u2028",
        "\x85",
        "\x0c",
    ],  # spaces, breaks
]
messy_text = st.lists(st.sampled_from(_FRAGMENTS), max_size=40).map("".join)

MOTION = (
    "Shared Services\r\n\r\nBack to all Motions\r\n\r\n\r\n"
    "2008 Local Government Service Group Conference\r\n12 June 2008  \r\n\r\n"
    "Conference notes:\r\n\r\n"
    "1.that current government policies envisage a major expansion of\u00a0shared services;\r\n"
    "2.that the settlement means 3.5% cuts\r\n\r\n"
    "1)Work in conjunction with regions\u2009and branches. This should:\r\n"
    "a)Be based on engaging with branches;\r\n"
    "b)Include liaison with other Service Groups;"
)


def test_clean_text_tidies_a_motion_page() -> None:
    assert clean_text(MOTION) == (
        "Shared Services\n\nBack to all Motions\n\n"
        "2008 Local Government Service Group Conference\n12 June 2008\n\n"
        "Conference notes:\n\n"
        "1. that current government policies envisage a major expansion of shared services;\n"
        "2. that the settlement means 3.5% cuts\n\n"
        "1) Work in conjunction with regions and branches. This should:\n"
        "a) Be based on engaging with branches;\n"
        "b) Include liaison with other Service Groups;"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1)Work with branches", "1) Work with branches"),
        ("a)Identify those instances", "a) Identify those instances"),
        ("1.that current policies", "1. that current policies"),
        ("(ii)Note the report", "(ii) Note the report"),
        ("2.1.Scope of the review", "2.1. Scope of the review"),
        ("•Campaign against cuts", "• Campaign against cuts"),
        ("1) Already spaced", "1) Already spaced"),
        ("1.5 million members", "1.5 million members"),
        ("£1.4 billion spent", "£1.4 billion spent"),
        ("e.g.this stays as written", "e.g.this stays as written"),
        ("see item 1)above, mid-line", "see item 1)above, mid-line"),
        ("2010.Conference", "2010.Conference"),
    ],
)
def test_list_markers_get_a_space_only_at_line_start(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Pay &amp; conditions", "Pay & conditions"),
        ("Pay &amp;amp; conditions", "Pay & conditions"),
        ("members&#8217; jobs", "members’ jobs"),
        ("&lt;b&gt;", "<b>"),
        ("see ?a=1&para=2&copy=3", "see ?a=1&para=2&copy=3"),
        ("AT&T and R&D", "AT&T and R&D"),
        ("cafe\u0301", "café"),
        ("back\u00a0office", "back office"),
        ("back\u202foffice\u2009cuts", "back office cuts"),
        ("organi\u00adsation", "organisation"),
        ("shared\u200bservices", "sharedservices"),
        ("\ufeffTitle", "Title"),
        ("a \t  b", "a b"),
        ("line one   \r\nline two\rline three", "line one\nline two\nline three"),
        ("para one\n\n\n\n\npara two", "para one\n\npara two"),
        ("para one\n \t \n\u00a0\npara two", "para one\n\npara two"),
        ("  \n\n  padded  \n\n  ", "padded"),
        ("", ""),
    ],
)
def test_clean_text_cases(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


@settings(max_examples=300, deadline=None)
@given(st.text() | messy_text)
def test_clean_text_is_idempotent(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once


@settings(max_examples=300, deadline=None)
@given(st.text() | messy_text)
def test_a_cleaned_title_on_one_line_is_still_clean(text: str) -> None:
    # transforms.pipeline joins a title's lines and hands it to classify as clean_text output.
    title = " ".join(clean_text(text).split())
    assert clean_text(title) == title


@pytest.mark.parametrize("brk", ["\n", "\r", "\r\n", "\v", "\f", "\x85", "\u2028", "\u2029"])
def test_every_line_break_becomes_a_newline(brk: str) -> None:
    assert clean_text(f"one {brk} two{brk}{brk}{brk}three") == "one\ntwo\n\nthree"


def test_separator_controls_are_dropped_not_line_breaks() -> None:
    assert clean_text("one\x1ctwo\x1dthree\x1efour\x1f") == "onetwothreefour"


@settings(max_examples=200, deadline=None)
@given(st.text() | messy_text)
def test_clean_text_output_shape(text: str) -> None:
    cleaned = clean_text(text)
    assert cleaned == cleaned.strip()
    assert "\r" not in cleaned and "\n\n\n" not in cleaned and "  " not in cleaned
    assert all(line == line.strip() for line in cleaned.split("\n"))


@pytest.mark.parametrize(
    "text",
    [
        "back-office",
        "back office",
        "‘back office’",
        "“back office”",
        "'back office'",
        '"back office"',
        "back\noffice",
        "back\u2013office",
        "back/office",
        "BACK OFFICE",
        "(back office)",
    ],
)
def test_match_tokens_separates_on_hyphens_quotes_slashes_and_breaks(text: str) -> None:
    assert [token.text for token in match_tokens(text)] == ["back", "office"]


def test_match_tokens_offsets_point_into_the_text() -> None:
    text = "1)Shared Services: ‘back-office’ CUTS"
    tokens = match_tokens(text)
    assert tokens == [
        Token("1", 0, 1),
        Token("shared", 2, 8),
        Token("services", 9, 17),
        Token("back", 20, 24),
        Token("office", 25, 31),
        Token("cuts", 33, 37),
    ]


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_match_tokens_are_ordered_lowercased_slices(text: str) -> None:
    tokens = match_tokens(text)
    assert all(token.text == text[token.start : token.end].lower() for token in tokens)
    assert all(a.end < b.start for a, b in zip(tokens, tokens[1:], strict=False))


@settings(max_examples=300, deadline=None)
@given(st.text() | messy_text)
def test_match_words_are_the_regex_words_as_columns(text: str) -> None:
    expected = [Token(m.group(0).lower(), m.start(), m.end()) for m in re.finditer(r"[^\W_]+", text)]
    words = match_words(text)
    assert list(zip(words.texts, words.starts, words.ends, strict=True)) == expected
    assert match_tokens(text) == expected
