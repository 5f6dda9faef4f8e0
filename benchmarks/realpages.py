"""Real pages nobody here wrote: body, title and date extraction, and feed/REST entries kept.

Reads `../shared/realpages/` (see its README; the pages stay out of the repository) and runs unionwatch's own
page parsers, trafilatura and htmldate on the same bytes in one process:

    python -m benchmarks.realpages [--root DIR]

Body: for each gold page, a `with` segment found in the extracted text is a true positive (unionwatch's text is
the document's title and body: it moves the heading out of the body into the title), one missed a false
negative, a `without` segment found a false positive; counts summed over pages, whitespace normalised. Title:
exact after whitespace and NFC normalisation (also shown ignoring case: some gold titles are in the
capitals a stylesheet shows, not the page's text). Date: the gold day equals the extracted instant's day at
some UTC offset between -12 and +14 hours (gold dates are the site's local day; unionwatch stores instants in UTC).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import unicodedata
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import htmldate
import trafilatura

from demo.server import LOOPBACK, Request, Response, SiteServer
from expectations import gate
from extractors.crawl.fetch import Fetcher, FetchError
from extractors.html import article_page as article
from extractors.html.tree import block_text, tree_of_fragment
from extractors.sources import blogger
from extractors.sources import feed as feed_extractor
from extractors.sources.wordpress import api as wordpress_api
from extractors.sources.wordpress import theme_html as wordpress_html
from records import SUMMARY, Document, Extraction, Known, RawResponse, SourceConfig
from records.dates import parse_date
from transforms.classify import Rules, load_rules
from transforms.pipeline import refine

DEFAULT_ROOT = Path(__file__).resolve().parents[1] / ".." / "shared" / "realpages"
OFFSETS = [timedelta(hours=h) for h in range(-12, 15)]


@dataclass
class Score:
    """Segment counts, title and date hits of one extractor over a page set."""

    tp: int = 0
    fn: int = 0
    fp: int = 0
    titles: list[bool] = field(default_factory=list)
    titles_nocase: list[bool] = field(default_factory=list)
    dates: list[bool] = field(default_factory=list)
    failed: int = 0

    def add_segments(self, text: str, with_: list[str], without: list[str]) -> None:
        """Count the gold segments found in `text`."""
        found = _norm(text)
        hits = [_norm(s) in found for s in with_]
        self.tp += sum(hits)
        self.fn += len(hits) - sum(hits)
        self.fp += sum(_norm(s) in found for s in without)

    def prf(self) -> tuple[float, float, float]:
        """Precision, recall and F1 of the segments."""
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1


@dataclass(frozen=True)
class Extracted:
    """What one extractor made of a page."""

    body: str
    title: str
    published: datetime | date | None


def main(argv: list[str] | None = None) -> int:
    """Print every figure next to its target; 2 when the material is missing."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.realpages", description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the realpages folder (../shared/realpages)")
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append",
                        help="run only this section (repeatable); all by default")
    parser.add_argument("--platform", choices=("wordpress", "blogger", "other"),
                        help="gold pages of this platform only (a quicker run while iterating)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if not (root / "trafilatura-eval" / "evaldata-subset.json").is_file():
        print(f"realpages: {root} is missing (it holds third-party pages kept outside the repository); "
              "pass --root DIR", file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore")
    for name in args.only or SECTIONS:
        if name == "pages":
            _pages_report(root, args.platform)
        else:
            SECTIONS[name](root)
    return 0


def _raw(url: str, body: bytes, content_type: str = "text/html") -> RawResponse:
    """A response as the fetcher would have kept it, without a declared charset."""
    return RawResponse(url, url, 200, {"content-type": content_type}, body, datetime.now(UTC))


def unionwatch_page(raw: RawResponse, platform: str) -> Extracted:
    """The document unionwatch makes of a page: its platform's parser, else the generic article parser."""
    parsers: list[Callable[[str, RawResponse], Document]] = [article.parse_article]
    if platform == "wordpress":
        parsers.insert(0, wordpress_html.parse_post_page)
    elif platform == "blogger":
        parsers.insert(0, blogger.parse_post_page)
    for parse in parsers:
        try:
            doc = parse("bench", raw)
        except ValueError:
            continue
        return Extracted(f"{doc.title}\n{doc.body}", doc.title, doc.published_at)
    return Extracted("", "", None)


def trafilatura_page(html: str, url: str) -> Extracted:
    """trafilatura 2.x with its defaults, comments left out (as its own evaluation runs it)."""
    result = trafilatura.bare_extraction(html, url=url, include_comments=False, with_metadata=True)
    if result is None:
        return Extracted("", "", None)
    return Extracted(result.text or "", result.title or "", _day(result.date))


def htmldate_page(html: str, url: str) -> date | None:
    """htmldate's default guess (extensive search, original date)."""
    return _day(htmldate.find_date(html, url=url, original_date=True))


def _pages_report(root: Path, platform: str | None = None) -> None:
    """Segment P/R/F1, title and date accuracy on the trafilatura-eval gold pages (of one platform if given)."""
    folder = root / "trafilatura-eval"
    gold = json.loads((folder / "evaldata-subset.json").read_text())
    platforms = _platforms(folder / "index.tsv")
    if platform:
        gold = {url: item for url, item in gold.items() if platforms.get(url, "other") == platform}
        platforms = {url: p for url, p in platforms.items() if url in gold}
    ours, theirs, dates_htmldate, whole = Score(), Score(), Score(), Score()
    misses: list[str] = []
    for url, item in gold.items():
        body = gzip.decompress((folder / "html" / (item["file"] + ".gz")).read_bytes())
        raw = _raw(url, body)
        html = raw.body.decode("utf-8", errors="replace")
        mine, traf = unionwatch_page(raw, platforms.get(url, "other")), trafilatura_page(html, url)
        with_, without = item.get("with", []), item.get("without", [])
        ours.add_segments(mine.body, with_, without)
        theirs.add_segments(traf.body, with_, without)
        whole.add_segments(block_text(tree_of_fragment(html)), with_, without)
        ours.failed += not mine.body
        if item.get("title"):
            for score, found in ((ours, mine), (theirs, traf)):
                score.titles.append(_norm(found.title) == _norm(item["title"]))
                score.titles_nocase.append(_norm(found.title).casefold() == _norm(item["title"]).casefold())
            if not ours.titles[-1]:
                misses.append(f"title {item['title']!r} <- {mine.title!r} ({url})")
        if gold_day := _day(item.get("date")):
            ours.dates.append(_same_day(mine.published, gold_day))
            theirs.dates.append(_same_day(traf.published, gold_day))
            dates_htmldate.dates.append(_same_day(htmldate_page(html, url), gold_day))
            if not ours.dates[-1]:
                misses.append(f"date {gold_day} <- {mine.published} ({url})")
    print(f"\n## trafilatura-eval: {len(gold)} gold pages ({sum(p == 'wordpress' for p in platforms.values())} "
          f"WordPress, {sum(p == 'blogger' for p in platforms.values())} Blogger)\n")
    print("| extractor | segments found / missed / boilerplate found | precision | recall | F1 | titles exact | "
          "titles, case ignored | dates | pages without body |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, score in (("unionwatch", ours), ("trafilatura (defaults, no comments)", theirs),
                        ("htmldate (original_date)", dates_htmldate), ("whole page as text", whole)):
        p, r, f = score.prf() if score.tp + score.fn else (0.0, 0.0, 0.0)
        cells = ([f"{score.tp} / {score.fn} / {score.fp}", f"{p:.3f}", f"{r:.3f}", f"{f:.4f}"] if score.tp + score.fn
                 else ["", "", "", ""])
        print(f"| {name} | {' | '.join(cells)} | {_share(score.titles)} | {_share(score.titles_nocase)} | "
              f"{_share(score.dates)} | "
              f"{score.failed if score is ours else ''} |")
    print("\nTargets: body F1 above trafilatura's, dates at least htmldate's, titles >= 0.95.")
    if misses:
        print("\nMisses (title/date):")
        print("\n".join(f"- {line}" for line in misses))


def _readability_report(root: Path) -> None:
    """Word-bag F1 against readability's expected article, title and date accuracy, on its 13 pages."""
    folder = root / "readability-pages"
    ours, theirs = Score(), Score()
    f1_ours, f1_theirs = [], []
    rows = [line.split("\t") for line in (folder / "index.tsv").read_text().splitlines()[1:]]
    platforms = {row[0]: "blogger" if "Blogger" in row[1] else "wordpress" if "WordPress" in row[1] else "other"
                 for row in rows if len(row) > 1}
    for page in sorted(p for p in folder.iterdir() if (p / "source.html").is_file()):
        meta = json.loads((page / "expected-metadata.json").read_text())
        body = (page / "source.html").read_bytes()
        url = f"http://{page.name}.example/"
        expected = _words(block_text(tree_of_fragment((page / "expected.html").read_text())))
        platform = platforms.get(page.name, "other")
        mine = unionwatch_page(_raw(url, body), platform)
        traf = trafilatura_page(body.decode("utf-8", errors="replace"), url)
        f1_ours.append(_bag_f1(_words(mine.body), expected))
        f1_theirs.append(_bag_f1(_words(traf.body), expected))
        if meta.get("title"):
            ours.titles.append(_norm(mine.title) == _norm(meta["title"]))
            theirs.titles.append(_norm(traf.title) == _norm(meta["title"]))
        if gold_day := _day(meta.get("publishedTime")):
            ours.dates.append(_same_day(mine.published, gold_day))
            theirs.dates.append(_same_day(traf.published, gold_day))
    print(f"\n## readability test pages: {len(f1_ours)} pages\n")
    print("| extractor | mean word F1 vs expected article | titles exact | dates |")
    print("|---|---|---|---|")
    for name, f1s, score in (("unionwatch", f1_ours, ours), ("trafilatura", f1_theirs, theirs)):
        print(f"| {name} | {sum(f1s) / len(f1s):.3f} | {_share(score.titles)} | {_share(score.dates)} |")


FEED_TYPES = {".rss": "application/rss+xml", ".xml": "application/rss+xml", ".atom": "application/atom+xml",
              ".rdf": "application/rdf+xml", ".json": "application/feed+json"}


@dataclass
class FeedRow:
    """One feed's entries from the file to the gate: present, extracted, after merging duplicates, published."""

    present: int
    extracted: int = 0
    distinct: int = 0
    passed: int = 0
    from_summary: int = 0
    note: str = ""


class GoneFetcher(Fetcher):
    """The project's fetcher, for which every page off loopback answers 404 (the article pages are gone)."""

    def get(self, url: str, *, expect: str | None = None, conditional: bool = True) -> RawResponse:
        """Loopback URLs fetched for real; any other URL a 404 page, counted as a request."""
        if urlsplit(url).hostname != LOOPBACK:
            self.requests_made += 1
            return RawResponse(url, url, 404, {"content-type": "text/html"}, b"<h1>Not found</h1>", datetime.now(UTC))
        return super().get(url, expect=expect, conditional=conditional)


class FileSite:
    """A loopback site serving one feed file at the path its extractor asks for first."""

    def __init__(self, body: bytes, content_type: str) -> None:
        self.body, self.content_type = body, content_type

    def handle(self, request: Request) -> Response:
        """The feed at /feed and at Blogger's /feeds/posts/default; 404 elsewhere."""
        if request.path in ("/feed", "/feeds/posts/default"):
            return Response(200, self.body, {"Content-Type": self.content_type})
        return Response.text("not found", status=404)


def _feeds_report(root: Path) -> None:
    """Entries published end to end (extractor, refine, quality gate) against entries present in each feed."""
    folder = root / "feeds"
    rules = load_rules()
    print("\n## feeds: entries kept end to end (feed served on loopback, every article page answering 404)\n")
    print("| feed | present | extracted | after merging duplicate ids | passed the gate | of them from summaries "
          "| note |")
    print("|---|---|---|---|---|---|---|")
    total = FeedRow(0)
    for path in sorted(folder.glob("*/*")):
        if path.suffix not in FEED_TYPES or "expected" in path.name:
            continue
        row = _feed_row(path, rules)
        for name in ("present", "extracted", "distinct", "passed", "from_summary"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
        print(f"| {path.parent.name}/{path.name} | {row.present} | {row.extracted} | {row.distinct} | {row.passed} | "
              f"{row.from_summary} | {row.note} |")
    print(f"| **all** | {total.present} | {total.extracted} | {total.distinct} | {total.passed} | "
          f"{total.from_summary} | |")
    print(f"\nTarget: every entry kept. Kept: {total.passed} of {total.present}; "
          f"{total.extracted - total.distinct} merged with an entry of the same id in the same feed; "
          f"lost: {total.distinct - total.passed}.")


def _feed_row(path: Path, rules: Rules) -> FeedRow:
    """One feed file through its source kind's extractor, refine and the quality gate."""
    body = path.read_bytes()
    row = FeedRow(_entries_present(path))
    kind = "blogger" if path.parent.name == "blogger" else "feed"
    result = Extraction("bench")
    with SiteServer(FileSite(body, FEED_TYPES[path.suffix])) as server:
        fetcher = GoneFetcher(delay=0)
        try:
            extractor = blogger.extract if kind == "blogger" else feed_extractor.extract
            extractor(SourceConfig("bench", kind, server.url + ("" if kind == "blogger" else "feed"), delay=0),
                      fetcher, Known(), result)
        except (ValueError, FetchError) as exc:
            row.note = f"refused: {_norm(str(exc))[:70]}"
        finally:
            fetcher.close()
    row.extracted = len(result.documents)
    if not result.documents:
        return row
    batch = refine(result.documents, rules)
    row.distinct = len(batch)
    stats = gate.BatchStats("bench", "blog_post" if kind == "blogger" else "article", len(batch),
                            len(result.failures), max(fetcher.requests_made, 1), [])
    verdict = gate.check(batch, stats, now=datetime.now(UTC))
    row.passed = sum(verdict.passed(item.document.document_id) for item in batch)
    row.from_summary = sum(item.document.body_source == SUMMARY for item in batch
                           if verdict.passed(item.document.document_id))
    if not verdict.batch_ok:
        row.note = "batch held: " + "; ".join(verdict.batch_reasons)[:80]
    return row


def _rest_report(root: Path) -> None:
    """REST post objects published end to end (parse, refine, quality gate) against post objects present."""
    present = 0
    documents: list[Document] = []
    for path in sorted((root / "wordpress-rest").glob("*/*.json")):
        data = json.loads(path.read_text())
        items = data if isinstance(data, list) else [data]
        posts = [p for p in items if isinstance(p, dict) and p.get("type") == "post"]
        if not posts:
            continue
        present += len(posts)
        documents += wordpress_api.parse_api_page("bench", _raw(f"http://rest.example/{path.name}",
                                                                path.read_bytes(), "application/json"))
    batch = refine(documents, load_rules())
    stats = gate.BatchStats("bench", "blog_post", len(batch), 0, 1, [])
    verdict = gate.check(batch, stats, now=datetime.now(UTC))
    passed = sum(verdict.passed(item.document.document_id) for item in batch)
    print("\n## WordPress REST responses\n")
    print(f"post objects present: {present}; parsed: {len(documents)}; distinct posts: {len(batch)}; "
          f"passed the gate: {passed} (target: every post kept)")


def _entries_present(path: Path) -> int:
    """Items in a feed file counted from its elements (or a JSON Feed's items), independent of any parser."""
    text = path.read_bytes()
    if path.suffix == ".json":
        return len(json.loads(text).get("items", []))
    from lxml import etree

    tree = etree.fromstring(text, etree.XMLParser(recover=True, huge_tree=True))
    return sum(1 for el in tree.iter() if isinstance(el.tag, str) and etree.QName(el).localname in ("item", "entry"))


def _platforms(index: Path) -> dict[str, str]:
    """URL -> platform (wordpress, blogger, other) from the eval index."""
    rows = [line.split("\t") for line in index.read_text().splitlines()[1:]]
    return {row[0]: row[3] for row in rows if len(row) > 3}


def _norm(text: str | None) -> str:
    """Whitespace- and Unicode-normalised (NFC) text."""
    return unicodedata.normalize("NFC", " ".join((text or "").split()))


def _words(text: str) -> list[str]:
    """Lower-cased words."""
    return [w.strip(".,;:!?\"'()[]“”‘’").lower() for w in text.split() if w.strip(".,;:!?\"'()[]“”‘’")]


def _bag_f1(got: list[str], expected: list[str]) -> float:
    """F1 of two word multisets."""
    from collections import Counter

    overlap = sum((Counter(got) & Counter(expected)).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / len(got), overlap / len(expected)
    return 2 * precision * recall / (precision + recall)


def _day(value: object) -> datetime | date | None:
    """A date string (or datetime) as a datetime or date, None when absent or unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime | date):
        return value
    parsed = parse_date(str(value))
    if parsed is None:
        return None
    return parsed.date() if len(str(value)) <= 10 else parsed


def _same_day(found: datetime | date | None, gold: datetime | date) -> bool:
    """True when `found` falls on the gold day at some plausible UTC offset."""
    gold_day = gold.date() if isinstance(gold, datetime) else gold
    if found is None:
        return False
    if not isinstance(found, datetime):
        return found == gold_day
    if found.tzinfo is None:
        return found.date() == gold_day
    return any((found.astimezone(UTC) + offset).date() == gold_day for offset in OFFSETS)


def _share(hits: list[bool]) -> str:
    """n/N and the share, or empty."""
    return f"{sum(hits)}/{len(hits)} = {sum(hits) / len(hits):.3f}" if hits else ""


SECTIONS: dict[str, Callable[[Path], None]] = {
    "pages": _pages_report, "readability": _readability_report, "feeds": _feeds_report, "rest": _rest_report}


if __name__ == "__main__":
    raise SystemExit(main())
