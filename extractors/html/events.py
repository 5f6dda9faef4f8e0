"""Tree building from the HTML parser's events: no depth limit, nothing dropped.

libxml2's own tree (extractors.html.tree.tree_of_fragment) is faster and right for almost every page; this is for
the few it gets wrong: nesting deeper than 256 levels, text between top-level elements, a stray <!DOCTYPE>.
"""

from __future__ import annotations

import collections
import functools
import re

from lxml import etree

from extractors.html.nodes import DOCUMENT, TEXT_HOLDER

HTML_SPACES = " \t\n\r\x0c"  # what the HTML tokenizer skips (Python's strip() skips more)
DOCTYPE = re.compile(r"<!(?i:doctype)")  # the literal "<!" first lets the regex engine skip ahead


def tree_from_events(text: str) -> etree._Element:
    """The tree bs4 would have built, from the same parser's events (slower: only for unusual pages)."""
    parser = etree.HTMLParser(target=_EventTree(), recover=True)
    parser.feed(text)
    return parser.close()


def stray_doctype(text: str) -> bool:
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

