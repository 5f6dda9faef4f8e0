"""HTML helpers shared by extractors: decoding, boilerplate removal, block-aware text."""

from __future__ import annotations

import codecs
import re

from bs4 import BeautifulSoup, NavigableString, PageElement, Tag
from bs4.dammit import EncodingDetector
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

from extractors.records import RawResponse

# Browsers read these labels as Windows-1252 (WHATWG Encoding), so curly quotes and £ survive.
CHARSET_ALIASES = {"iso-8859-1": "windows-1252", "latin-1": "windows-1252", "latin1": "windows-1252",
                   "us-ascii": "windows-1252", "ascii": "windows-1252"}
BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# Undeclared and not UTF-8: the Windows code page UK pages were written in (detection guesses cp1250 for £).
FALLBACK_ENCODING = "windows-1252"
CHARSET_IN_HEADER = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "ol", "p", "pre",
    "section", "table", "tbody", "td", "th", "thead", "tr", "ul",
})
# Never part of the text a person reads as the article.
NON_CONTENT_TAGS = ("script", "style", "noscript", "template", "iframe", "form", "button", "svg", "nav", "aside")
BOILERPLATE_CLASS = re.compile(r"(^|[\s_-])(share|sharing|social|related|relatedposts|comments?|cookie|"
                               r"breadcrumbs?|sidebar|widget|post-footer|jump-link|sharedaddy)([\s_-]|$)",
                               re.IGNORECASE)
SKIPPED_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)


def declared_charset(raw: RawResponse) -> str | None:
    """The charset named in the Content-Type header, mapped as a browser would."""
    match = CHARSET_IN_HEADER.search(raw.headers.get("content-type", ""))
    if not match:
        return None
    name = match.group(1).lower()
    return CHARSET_ALIASES.get(name, name)


def soup_of(raw: RawResponse) -> BeautifulSoup:
    """Parse a response decoded as a browser would (see decode_html)."""
    return BeautifulSoup(decode_html(raw), "lxml")


def decode_html(raw: RawResponse) -> str:
    """The page as text: byte-order mark, then the HTTP charset, then <meta charset>, then UTF-8 or the fallback."""
    body = raw.body
    for bom, encoding in BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(encoding, errors="replace")
    for declared in (declared_charset(raw), EncodingDetector.find_declared_encoding(body, is_html=True)):
        encoding = _known_encoding(declared)
        if encoding:
            return body.decode(encoding, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode(FALLBACK_ENCODING, errors="replace")


def _known_encoding(label: str | None) -> str | None:
    """A declared charset as a browser reads it (latin-1 means windows-1252), or None when Python lacks it."""
    if not label:
        return None
    label = CHARSET_ALIASES.get(label.strip().lower(), label.strip().lower())
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


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
    """Walk the tree depth-first, emitting text and newlines; a stack, not recursion: pages nest tags 20,000 deep."""
    stack: list[PageElement | None] = list(reversed(node.contents))  # None: the end of a block element
    while stack:
        child = stack.pop()
        if child is None:
            parts.append("\n")
        elif isinstance(child, NavigableString):
            if not isinstance(child, SKIPPED_STRINGS):
                parts.append(str(child))
        elif isinstance(child, Tag) and child.name not in ("script", "style", "template"):
            if child.name in BLOCK_TAGS:
                parts.append("\n")
                stack.append(None)
            stack.extend(reversed(child.contents))


def text_of(element: Tag | None) -> str:
    """Single-line text of an element, or '' when missing."""
    return " ".join(element.get_text(" ").split()) if element is not None else ""
