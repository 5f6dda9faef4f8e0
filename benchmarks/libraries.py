"""Hand-written code next to the library that could replace it, on real pages: speed and agreement.

Reads `../shared/realpages/readability-pages` (pages stay out of the repository):

    python -m benchmarks.libraries [--root DIR] [--rounds N]

CSS selectors: extractors.html.css.Selector against cssselect's HTMLTranslator (XPath run by lxml), for the
source kinds' selectors over every page; skipped with a note when cssselect is not installed (it is not a
dependency). Charset: decoding a page that declares no charset and is not UTF-8 (each page re-encoded as
windows-1252 without its <meta charset>), by extractors.html.tree.decode_html against charset-normalizer's guess.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from charset_normalizer import from_bytes
from lxml import etree

from extractors.html.css import Selector
from extractors.html.tree import decode_html, tree_of
from extractors.sources.blogger import settings as blogger
from extractors.sources.wordpress import settings as wordpress
from records import RawResponse

SELECTORS = [blogger.POST, blogger.POST_BODY, blogger.LABELS, wordpress.ENTRY_CONTENT, wordpress.PAGINATION,
             wordpress.LABEL_LINKS, wordpress.POST_ARTICLE, wordpress.CANONICAL, Selector("article, main"),
             Selector("a[href]")]
META_CHARSET = re.compile(rb"<meta[^>]*charset[^>]*>", re.IGNORECASE)


def response(url: str, body: bytes, content_type: str = "text/html") -> RawResponse:
    """A page as the fetcher would have kept it."""
    return RawResponse(url, url, 200, {"content-type": content_type}, body, datetime.now(UTC))


def per_page_ms(pages: list[etree._Element], work: Callable[[etree._Element], object], rounds: int) -> float:
    """Milliseconds per page of `work`, averaged over `rounds`."""
    start = time.perf_counter()
    for _ in range(rounds):
        for page in pages:
            work(page)
    return (time.perf_counter() - start) / rounds / len(pages) * 1e3


def compare_selectors(trees: list[etree._Element], rounds: int) -> None:
    """Selector against cssselect's XPath on the same trees."""
    try:
        from cssselect import HTMLTranslator
    except ImportError:
        print("css selectors: cssselect is not installed (pip install cssselect to compare)")
        return
    translator = HTMLTranslator()
    compiled = [etree.XPath(translator.css_to_xpath(s.css, prefix="descendant::")) for s in SELECTORS]
    ours = per_page_ms(trees, lambda tree: [s.all(tree) for s in SELECTORS], rounds)
    theirs = per_page_ms(trees, lambda tree: [x(tree) for x in compiled], rounds)
    differ = sum(len(s.all(tree)) != len(x(tree)) for tree in trees for s, x in zip(SELECTORS, compiled, strict=True))
    print(f"css selectors ({len(SELECTORS)} on {len(trees)} pages): Selector {ours:.2f} ms/page, "
          f"cssselect XPath {theirs:.2f} ms/page; pairs with another match count: {differ}")


def compare_charsets(bodies: list[bytes]) -> None:
    """decode_html against charset-normalizer on pages that declare no charset and are not UTF-8."""
    legacy = []
    for body in bodies:
        encoded = META_CHARSET.sub(b"", body).decode("utf-8", errors="replace").encode("cp1252", errors="ignore")
        if not encoded.isascii():
            legacy.append(encoded)
    same_ours = same_theirs = 0
    guesses: dict[str, int] = {}
    spent = 0.0
    for body in legacy:
        truth = body.decode("cp1252")
        same_ours += decode_html(response("http://x/", body)) == truth
        start = time.perf_counter()
        best = from_bytes(body).best()
        spent += time.perf_counter() - start
        guess = best.encoding if best else "none"
        guesses[guess] = guesses.get(guess, 0) + 1
        same_theirs += best is not None and str(best) == truth
    per_page = spent / max(len(legacy), 1) * 1e3
    print(f"charset ({len(legacy)} undeclared windows-1252 pages): decode_html exact on {same_ours}; "
          f"charset-normalizer exact on {same_theirs}, guesses {guesses}, {per_page:.0f} ms/page")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="../shared/realpages/readability-pages", help="folder of <page>/source.html")
    parser.add_argument("--rounds", type=int, default=20, help="repetitions of the selector timing")
    args = parser.parse_args()
    sources = sorted(Path(args.root).glob("*/source.html"))
    bodies = [path.read_bytes() for path in sources]
    compare_selectors([tree_of(response(str(path), body)) for path, body in zip(sources, bodies, strict=True)],
                      args.rounds)
    compare_charsets(bodies)


if __name__ == "__main__":
    main()
