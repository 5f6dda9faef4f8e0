"""HTML helpers shared by extractors: decoding, boilerplate removal, block-aware text."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

from extractors.records import RawResponse

# Browsers read these labels as Windows-1252 (WHATWG Encoding), so curly quotes and £ survive.
CHARSET_ALIASES = {"iso-8859-1": "windows-1252", "latin-1": "windows-1252", "latin1": "windows-1252",
                   "us-ascii": "windows-1252", "ascii": "windows-1252"}
CHARSET_IN_HEADER = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "ol", "p", "pre",
    "section", "table", "tbody", "td", "th", "thead", "tr", "ul",
})
# Never part of the text a person reads as the article.
NON_CONTENT_TAGS = ("script", "style", "noscript", "template", "iframe", "form", "button", "svg", "nav", "aside")
BOILERPLATE_CLASS = re.compile(r"(^|[\s_-])(share|sharing|social|related|comments?|cookie|breadcrumbs?|"
                               r"sidebar|widget|post-footer|jump-link|sharedaddy)([\s_-]|$)", re.IGNORECASE)
SKIPPED_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)


def declared_charset(raw: RawResponse) -> str | None:
    """The charset named in the Content-Type header, mapped as a browser would."""
    match = CHARSET_IN_HEADER.search(raw.headers.get("content-type", ""))
    if not match:
        return None
    name = match.group(1).lower()
    return CHARSET_ALIASES.get(name, name)


def soup_of(raw: RawResponse) -> BeautifulSoup:
    """Parse a response: header charset first, then <meta charset>, then detection."""
    return soup_of_bytes(raw.body, declared_charset(raw))


def soup_of_bytes(body: bytes, charset: str | None = None) -> BeautifulSoup:
    """Parse HTML bytes with an optional known charset."""
    soup = BeautifulSoup(body, "lxml", from_encoding=charset)
    if soup.original_encoding in CHARSET_ALIASES:
        # bs4 honoured a <meta> latin-1 label literally; browsers decode those bytes as cp1252.
        soup = BeautifulSoup(body, "lxml", from_encoding="windows-1252")
    return soup


def soup_of_fragment(fragment: str) -> BeautifulSoup:
    """Parse an HTML fragment that is already text (e.g. feed content)."""
    return BeautifulSoup(fragment, "lxml")


def strip_boilerplate(element: Tag) -> Tag:
    """Remove scripts, navigation, share buttons, related posts and comments in place."""
    for tag in element.find_all(NON_CONTENT_TAGS):
        tag.decompose()
    for tag in element.find_all(class_=BOILERPLATE_CLASS):
        if not tag.decomposed:
            tag.decompose()
    for tag in element.find_all(id=re.compile(r"^comments?$|^related", re.IGNORECASE)):
        if not tag.decomposed:
            tag.decompose()
    return element


def block_text(element: Tag) -> str:
    """Readable text: block elements become line breaks, inline tags join without extra spaces."""
    parts: list[str] = []
    _collect(element, parts)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _collect(node: Tag, parts: list[str]) -> None:
    """Walk the tree depth-first, emitting text and newlines."""
    for child in node.children:
        if isinstance(child, NavigableString):
            if not isinstance(child, SKIPPED_STRINGS):
                parts.append(str(child))
        elif isinstance(child, Tag):
            if child.name in ("script", "style", "template"):
                continue
            block = child.name in BLOCK_TAGS
            if block:
                parts.append("\n")
            _collect(child, parts)
            if block:
                parts.append("\n")


def text_of(element: Tag | None) -> str:
    """Single-line text of an element, or '' when missing."""
    return " ".join(element.get_text(" ").split()) if element is not None else ""
