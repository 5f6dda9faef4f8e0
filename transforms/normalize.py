"""Clean extracted text for display and storage, and split it into tokens for keyword matching.

`clean_text` is idempotent: `clean_text(clean_text(x)) == clean_text(x)` for every string, so stored text can
be re-cleaned safely whenever the rules below change.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import NamedTuple

# Only well-formed, semicolon-terminated entities: html.unescape alone also decodes legacy forms without
# the semicolon, which turns query strings quoted in blog text ("?a=1&para=2") into "?a=1¶=2".
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

# Soft hyphen, zero-width space/joiners, word joiner, BOM, and control characters other than whitespace.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200d\u2060\ufeff\x00-\x08\x0e-\x1f\x7f\x80-\x84\x86-\x9f]")

# Everything str.splitlines() treats as a line break becomes "\n", so lines mean the same thing everywhere.
_LINE_BREAK = re.compile("\r\n|[\r\v\f\x85\u2028\u2029]")

# Any whitespace except the newline: tabs, nbsp (U+00A0), thin/hair/figure spaces, ideographic space, etc.
_INLINE_SPACE = re.compile(r"[^\S\n]+")

_BLANK_LINES = re.compile(r"\n{3,}")

# A list marker glued to the word after it at the start of a line: "1)Work", "a)Identify", "(ii)Note",
# "1.that", "2.1.Scope", "•Item". Letter markers only with ")" so "e.g.this" and "i.e.that" are left
# alone; the lookahead wants a letter, so decimals like "1.5" never match.
_LIST_MARKER = re.compile(
    r"^(\(?(?:\d{1,3}(?:\.\d{1,3})*[.)]|(?:[a-zA-Z]|[ivxlcIVXLC]{1,6})\))|[•◦▪‣])(?=[^\W\d_])",
    re.MULTILINE,
)

# Letters and digits make words; everything else (hyphens, dashes, straight and curly quotes, slashes,
# punctuation, whitespace, line breaks) separates them, so "back-office", ‘back office’ and "back\noffice"
# all give the same tokens.
_WORD = re.compile(r"[^\W_]+")


class Token(NamedTuple):
    """A lowercased word and its [start, end) character offsets in the text it came from."""

    text: str
    start: int
    end: int


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


def clean_text(text: str) -> str:
    """Return `text` tidied for display and storage (see the module docstring for the guarantees)."""
    text = _LINE_BREAK.sub("\n", _decode(text))
    lines = (_INLINE_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    text = _LIST_MARKER.sub(r"\1 ", "\n".join(lines))
    return _BLANK_LINES.sub("\n\n", text).strip()


def match_tokens(text: str) -> list[Token]:
    """Split `text` into lowercased word tokens with their offsets, for keyword matching."""
    return [Token(m.group(0).lower(), m.start(), m.end()) for m in _WORD.finditer(text)]
