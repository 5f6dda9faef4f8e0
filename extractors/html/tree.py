"""HTML helpers shared by extractors: decoding, lxml trees, boilerplate removal, block-aware text.

Trees are plain lxml trees that follow beautifulsoup4's reading of a page (its text, its string containers,
its tokenised class lists), so a page reads the same whichever of the two parses it. A parsed page is one
DOCUMENT element holding the whole page. CSS selectors are in extractors.html.css, the tree built from parser
events (for pages libxml2's own tree gets wrong) in extractors.html.events.
"""

from __future__ import annotations

import codecs
import functools
import re
from collections.abc import Iterator

from bs4.dammit import EncodingDetector
from lxml import etree

from extractors.html.events import stray_doctype, tree_from_events
from extractors.html.nodes import DOCUMENT, TEXT_HOLDER
from records import RawResponse

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
BOILERPLATE_ID = re.compile(r"^comments?$|^related", re.IGNORECASE)
SKIPPED_TAGS = frozenset({"script", "style", "template"})  # block_text leaves their content out
# Strings inside these are not ordinary text (beautifulsoup4's Script, Stylesheet, TemplateString, RubyTextString):
# text of an element leaves them out unless it is read from such an element.
STRING_CONTAINERS = frozenset({"script", "style", "template", "rt", "rp"})

_CLASS_OR_ID = etree.XPath("descendant::*[@class or @id]")
_CONTAINER = " or ".join(f"self::{t}" for t in sorted(STRING_CONTAINERS))
_ENCLOSING_CONTAINER = etree.XPath(f"name(ancestor-or-self::*[{_CONTAINER}][1])")
_LATER_ROOTS = etree.XPath("following-sibling::*")  # elements after the root element (text after </html>)


def declared_charset(raw: RawResponse) -> str | None:
    """The charset named in the Content-Type header, mapped as a browser would."""
    match = CHARSET_IN_HEADER.search(raw.headers.get("content-type", ""))
    if not match:
        return None
    name = match.group(1).lower()
    return CHARSET_ALIASES.get(name, name)


def tree_of(raw: RawResponse) -> etree._Element:
    """Parse a response decoded as a browser would (see decode_html)."""
    return tree_of_fragment(decode_html(raw))


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


def tree_of_fragment(fragment: str) -> etree._Element:
    """Parse HTML that is already text (a page, or feed content): a DOCUMENT element holding all of it."""
    if fragment[:1] == "\ufeff":
        fragment = fragment[1:]  # a leading BOM is not text (lxml bug 1948551 keeps it)
    # A fresh parser each time: the feed interface keeps state, and extraction runs in threads.
    parser = etree.HTMLParser(recover=True, collect_ids=False)  # ids are looked up by XPath, not by id()
    parser.feed(fragment)
    try:
        root = parser.close()
    except etree.XMLSyntaxError:
        root = None  # nothing but whitespace or comments, or worse: the event parse below tells which
    # libxml2 builds trees 256 levels deep at most and drops the rest (pages nest 20,000 deep), keeps no text
    # between two top-level elements, and lets a stray <!DOCTYPE> join the text around it. The parser's events
    # have none of these limits: in those (rare) cases the tree is built from them.
    if (root is None or any(e.level == etree.ErrorLevels.FATAL for e in parser.feed_error_log)
            or _LATER_ROOTS(root) or stray_doctype(fragment)):
        document = tree_from_events(fragment)
    else:
        document = etree.Element(DOCUMENT)
        document.append(root)  # top-level comments stay behind: they are never text
    return document



def first_tag(document: etree._Element, name: str) -> etree._Element | None:
    """The first element named `name` anywhere in the document (bs4's soup.body, soup.title)."""
    return next(document.iter(name), None)


def classes(element: etree._Element) -> list[str]:
    """The element's class tokens, as bs4 split them."""
    return element.get("class", "").split()


def only_string(element: etree._Element) -> str | None:
    """bs4's Tag.string: the text of an element whose one child is a string, or an element with one."""
    while True:
        children: list[etree._Element | str] = [element.text] if element.text else []
        for child in element:
            if child.tag != TEXT_HOLDER:
                children.append(child)
            if child.tail:
                children.append(child.tail)
        if len(children) != 1:
            return None
        child = children[0]
        if isinstance(child, str):
            return child
        if child.tag is etree.Comment:
            return child.text or ""
        if child.tag is etree.ProcessingInstruction:
            return f"{child.target} {child.text or ''}"
        element = child


def strip_boilerplate(element: etree._Element) -> etree._Element:
    """Remove scripts, navigation, share buttons, related posts and comments in place."""
    for tag in list(element.iterdescendants(*NON_CONTENT_TAGS)):
        remove(tag)
    # Classes first, then ids among what is left: an element found here inside one removed by class is
    # already out of the tree, and removing it again changes nothing.
    marked = _CLASS_OR_ID(element)
    for tag in marked:
        value = tag.get("class")
        if value is not None and _boilerplate_class(value):
            remove(tag)
    for tag in marked:
        value = tag.get("id")
        if value is not None and BOILERPLATE_ID.search(value):
            remove(tag)
    return element


@functools.lru_cache(maxsize=4096)
def _boilerplate_class(value: str) -> bool:
    """True for a class attribute that marks boilerplate; cached, since templates repeat the same few values."""
    return BOILERPLATE_CLASS.search(value) is not None


def remove(element: etree._Element) -> None:
    """Take an element and its content out of the tree (bs4's decompose); the text after it stays.

    The element stays as an empty TEXT_HOLDER: lxml would drop its tail along with it, moving the tail onto
    the text before would join two strings that bs4 kept apart (text_of() joins strings with a space), and
    lxml refuses to set text holding control characters from Python. Elements that were inside it are left
    whole but detached (bs4 emptied them): see in_tree().
    """
    del element[:]
    element.text = None
    element.attrib.clear()
    element.tag = TEXT_HOLDER


def in_tree(element: etree._Element) -> bool:
    """False for an element found before remove() took out one around it (bs4 left such an element empty)."""
    ancestors = list(element.iterancestors())
    return (ancestors[-1] if ancestors else element).tag == DOCUMENT


def block_text(element: etree._Element) -> str:
    """Readable text: block elements become line breaks, inline tags join without extra spaces."""
    parts: list[str] = []
    _collect(element, parts)
    # Blank lines (most of them: the newlines between blocks) are dropped before normalising the rest.
    return "\n".join(" ".join(line.split()) for line in "".join(parts).split("\n") if line and not line.isspace())


def _collect(node: etree._Element, parts: list[str]) -> None:
    """Walk the tree depth-first, emitting text and newlines; iterwalk keeps its own stack (no recursion: pages
    nest tags 20,000 deep) and walks in C, which is faster than a stack of our own."""
    if node.text:
        parts.append(node.text)
    walker = etree.iterwalk(node, events=("start", "end", "comment", "pi"))
    next(walker)  # the node itself: its text is in, its tail is not its own
    for event, element in walker:
        if event == "start":
            if element.tag in SKIPPED_TAGS:
                walker.skip_subtree()  # its "end" still comes, with the tail
                continue
            if element.tag in BLOCK_TAGS:
                parts.append("\n")
            if element.text:
                parts.append(element.text)
            continue
        if event == "end":
            if element is node:
                break
            if element.tag in BLOCK_TAGS:
                parts.append("\n")
        # The text after an element's end, or after a comment or processing instruction (no text of their own).
        if element.tail:
            parts.append(element.tail)


def text_of(element: etree._Element | None) -> str:
    """Single-line text of an element, or '' when missing."""
    if element is None:
        return ""
    return " ".join(" ".join(_strings(element)).split())


def _strings(element: etree._Element) -> Iterator[str]:
    """The strings bs4's get_text() joined: comments and script, style, template and ruby text left out."""
    if next(element.iter(*STRING_CONTAINERS), None) is None and next(
            element.iterancestors(*STRING_CONTAINERS), None) is None:
        return element.itertext()  # the common case: every string counts, and lxml finds them in C
    return _container_strings(element)


def _container_strings(element: etree._Element) -> Iterator[str]:
    """get_text() near string containers: only strings whose innermost container is the element's own kind."""
    wanted = element.tag if element.tag in STRING_CONTAINERS else ""
    kind = _ENCLOSING_CONTAINER(element)
    if element.text and kind == wanted:
        yield element.text
    # Each entry: a node with the innermost container around it, or a tail to yield once the node's subtree is done.
    stack: list[tuple[etree._Element, str] | str] = [(child, kind) for child in reversed(element)]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
            continue
        child, outer = item
        if child.tail and outer == wanted:
            stack.append(child.tail)
        if not isinstance(child.tag, str):
            continue  # a comment or processing instruction: never text
        inner = child.tag if child.tag in STRING_CONTAINERS else outer
        if child.text and inner == wanted:
            yield child.text
        stack.extend((grandchild, inner) for grandchild in reversed(child))
