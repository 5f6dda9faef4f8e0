"""CSS selectors compiled to XPath that match what soupsieve matched on bs4's trees."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from extractors.html.nodes import DOCUMENT

# bs4 splits these attributes into lists of tokens, and soupsieve matches the joined tokens (bs4's
# HTMLTreeBuilder.DEFAULT_CDATA_LIST_ATTRIBUTES); "*" is every element.
LIST_ATTRIBUTES = {"*": {"class", "accesskey", "dropzone"}, "a": {"rel", "rev"}, "link": {"rel", "rev"},
                   "td": {"headers"}, "th": {"headers"}, "form": {"accept-charset"}, "object": {"archive"},
                   "area": {"rel"}, "icon": {"sizes"}, "iframe": {"sandbox"}, "output": {"for"}}

_TEMPLATES_AROUND = etree.XPath("count(ancestor-or-self::template)")


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

