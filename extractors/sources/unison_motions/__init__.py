"""UNISON policy-motions extractor: walks /policy-motions/ listings and parses each motion page."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree

from extractors.crawl.fetch import Fetcher, FetchError
from extractors.crawl.revalidate import fetch_item, revalidate
from extractors.html.tree import block_text, first_tag, only_string, strip_boilerplate, text_of, tree_of
from extractors.sources.unison_motions.settings import (
    ARTICLE_OR_MAIN,
    BACK_LINK,
    CONFERENCE_LINE,
    DECISIONS,
    FIRST_YEAR,
    HEADING,
    LABEL_DECORATION,
    LABELS,
    LISTING_PATH,
    MAX_LISTING_PAGES,
    MOTION_PATH,
    ROLE_LISTING,
    ROLE_MOTION,
    TITLE_SUFFIX,
)
from records import MOTION, Document, Extraction, Known, RawResponse, SourceConfig
from records.dates import parse_date

LOGGER = logging.getLogger(__name__)

# Every link on the page, template contents included (bs4's find_all("a", href=True)); no Python per anchor.
HREFS = etree.XPath("descendant::a/@href", smart_strings=False)


@dataclass
class MotionMeta:
    """Metadata read from the lines after "Back to all Motions"."""

    conference: str | None = None
    date_line: str | None = None
    decision: str | None = None
    body_start: int = 0


def extract(source: SourceConfig, fetcher: Fetcher, known: Known, result: Extraction) -> Extraction:
    """New motions from the listing (or every year's listing in a backfill), each parsed from its own page."""
    result.discovered_via = "listing"
    now = datetime.now(UTC)
    root = source.url if source.url.endswith("/") else source.url + "/"
    if known.backfill:
        first_year = max(known.since_year or FIRST_YEAR, FIRST_YEAR)
        urls = [url for year in range(now.year, first_year - 1, -1)
                for url in discover(root, fetcher, known, result, year=year)]
        # Scheduled runs read the unfiltered listing: storing its validators now lets the first of them get a 304.
        head = fetcher.get(urljoin(root, LISTING_PATH), expect="html")
        head.role = ROLE_LISTING
        if head.status == 200:
            result.raw.append(head)
    else:
        urls = discover(root, fetcher, known, result)
    retry = [url for url in known.retry if MOTION_PATH.match(urlsplit(url).path)]
    reached = {_key(url) for url in urls + retry}
    for url in dict.fromkeys(urls + retry):
        key = _key(url)
        if key in known.documents and not known.due(key, now) and url not in retry:
            continue
        fetch_item(fetcher, url, key, result, role=ROLE_MOTION, parse=lambda raw: parse_motion(source.id, raw),
                   what="motion page")
    revalidate(known, reached, fetcher, result, now=now, role=ROLE_MOTION,
               parse=lambda raw: parse_motion(source.id, raw))
    return result


def reparse(source_id: str, raw: RawResponse) -> list[Document]:
    """Documents from one archived response: motion pages hold one each, listings none."""
    return [parse_motion(source_id, raw)] if raw.role == ROLE_MOTION else []


def _key(url: str) -> str:
    """The motion slug: WordPress keeps it unique across the whole site."""
    match = MOTION_PATH.match(urlsplit(url).path)
    return match["slug"] if match else url


def discover(root: str, fetcher: Fetcher, known: Known, result: Extraction, *, year: int | None = None) -> list[str]:
    """Motion URLs from the listing pages, newest first; unless backfilling, the page holding the first known
    motion is the last one read."""
    found: dict[str, None] = {}
    query = f"?filter-year={year}" if year else ""
    for page in range(1, MAX_LISTING_PAGES + 1):
        url = urljoin(root, (LISTING_PATH if page == 1 else f"{LISTING_PATH}page/{page}/") + query)
        # A backfill reads every listing page whole: validators stored by an interrupted backfill's first
        # slices would otherwise answer 304 and end its walk before the motions it never reached.
        raw = fetcher.get(url, expect="html", conditional=not known.backfill)
        raw.role = ROLE_LISTING
        if raw.status == 304:
            result.raw.append(raw)  # the listing is as it was: nothing new from here on
            break
        if raw.status == 404 and (page > 1 or year):
            break
        if raw.status != 200:
            raise FetchError(url, f"listing page answered HTTP {raw.status}", raw.status)
        result.raw.append(raw)
        links = motion_links(raw)
        if not links:
            if page == 1 and not year:
                raise FetchError(url, "no motion links on the first listing page (layout changed?)")
            break
        links = [link for link in links if link not in found]
        if not links:
            break  # a page of motions already listed: pages past the end repeat an earlier one
        reached_known = False
        for link in links:
            if not known.backfill and _key(link) in known.documents:
                reached_known = True
                continue
            found[link] = None
        if reached_known:  # the listing is newest first: later pages are known. This page is read whole, at no
            break  # cost, so a motion published late with an older date line, listed below a known one, is found
    return list(found)


def motion_links(raw: RawResponse) -> list[str]:
    """Absolute URLs of every /motions/YEAR/GROUP/SLUG/ link on a listing page."""
    links = []
    for href in HREFS(tree_of(raw)):
        url = urljoin(raw.final_url, href)
        if MOTION_PATH.match(urlsplit(url).path):
            links.append(url.split("#")[0])
    return list(dict.fromkeys(links))


def parse_motion(source_id: str, raw: RawResponse) -> Document:
    """One motion page as a Document; raises ValueError when the page is not a motion."""
    match = MOTION_PATH.match(urlsplit(raw.final_url).path)
    if not match:
        raise ValueError(f"URL is not /motions/YEAR/GROUP/SLUG/: {raw.final_url}")
    document = tree_of(raw)
    title = _title(document)
    anchor = next((a for a in document.iter("a") if BACK_LINK.search(only_string(a) or "")), None)
    container = next(anchor.iterancestors("article", "main"), None) if anchor is not None else None
    if container is None:
        container = ARTICLE_OR_MAIN.first(document)
    if container is None:
        container = first_tag(document, "body")
    if container is None:
        raise ValueError("empty page")
    lines = block_text(strip_boilerplate(container)).split("\n")
    start = next((i + 1 for i, line in enumerate(lines) if BACK_LINK.match(line)), None)
    if start is None:
        # Without the anchor the metadata may still lead the article, after the title.
        start = 1 if lines and lines[0] == title else 0
    meta = read_meta(lines[start:])
    body = "\n".join(lines[start + meta.body_start:])
    if not title:
        raise ValueError("no title")
    published = _parse_date(meta.date_line) if meta.date_line else None
    return Document(
        source_id=source_id, kind=MOTION, key=match["slug"], url=raw.final_url, title=title, body=body,
        published_at=published, conference=meta.conference, decision=meta.decision,
        year=int(match["year"]), group=match["group"], raw_sha256=raw.sha256,
    )


def read_meta(lines: list[str]) -> MotionMeta:
    """Conference, date line and decision, labelled or not, in any of the three known layouts."""
    meta = MotionMeta()
    index = 0
    while index < len(lines):
        line = LABEL_DECORATION.sub("", lines[index])
        label = LABELS.get(line.lower())
        if label and index + 1 < len(lines):
            value = LABEL_DECORATION.sub("", lines[index + 1])
            _assign(meta, label, value)
            index += 2
            continue
        if meta.conference is None and CONFERENCE_LINE.match(line):
            meta.conference = line
        elif meta.date_line is None and len(line) <= 40 and _parse_date(line):  # length first: it is cheaper
            meta.date_line = line
        elif meta.decision is None and _decision(line):
            meta.decision = _decision(line)
        else:
            break
        index += 1
    meta.body_start = index
    return meta


def _assign(meta: MotionMeta, label: str, value: str) -> None:
    """Store a labelled value on the metadata."""
    if label == "conference":
        meta.conference = value
    elif label == "date":
        meta.date_line = value
    else:
        meta.decision = _decision(value) or value


@functools.lru_cache(maxsize=4096)
def _parse_date(line: str) -> datetime | None:
    """parse_date, remembered: a conference's motions share a few dates, and parse_date tries a dozen formats."""
    return parse_date(line)


def _decision(line: str) -> str | None:
    """The canonical decision name when the whole line is one."""
    return next((name for name in DECISIONS if line.strip().lower() == name.lower()), None)


def _title(document: etree._Element) -> str:
    """The motion title: the page's h1, else <title> without the site suffix."""
    heading = text_of(HEADING.first(document))
    return heading or TITLE_SUFFIX.sub("", text_of(first_tag(document, "title")))
