"""HTML helpers shared by extractors: decoding, lxml trees, CSS selectors, boilerplate removal, block-aware text.

Pages used to be read with BeautifulSoup on lxml; these helpers build plain lxml trees instead (several times
faster) and keep every rule bs4 and soupsieve applied, so documents come out exactly as before. A parsed page is
one DOCUMENT element holding the whole page, as a BeautifulSoup object did.
"""

from __future__ import annotations

import codecs
import collections
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from bs4.dammit import EncodingDetector
from lxml import etree

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
BOILERPLATE_ID = re.compile(r"^comments?$|^related", re.IGNORECASE)
SKIPPED_TAGS = frozenset({"script", "style", "template"})  # block_text leaves their content out

# Two elements of our own; the HTML parser lowercases tag names, so no page can hold one. DOCUMENT holds a
# whole parsed page or fragment, as a BeautifulSoup object did. TEXT_HOLDER is empty and only carries the text
# after it (its tail): what remove() leaves of an element, and how the event parse stores text lxml takes only
# from its parser. Nothing matches or reads a TEXT_HOLDER but its tail.
DOCUMENT = "DOCUMENT"
TEXT_HOLDER = "TEXT"
# Strings inside these are not ordinary text to bs4 (Script, Stylesheet, TemplateString, RubyTextString...):
# get_text() leaves them out unless it is called on such an element.
STRING_CONTAINERS = frozenset({"script", "style", "template", "rt", "rp"})
# bs4 splits these attributes into lists of tokens, and soupsieve matches the joined tokens (bs4's
# HTMLTreeBuilder.DEFAULT_CDATA_LIST_ATTRIBUTES); "*" is every element.
LIST_ATTRIBUTES = {"*": {"class", "accesskey", "dropzone"}, "a": {"rel", "rev"}, "link": {"rel", "rev"},
                   "td": {"headers"}, "th": {"headers"}, "form": {"accept-charset"}, "object": {"archive"},
                   "area": {"rel"}, "icon": {"sizes"}, "iframe": {"sandbox"}, "output": {"for"}}
HTML_SPACES = " \t\n\r\x0c"  # what the HTML tokenizer skips (Python's strip() skips more)
DOCTYPE = re.compile(r"<!(?i:doctype)")  # the literal "<!" first lets the regex engine skip ahead

_CLASS_OR_ID = etree.XPath("descendant::*[@class or @id]")
_CONTAINER = " or ".join(f"self::{t}" for t in sorted(STRING_CONTAINERS))
_ENCLOSING_CONTAINER = etree.XPath(f"name(ancestor-or-self::*[{_CONTAINER}][1])")
_TEMPLATES_AROUND = etree.XPath("count(ancestor-or-self::template)")
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
        fragment = fragment[1:]  # bs4 dropped it too (lxml bug 1948551)
    # A fresh parser each time: the feed interface keeps state, and extraction runs in threads.
    parser = etree.HTMLParser(recover=True, collect_ids=False)  # ids are looked up by XPath, not by id()
    parser.feed(fragment)
    try:
        root = parser.close()
    except etree.XMLSyntaxError:
        root = None  # nothing but whitespace or comments, or worse: the event parse below tells which
    # libxml2 builds trees 256 levels deep at most and drops the rest (pages nest 20,000 deep), keeps no text
    # between two top-level elements, and lets a stray <!DOCTYPE> join the text around it. bs4 saw the parser's
    # events, which have none of these limits; build from the events too in those (rare) cases.
    if (root is None or any(e.level == etree.ErrorLevels.FATAL for e in parser.feed_error_log)
            or _LATER_ROOTS(root) or _stray_doctype(fragment)):
        document = _tree_from_events(fragment)
    else:
        document = etree.Element(DOCUMENT)
        document.append(root)  # top-level comments stay behind: they are never text
    return document


def _stray_doctype(text: str) -> bool:
    """True when <!DOCTYPE> appears anywhere but at the start (bs4 kept it as a node that splits strings)."""
    first = DOCTYPE.search(text)
    return first is not None and (bool(text[:first.start()].strip(HTML_SPACES))
                                  or DOCTYPE.search(text, first.end()) is not None)


class _EventTree:
    """Parser target building the tree from the parser's events as bs4 did: no depth limit, nothing dropped.

    lxml takes no text or attribute value holding control characters from Python (HTML allows them, and its
    parser stores them): such a piece is parsed from a small snippet instead (see _holder, _parsed_element).
    """

    def __init__(self) -> None:
        self.open = [etree.Element(DOCUMENT)]  # the document, then each element still open, innermost last
        self.open_names: collections.Counter[str] = collections.Counter()  # so an end tag needs no search
        self.run: list[str] = []  # the text read since the last tag or comment (bs4's current_data)

    def start(self, tag: str, attrib: dict[str, str | None], nsmap: object = None) -> None:
        """An element opens."""
        self._end_text()
        attributes = {name: value or "" for name, value in attrib.items() if _valid_name(name)}
        name = _element_name(tag)
        try:
            element = etree.SubElement(self.open[-1], name, attributes)
        except ValueError:
            element = _parsed_element(name, attributes)
            self.open[-1].append(element)
        self.open.append(element)
        self.open_names[name] += 1

    def end(self, tag: str) -> None:
        """An element closes, and any left open inside it; an end tag for nothing open is ignored (as in bs4)."""
        self._end_text()
        name = _element_name(tag)
        if self.open_names[name]:
            while True:
                closed = self.open.pop().tag
                self.open_names[closed] -= 1
                if closed == name:
                    break

    def data(self, data: str) -> None:
        """Text."""
        self.run.append(data)

    def comment(self, text: str) -> None:
        """A comment."""
        self._end_text()
        try:
            node = etree.Comment(text)
        except ValueError:
            node = _parsed_comment(text)
        self.open[-1].append(node)

    def pi(self, target: str, data: str | None = None) -> None:
        """A processing instruction (libxml2 reads HTML's as comments; kept for completeness)."""
        self._end_text()
        try:
            node = etree.ProcessingInstruction(target, data)
        except ValueError:
            node = _parsed_comment(f"?{target} {data or ''}?")
        self.open[-1].append(node)

    def doctype(self, name: str | None, pubid: str | None, system: str | None) -> None:
        """A doctype: bs4 kept it as a node, so text on either side stays two strings (a comment does that)."""
        self._end_text()
        self.open[-1].append(etree.Comment("doctype"))

    def close(self) -> etree._Element:
        """The DOCUMENT element."""
        self._end_text()
        return self.open[0]

    def _end_text(self) -> None:
        """Store the text run where it was read: the open element's text, or the tail of its last child."""
        if not self.run:
            return
        text, self.run = "".join(self.run), []
        parent = self.open[-1]
        last = parent[-1] if len(parent) else None
        if (parent.text if last is None else last.tail) is None:  # a stray end tag can end a run with no node
            try:
                if last is None:
                    parent.text = text
                else:
                    last.tail = text
                return
            except ValueError:
                pass
        parent.append(_holder(text))


def _element_name(tag: str) -> str:
    """The tag as lxml can store it (no rule can match a name lxml refuses, so any neutral one will do)."""
    return tag if _valid_name(tag) else "UNNAMED"


@functools.lru_cache(maxsize=1024)
def _valid_name(name: str) -> bool:
    """True when lxml accepts `name` for an element and an attribute (the HTML parser itself accepts more)."""
    try:
        etree.Element(name).set(name, "")
    except ValueError:
        return False
    return True


def _holder(text: str) -> etree._Element:
    """A TEXT_HOLDER element whose tail is `text`, made by the parser, which stores any character."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace("\r", "&#13;")
    holder = _snippet(f"<div><br>{escaped}</div>").find(".//br")
    if holder is None or holder.tail != text:
        raise ValueError(f"text the HTML parser does not read back: {text[:40]!r}")
    holder.tag = TEXT_HOLDER
    return holder


def _parsed_element(name: str, attributes: dict[str, str]) -> etree._Element:
    """An element with these attributes, made by the parser, which stores any character."""
    markup = "".join(f' {key}="{_escape_attribute(value)}"' for key, value in attributes.items())
    element = _snippet(f"<div{markup}></div>").find(".//div")
    if element is None or dict(element.attrib) != attributes:
        raise ValueError(f"attributes the HTML parser does not read back: {markup[:60]!r}")
    element.tag = name
    return element


def _escape_attribute(value: str) -> str:
    """An attribute value written for a double-quoted HTML attribute that parses back to the same value."""
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("\r", "&#13;")


def _parsed_comment(text: str) -> etree._Element:
    """A comment holding `text`, made by the parser; an empty one if the text cannot be written as a comment."""
    comment = _snippet(f"<div><!--{text}--></div>").find(".//div")[0]
    return comment if comment.text == text else etree.Comment()


def _snippet(markup: str) -> etree._Element:
    """A small piece of HTML parsed by libxml2 (the root element)."""
    return etree.fromstring(markup, etree.HTMLParser(recover=True))


def _tree_from_events(text: str) -> etree._Element:
    """The tree bs4 would have built, from the same parser's events (slower: only for unusual pages)."""
    parser = etree.HTMLParser(target=_EventTree(), recover=True)
    parser.feed(text)
    return parser.close()


class Selector:
    """A CSS selector that matches what soupsieve matched on bs4's trees; compiled once.

    Only the subset extractors use: type, .class, #id, [attr], [attr=v], [attr^=v], [attr~=v], descendant
    combinators and groups. soupsieve's rules kept: matches are descendants of the scope (never the scope
    itself) in document order; class and rel are whitespace-separated tokens as bs4 split them (str.split(),
    which knows more whitespace than XPath); the contents of a <template> are not searched (unless the scope is
    inside it), and an ancestor test stops at one. An XPath expression finds candidates cheaply (substrings for
    tokens), then the exact test runs in Python on those few.
    """

    def __init__(self, css: str) -> None:
        self.css = css
        self.selectors = [tuple(_compound(part) for part in selector.split()) for selector in css.split(",")]
        # One location step per element name (libxml2 tests a name in the step far faster than self::x in a
        # predicate); selectors of the group that share a name share the step.
        by_tag: dict[str, list[tuple[_Compound, ...]]] = {}
        for selector in self.selectors:
            by_tag.setdefault(selector[-1].tag or "*", []).append(selector)
        steps, exact = [], True
        for tag, selectors in by_tag.items():
            if any(len(selector) == 1 and _compound_xpath(selector[0]) == "" for selector in selectors):
                steps.append(f"descendant::{tag}")  # a bare name (the h1 of "article h1, h1") matches them all
                continue
            # Selectors of nothing but classes share one look at @class (XPath re-reads it for every test).
            by_class = [selector[0] for selector in selectors if len(selector) == 1 and selector[0].only_classes]
            tests = [_candidate_xpath(selector) for selector in selectors
                     if not (len(selector) == 1 and selector[0].only_classes)]
            if by_class:
                tests.append("@class[" + " or ".join(f"({_class_xpath(compound, '.')})" for compound in by_class) + "]")
            steps.append(f"descendant::{tag}[" + " or ".join(f"({test})" for test in tests) + "]")
            # Names, ids and plain attributes are tested exactly by XPath; tokens and ancestors are not.
            exact = exact and all(len(selector) == 1 and selector[0].exact for selector in selectors)
        # $t: templates around the scope; a match with more has a <template> between it and the scope.
        found = (steps[0] if len(steps) == 1 else "(" + " | ".join(steps) + ")") + "[count(ancestor::template) = $t]"
        self._candidates = etree.XPath(found)
        self._first = etree.XPath(found + "[1]") if exact else None
        # The exact test in Python: selectors of one class each are one set operation, the rest one by one.
        self._any_class = frozenset(_lone_class(selector) for selector in self.selectors) - {None}
        self._others = [selector for selector in self.selectors if _lone_class(selector) is None]

    def first(self, scope: etree._Element) -> etree._Element | None:
        """The first match in document order (soupsieve's select_one), or None."""
        if self._first is not None:
            found = self._first(scope, t=_TEMPLATES_AROUND(scope))
            return found[0] if found else None
        return next((element for element in self._candidates(scope, t=_TEMPLATES_AROUND(scope))
                     if self._matches(element)), None)

    def all(self, scope: etree._Element) -> list[etree._Element]:
        """Every match in document order (soupsieve's select)."""
        candidates = self._candidates(scope, t=_TEMPLATES_AROUND(scope))
        return candidates if self._first is not None else [element for element in candidates if self._matches(element)]

    def _matches(self, element: etree._Element) -> bool:
        """True when a candidate matches one selector of the group exactly."""
        tokens = _class_tokens(element)
        return not self._any_class.isdisjoint(tokens) or any(
            selector[-1].matches(element, tokens) and _has_ancestors(element, selector[:-1])
            for selector in self._others)


def _lone_class(selector: tuple[_Compound, ...]) -> str | None:
    """The class of a selector that is one class and nothing else (`.entry-content`), else None."""
    if len(selector) == 1 and selector[0].only_classes and len(selector[0].classes) == 1:
        return next(iter(selector[0].classes))
    return None


@dataclass(frozen=True)
class _Compound:
    """One compound selector, such as `a.next.page-numbers[href]`."""

    tag: str | None
    classes: frozenset[str]
    id: str | None
    attributes: tuple[tuple[str, str | None, str, bool], ...]  # name, operator, value, is a token list

    @property
    def exact(self) -> bool:
        """True when the candidate XPath decides this compound exactly."""
        return not self.classes and not any(listed for *_, listed in self.attributes)

    @property
    def only_classes(self) -> bool:
        """True for a compound such as `.entry-title` or `.post.hentry`."""
        return bool(self.classes) and self.tag is None and self.id is None and not self.attributes

    def matches(self, element: etree._Element, tokens: frozenset[str]) -> bool:
        """soupsieve's test of one element, whose class tokens are `tokens`, against this compound."""
        if self.tag is not None and element.tag != self.tag:
            return False
        if not self.classes <= tokens:
            return False
        if self.id is not None and element.get("id") != self.id:
            return False
        for name, op, expected, listed in self.attributes:
            value = element.get(name)
            if value is None:
                return False
            if listed:
                value = " ".join(value.split())  # soupsieve matched bs4's tokens joined by single spaces
            if (op == "=" and value != expected or op == "^=" and not value.startswith(expected)
                    or op == "~=" and expected not in value.split()):
                return False
        return True


_COMPOUND = re.compile(r"(?P<type>[a-z][a-z0-9]*)?(?P<rest>(?:\.[\w-]+|#[\w-]+|\[[^\]]+\])*)")
_SIMPLE = re.compile(r"\.(?P<cls>[\w-]+)|#(?P<id>[\w-]+)|"
                     r"\[(?P<attr>[\w-]+)(?:(?P<op>[~^]?=)(?:'(?P<quoted>[^']*)'|(?P<value>[\w-]+)))?\]")


def _compound(css: str) -> _Compound:
    """Parse one compound selector; anything outside the supported subset is an error."""
    match = _COMPOUND.fullmatch(css)
    simples = list(_SIMPLE.finditer(match["rest"])) if match else []
    if not match or not css or "".join(simple[0] for simple in simples) != match["rest"]:
        raise ValueError(f"unsupported selector: {css!r}")
    tag = match["type"]
    if tag == "template":
        raise ValueError(f"unsupported selector: {css!r}")  # soupsieve treats templates apart
    attributes = []
    for simple in simples:
        if simple["attr"]:
            name, op = simple["attr"], simple["op"]
            listed = name in LIST_ATTRIBUTES["*"] or name in LIST_ATTRIBUTES.get(tag or "", ())
            if tag is None and not listed and any(name in names for names in LIST_ATTRIBUTES.values()):
                raise ValueError(f"[{name}] is a token list on some elements only: name the element in {css!r}")
            if op == "^=" and listed or op == "~=" and not listed:
                raise ValueError(f"unsupported attribute selector in {css!r}")
            attributes.append((name, op, simple["quoted"] or simple["value"] or "", listed))
    return _Compound(tag, frozenset(s["cls"] for s in simples if s["cls"]),
                     next((s["id"] for s in simples if s["id"]), None), tuple(attributes))


def _candidate_xpath(selector: tuple[_Compound, ...]) -> str:
    """An XPath predicate every match of the selector passes (and, for exact compounds, only they)."""
    *ancestors, last = selector
    test = ""
    for compound in ancestors:
        predicate = " and ".join(filter(None, (_compound_xpath(compound), test)))
        test = f"ancestor::{compound.tag or '*'}" + (f"[{predicate}]" if predicate else "")
    return " and ".join(filter(None, (_compound_xpath(last), test)))


def _class_xpath(compound: _Compound, value: str) -> str:
    """Every class of the compound as a substring of `value` (@class, or . inside @class[...])."""
    return " and ".join(f"contains({value}, '{name}')" for name in sorted(compound.classes))


def _compound_xpath(compound: _Compound) -> str:
    """XPath tests for a compound's classes, id and attributes; tokens as substrings (a superset)."""
    tests = [f"@class[{_class_xpath(compound, '.')}]"] if compound.classes else []
    tests += [f"@id = '{compound.id}'"] if compound.id is not None else []
    for name, op, value, listed in compound.attributes:
        if op is None:
            tests.append(f"@{name}")
        elif listed:
            tests.append(f"contains(@{name}, '{value}')")
        elif op == "=":
            tests.append(f"@{name} = '{value}'")
        else:
            tests.append(f"starts-with(@{name}, '{value}')")
    return " and ".join(tests)


def _has_ancestors(element: etree._Element, compounds: tuple[_Compound, ...]) -> bool:
    """True when ancestors match `compounds` (outermost last), as soupsieve's descendant combinator walked."""
    if not compounds:
        return True
    for ancestor in element.iterancestors():
        if ancestor.tag in ("template", DOCUMENT):
            return False  # soupsieve's walk up stops at a <template> and at the document
        if compounds[-1].matches(ancestor, _class_tokens(ancestor)) and _has_ancestors(ancestor, compounds[:-1]):
            return True
    return False


def _class_tokens(element: etree._Element) -> frozenset[str]:
    """The element's class tokens as bs4 split them (str.split() knows more whitespace than XPath)."""
    value = element.get("class")
    return frozenset(value.split()) if value else frozenset()


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
    # bs4 looked for classes, then for ids among what was left: an element found here inside one removed by
    # class is already out of the tree, and removing it again changes nothing.
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
