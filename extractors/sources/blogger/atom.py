"""A Blogger Atom feed page read with lxml, giving what `feedparser.parse` gives for the fields the extractor reads.

feedparser (pure Python over SAX) took most of the time of parsing a Blogger feed page. A plain Atom 1.0 page,
as Blogger serves it, is read here in C with the same results: every value is feedparser's for the same page
(entry ids, titles, contents, dates, author names, links, labels; whitespace stripped, rel and type values
lower-cased). Anything this reader does not mirror exactly (other feed formats, another encoding, relative
links under a base, XHTML content, several authors, text feedparser may re-decode, a DOCTYPE, a malformed
document) returns None, and the caller uses feedparser.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from records import RawResponse

ATOM = "{http://www.w3.org/2005/Atom}"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
MEDIA_TYPES = ("application/atom+xml", "application/xml")
TEXT_TYPES = ("text", "html")  # XHTML titles and contents hold markup feedparser rewrites: left to it
SLASHES_AFTER_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+\-.]*:///")  # feedparser drops the extra slashes
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
Entry = dict[str, Any]


def atom_page(raw: RawResponse) -> tuple[list[dict[str, str]], list[Entry]] | None:
    """The feed-level links and the entries of a plain Atom page, shaped as feedparser's, or None."""
    if not _plain_utf8_atom(raw.headers):
        return None
    try:
        root = etree.fromstring(raw.body, PARSER)
    except etree.XMLSyntaxError:
        return None
    docinfo = root.getroottree().docinfo
    if (root.tag != f"{ATOM}feed" or docinfo.doctype or (docinfo.encoding or "UTF-8").upper() != "UTF-8"
            or root.xpath("boolean(//@xml:base)")):
        return None
    try:
        links = _links(root)
        entries = [_entry(element) for element in root.iterchildren(f"{ATOM}entry")]
    except NotPlain:
        return None
    if links is None or any(entry is None for entry in entries):
        return None
    return links, entries


def _plain_utf8_atom(headers: dict[str, str]) -> bool:
    """Whether the response is an Atom or XML media type in UTF-8 with no Content-Location (a base for links)."""
    if "content-location" in headers:
        return False
    media_type, *parameters = [part.strip().lower() for part in headers.get("content-type", "").split(";")]
    charsets = [value for name, _, value in (p.partition("=") for p in parameters) if name.strip() == "charset"]
    return media_type in MEDIA_TYPES and all(value.strip('"') in ("utf-8", "utf8") for value in charsets)


def _entry(element: etree._Element) -> Entry | None:
    """One entry as feedparser's dictionary (the keys the extractor reads), or None when it is not plain."""
    if (element.find(f"{ATOM}source") is not None or len(element.findall(f"{ATOM}summary")) > 1
            or len(element.findall(f"{ATOM}author")) != 1):
        return None
    links = _links(element)
    name = element.find(f"{ATOM}author/{ATOM}name")
    if links is None or name is None or len(name) or not (name.text or "").strip():
        return None
    entry: Entry = {"links": links, "author_detail": {"name": (name.text or "").strip()},
                    "tags": [{"term": _attribute(category, "term")} for category in element.iterchildren(
                        f"{ATOM}category")]}
    for key in ("id", "published", "updated"):
        child = element.find(f"{ATOM}{key}")
        if child is not None:
            if len(child):
                return None
            entry[key] = _text(child)
    for key in ("title", "content"):
        child = element.find(f"{ATOM}{key}")
        if child is None:
            continue
        if len(child) or child.get("type", "text").lower() not in TEXT_TYPES or child.get("src") is not None:
            return None
        entry[key] = _text(child) if key == "title" else [{"value": _text(child)}]
    return entry


def _links(element: etree._Element) -> list[dict[str, str]] | None:
    """The element's own links with feedparser's defaults (rel alternate; type text/html, or Atom for self)."""
    links = []
    for link in element.iterchildren(f"{ATOM}link"):
        href = _attribute(link, "href")
        if link.get("url") is not None or link.get("uri") is not None or (href and SLASHES_AFTER_SCHEME.match(href)):
            return None
        rel = (_attribute(link, "rel") or "").lower() if link.get("rel") is not None else "alternate"
        media_type = link.get("type")
        found = {"rel": rel, "type": (_attribute(link, "type") or "").lower() if media_type is not None else (
            "application/atom+xml" if rel == "self" else "text/html")}
        if href is not None:
            found["href"] = href
        links.append(found)
    return links


def _attribute(element: etree._Element, name: str) -> str | None:
    """An attribute's value."""
    return element.get(name)


def _text(element: etree._Element) -> str:
    """An element's text as feedparser returns it: stripped. NotPlain when feedparser might "repair" it (it
    re-decodes text that reads as UTF-8 taken for Latin-1, depending on how it named the page's encoding)."""
    text = (element.text or "").strip()
    try:
        repaired = text.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text
    if repaired != text:
        raise NotPlain
    return text


class NotPlain(Exception):
    """The page holds something this reader does not give exactly as feedparser would."""
