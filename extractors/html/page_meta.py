"""A page's own title, publication time and author, read the way real sites state them, whatever the theme.

Order of trust, measured on real pages (benchmarks/realpages.py, figures in benchmarks/RESULTS.md):
- publication time: a /YYYY/MM/DD/ permalink's day when the markup names another day, else
  `article:published_time` and other publication meta tags, JSON-LD Article/BlogPosting
  `datePublished`, microdata `itemprop=datePublished`, then `<time datetime>` marked as the publication time
  or the first one in the first `<article>`, Blogger's `abbr.published`; `guessed_date` (htmldate on the
  visible text) is the last resort, after any date a feed or API gave;
- title: the `<h1>` when a metadata title is it plus a site name; the page's one `<h1>` headline when the
  metadata title disagrees with it (an SEO rewrite: no part of it, with words it lacks); else JSON-LD
  `headline`, else og:title, else `<title>`, each without the site name (og:site_name, JSON-LD
  WebSite/Organization name) and never the site name or the author alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import htmldate
import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from extractors.html.tree import decode_html
from records import RawResponse
from records.dates import parse_date

PUBLISHED_META = ("article:published_time", "datePublished", "og:published_time", "DC.date.issued", "dc.date",
                  "publish-date", "publication_date", "sailthru.date", "parsely-pub-date")
MODIFIED_META = ("article:modified_time", "og:updated_time", "dateModified")
ARTICLE_TYPES = re.compile(r"(Article|BlogPosting|Posting|Report)$")  # NewsArticle, BlogPosting, Report…
GUESS_EXTENSIVELY = True
MIN_PREFIX_WORDS = 4
URL_DAY = re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/")
URL_MONTH = re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/")
SITE_TYPES = {"WebSite", "Organization", "NewsMediaOrganization", "Blog"}
# A page's <h1> elements, without the site title, logo or tagline some themes print as an <h1> in the page's
# banner or footer (a <header> outside the article or main content, a <footer>).
HEADLINES = ("//h1[not(ancestor::footer or ancestor::header[not(ancestor::article or ancestor::main)] "
             "or ancestor-or-self::*[@role='banner' or @role='contentinfo' or contains(@class, 'site-title') "
             "or contains(@class, 'logo') or contains(@class, 'site-name')])]")
SEPARATOR = r"\s*[|\-–—:·•»]\s*"
PUBLISHED_TIMES = (
    "//time[@datetime][contains(concat(' ', normalize-space(@class), ' '), ' published ')]/@datetime",
    "//time[@datetime][contains(concat(' ', normalize-space(@class), ' '), ' entry-date ')]/@datetime",
    "(//article)[1]//time[@datetime]/@datetime",
    "//abbr[contains(concat(' ', normalize-space(@class), ' '), ' published ')]/@title",
    "//*[@itemprop='datePublished']/@datetime",
)


def json_ld_items(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object on the page, @graph members included; broken blocks are skipped."""
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        pending = data if isinstance(data, list) else [data]
        while pending:
            item = pending.pop(0)
            if isinstance(item, dict):
                pending.extend(item.get("@graph", []) if isinstance(item.get("@graph"), list) else [])
                yield item


def _types(item: dict[str, Any]) -> list[str]:
    """The @type of a JSON-LD object as a list of names."""
    types = item.get("@type")
    return [str(t) for t in (types if isinstance(types, list) else [types]) if t]


def _articles(tree: HtmlElement) -> list[dict[str, Any]]:
    """JSON-LD objects that describe an article or blog post."""
    return [item for item in json_ld_items(tree) if any(ARTICLE_TYPES.search(t) for t in _types(item))]


def is_article(tree: HtmlElement) -> bool:
    """True when the page declares itself one article (og:type article, or a JSON-LD Article/BlogPosting)."""
    return any(t.strip() == "article" for t in _meta(tree, "og:type")) or bool(_articles(tree))


def _meta(tree: HtmlElement, name: str) -> list[str]:
    """Contents of <meta property|name|itemprop=name>."""
    return tree.xpath("//meta[@property=$n or @name=$n or @itemprop=$n]/@content", n=name)


def published(tree: HtmlElement, url: str = "") -> datetime | None:
    """The publication instant the page states in its markup, or the day its /YYYY/MM/DD/ permalink names.

    The permalink's day wins over markup on another day: WordPress writes the post date into the permalink,
    while themes and plugins print modification or import times as publication times. Likewise a /YYYY/MM/
    permalink (WordPress's month permalinks, every Blogger post) names the publication month: markup in
    another month gives way to htmldate's reading of the page when that falls in the permalink's month.
    """
    stated = _stated(tree)
    day = _url_day(url)
    if day is not None and (stated is None or not _near(stated, day)):
        return day
    if stated is not None and not fits_permalink(stated, url):
        guessed = guessed_date(tree, url)
        return guessed if guessed is not None and fits_permalink(guessed, url) else stated
    return stated


def _stated(tree: HtmlElement) -> datetime | None:
    """The publication instant in the page's markup, never guessed from visible text."""
    for name in PUBLISHED_META:
        for value in _meta(tree, name):
            if parsed := parse_date(value):
                return parsed
    for item in _articles(tree):
        stamp = item.get("datePublished")
        if isinstance(stamp, str) and (parsed := parse_date(stamp)):
            return parsed
    for path in PUBLISHED_TIMES:
        for value in tree.xpath(path):
            if parsed := parse_date(value):
                return parsed
    return None


def page_date(document: etree._Element, raw: RawResponse) -> datetime | None:
    """For templates that print no publication time: the page's metadata or permalink, else htmldate's guess."""
    found = published(document, raw.final_url) or guessed_date(lxml.html.fromstring(decode_html(raw)), raw.final_url)
    return found.astimezone(UTC) if found else None


def _url_day(url: str) -> datetime | None:
    """Midnight UTC of the day a /YYYY/MM/DD/ path names, or None."""
    match = URL_DAY.search(urlsplit(url).path)
    if not match:
        return None
    try:
        return datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=UTC)
    except ValueError:
        return None


def fits_permalink(moment: datetime, url: str) -> bool:
    """True unless `url`'s /YYYY/MM/DD/ or /YYYY/MM/ path names a day or month that `moment` is not in."""
    day, month = _url_day(url), _url_month(url)
    if day is not None:
        return _near(moment, day)
    return month is None or _in_month(moment, month)


def _url_month(url: str) -> tuple[int, int] | None:
    """(year, month) a /YYYY/MM/ path names, or None."""
    match = URL_MONTH.search(urlsplit(url).path)
    return (int(match[1]), int(match[2])) if match and 1 <= int(match[2]) <= 12 else None


def _in_month(moment: datetime, month: tuple[int, int]) -> bool:
    """True when `moment` falls in `month` at some UTC offset from -12 to +14 hours."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return any(((utc + timedelta(hours=h)).year, (utc + timedelta(hours=h)).month) == month for h in (-12, 0, 14))


def _near(moment: datetime, day: datetime) -> bool:
    """True when `moment` falls on `day` at some UTC offset from -12 to +14 hours."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return day - timedelta(hours=14) <= utc < day + timedelta(days=1, hours=12)


def guessed_date(tree: HtmlElement, url: str = "") -> datetime | None:
    """htmldate's reading of the page (visible dates, URL), as midnight UTC: the last resort for a date."""
    try:
        found = htmldate.find_date(tree, url=url or None, original_date=True, extensive_search=GUESS_EXTENSIVELY)
    except (ValueError, TypeError):
        return None
    return datetime.fromisoformat(found).replace(tzinfo=UTC) if found else None


def modified(tree: HtmlElement) -> str | None:
    """The modification time the page states (meta or JSON-LD), as written."""
    for name in MODIFIED_META:
        for value in _meta(tree, name):
            if value.strip():
                return value.strip()
    for item in _articles(tree):
        if isinstance(item.get("dateModified"), str):
            return item["dateModified"]
    return None


def site_names(tree: HtmlElement, extra: str = "") -> list[str]:
    """Names the page gives its site: og:site_name, JSON-LD WebSite/Organization names."""
    names = [*_meta(tree, "og:site_name"), extra]
    for item in json_ld_items(tree):
        if set(_types(item)) & SITE_TYPES and isinstance(item.get("name"), str):
            names.append(item["name"])
    return list(dict.fromkeys(n for n in (_clean(n) for n in names) if n))


def author_names(tree: HtmlElement) -> list[str]:
    """Author names the page states (meta author, JSON-LD author), to keep them out of titles."""
    names = list(_meta(tree, "author"))
    for item in _articles(tree):
        authors = item.get("author")
        for author in authors if isinstance(authors, list) else [authors]:
            if isinstance(author, dict) and isinstance(author.get("name"), str):
                names.append(author["name"])
            elif isinstance(author, str):
                names.append(author)
    return [n for n in (_clean(n) for n in names) if n]


def title(tree: HtmlElement, site_name: str = "") -> str:
    """The article's own title, without the site's name that <title> and og:title add ("Title | Site")."""
    sites = site_names(tree, site_name)
    refused = {n.casefold() for n in sites + author_names(tree)}
    headings = [_clean(h.xpath("string()")) for h in tree.xpath("(//article//h1 | //main//h1 | //h1)[position() <= 3]")]
    tag = _clean(" ".join(tree.xpath("//head/title//text()")) or " ".join(tree.xpath("(//title)[1]//text()")))
    metadata = [*(_clean(h) for item in _articles(tree) for h in [item.get("headline")] if isinstance(h, str)),
                *(_clean(t) for t in _meta(tree, "og:title")), *(_clean(t) for t in _meta(tree, "twitter:title")), tag]
    metadata = [t for t in metadata if t]
    for heading in headings:
        if heading and heading.casefold() not in refused and any(_frames(heading, t) for t in metadata):
            return heading
    for heading in headings:  # "Heading Recipe | Site": a title tag that starts with a long heading
        if len(heading.split()) >= MIN_PREFIX_WORDS and tag.casefold().startswith(heading.casefold()):
            return heading
    own = next((s for s in (_without_site(c, sites) for c in metadata) if s and s.casefold() not in refused), "")
    headline = _sole_headline(tree, refused)
    if headline and (not own or _disagree(headline, own)):
        return headline
    return own or next((h for h in headings if h and h.casefold() not in refused), "")


def _sole_headline(tree: HtmlElement, refused: set[str]) -> str:
    """The page's one `<h1>` outside the site banner, when it is a headline (several words) and no site name."""
    texts = list(dict.fromkeys(t for t in (_clean(h.xpath("string()")) for h in tree.xpath(HEADLINES)) if t))
    if len(texts) != 1 or texts[0].casefold() in refused or len(texts[0].split()) < MIN_PREFIX_WORDS:
        return ""
    return texts[0]


def _disagree(headline: str, title: str) -> bool:
    """True when a metadata title is no part of the headline and has words the headline lacks (an SEO rewrite)."""
    head, meta = headline.casefold(), title.casefold()
    return meta not in head and bool(set(meta.split()) - set(head.split()))


def _frames(heading: str, title: str) -> bool:
    """True when `title` is `heading` alone or with a prefix or suffix after a separator."""
    text = re.escape(heading)
    return bool(re.search(f"^{text}$|^{text}(?:{SEPARATOR})|(?:{SEPARATOR}){text}$", title, re.IGNORECASE))


def _without_site(candidate: str, sites: list[str]) -> str:
    """A metadata title without a known site name at either end."""
    for name in sites:
        pattern = re.escape(name)
        stripped = re.sub(f"(?:{SEPARATOR}){pattern}$|^{pattern}(?:{SEPARATOR})", "", candidate, flags=re.IGNORECASE)
        if stripped != candidate:
            return stripped.strip()
    return candidate


def _clean(text: object) -> str:
    """Whitespace-normalised text."""
    return " ".join(str(text or "").split())
