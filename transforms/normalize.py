"""Clean extracted text for display and storage, and split it into tokens for keyword matching.

`clean_text` is idempotent: `clean_text(clean_text(x)) == clean_text(x)` for every string, so stored text can
be re-cleaned safely whenever the rules below change.
"""

from __future__ import annotations

import html
import re
import unicodedata
from itertools import accumulate
from typing import NamedTuple

# Only well-formed, semicolon-terminated entities: html.unescape alone also decodes legacy forms without
# the semicolon, which turns query strings quoted in blog text ("?a=1&para=2") into "?a=1¶=2".
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

# Soft hyphen, zero-width space/joiners, word joiner, BOM, and control characters other than whitespace.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200d\u2060\ufeff\x00-\x08\x0e-\x1f\x7f\x80-\x84\x86-\x9f]")

# Three or more line breaks in a row (written as a literal so the regex engine can search for it quickly).
_BLANK_LINES = re.compile("\n\n\n+")

# A list marker glued to the word after it at the start of a line (tried with .match on each line):
# "1)Work", "a)Identify", "(ii)Note", "1.that", "2.1.Scope", "•Item". Letter markers only with ")" so
# "e.g.this" and "i.e.that" are left alone; the lookahead wants a letter, so decimals like "1.5" never match.
_LIST_MARKER = re.compile(r"(\(?(?:\d{1,3}(?:\.\d{1,3})*[.)]|(?:[a-zA-Z]|[ivxlcIVXLC]{1,6})\))|[•◦▪‣])(?=[^\W\d_])")

# Letters and digits make words; everything else (hyphens, dashes, straight and curly quotes, slashes,
# punctuation, whitespace, line breaks) separates them, so "back-office", ‘back office’ and "back\noffice"
# all give the same tokens. Captured, so that re.split returns the words with what lies between them.
_WORD = re.compile(r"([^\W_]+)")


class Token(NamedTuple):
    """A lowercased word and its [start, end) character offsets in the text it came from."""

    text: str
    start: int
    end: int


class Words(NamedTuple):
    """The tokens of a text as three lists instead of Token rows: much cheaper to build for a long text."""

    texts: list[str]
    starts: list[int]
    ends: list[int]


def _unescape_entity(match: re.Match[str]) -> str:
    """Decode one HTML entity."""
    return html.unescape(match.group(0))


def _decode(text: str) -> str:
    """Unescape entities, compose to NFC and drop invisible characters until nothing changes."""
    # Repeated because each step can expose work for another: "&amp;amp;" needs two passes, a soft hyphen
    # may sit inside an entity ("&am\u00adp;") and NFC maps U+037E to ";".
    while True:
        decoded = unicodedata.normalize("NFC", _ENTITY.sub(_unescape_entity, _INVISIBLE.sub("", text)))
        if decoded == text:
            return decoded
        text = decoded


def _tidy_line(line: str) -> str:
    """One line with every run of whitespace made a single space, trimmed, and a glued list marker spaced."""
    # Without an argument str.split() splits at every kind of whitespace (tab, nbsp, thin space …) and drops the ends.
    line = " ".join(line.split())
    marker = _LIST_MARKER.match(line)
    return f"{marker[1]} {line[marker.end() :]}" if marker else line


def clean_text(text: str) -> str:
    """Return `text` tidied for display and storage (see the module docstring for the guarantees)."""
    # splitlines() breaks at \r\n, \r, \v, \f, \x85, U+2028 and U+2029 as well as \n, so lines mean the
    # same thing everywhere (its other breaks, \x1c-\x1e, are control characters _decode has removed).
    text = "\n".join(map(_tidy_line, _decode(text).splitlines()))
    return _BLANK_LINES.sub("\n\n", text).strip()


def match_words(text: str) -> Words:
    """The tokens `match_tokens` gives, as columns: lowercased words, start offsets, end offsets."""
    parts = _WORD.split(text)  # gap, word, gap, word, …, gap (gaps may be empty)
    # Running lengths of those parts are alternately word starts and word ends; all of it runs in C.
    offsets = list(accumulate(map(len, parts)))
    return Words(list(map(str.lower, parts[1::2])), offsets[0:-1:2], offsets[1::2])


def match_tokens(text: str) -> list[Token]:
    """Split `text` into lowercased word tokens with their offsets, for keyword matching."""
    return list(map(Token, *match_words(text)))


TITLE_WORDS = 12  # an untitled item's title: this many of its first words
UNTITLED = "(untitled)"  # the title of an item with neither a title nor any text


def title_from_text(text: str, words: int = TITLE_WORDS) -> str:
    """A title for an untitled item: the first words of its first line, with "…" when cut."""
    first_line = next((line for line in text.split("\n") if line.strip()), "")
    tokens = first_line.split()
    if not tokens:
        return UNTITLED
    return " ".join(tokens[:words]) + ("…" if len(tokens) > words else "")
