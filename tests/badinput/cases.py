"""The bad input cases: what a site serves, which source kind reads it, and what must come out.

Every case is a tiny site: a table of paths and the exact bytes and headers served there (anything else
answers 404). `@HOST@` in a body or header stands for the server's "host:port". Each case expects either
a correct `Record` (fields of a refined document; a source with several documents is matched by
`url`) or a `Failure` whose human-readable reason contains a phrase, recorded for one URL or, with
`whole_source`, as the source's error. Kinds: "blogger", "unison_motions" and "fetch" (one
`Fetcher.get` of `FETCH_PATH`, whose Record fields are those of the RawResponse). Cases in `INGESTED`
also go through one real ingest run, which must store exactly that: the record (published, or held by
the quality gate for the reason given in `held`), the recorded failure, and nothing of a failed source.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from html import escape

from demo.server import Response

HOST = "@HOST@"
FETCH_PATH = "/page"
LISTING = "/policy-motions/"
MOTION = "/motions/2010/national-delegate-conference/defend-local-jobs/"
OTHER_MOTION = "/motions/2010/national-delegate-conference/protect-pensions/"
RESOLVES = "Conference resolves to campaign with members against every proposed cut."
FEED = "/feeds/posts/default"
ATOM = "application/atom+xml; charset=UTF-8"
BLOG_ID = "7001"
HTML_UTF8 = "text/html; charset=utf-8"

Served = Response | Callable[[], Response]  # a callable builds a big body only when requested


@dataclass(frozen=True)
class Record:
    """The source yields a correct document with these field values."""

    fields: Mapping[str, object]
    body_has: tuple[str, ...] = ()
    body_lacks: tuple[str, ...] = ()
    documents: int | None = 1  # how many documents the source yields in all (None: don't check)
    max_requests: int | None = None  # a bound proving that a loop or an endless walk was cut short
    failure: str = ""  # a per-URL failure recorded beside the record(s), else none may be
    held: str = ""  # the quality gate's reason for holding the record back, else it is published


@dataclass(frozen=True)
class Failure:
    """The URL (or with `whole_source`, the source) fails with a reason containing `phrase`."""

    phrase: str
    whole_source: bool = False


@dataclass(frozen=True)
class Case:
    """One bad input."""

    name: str
    kind: str
    routes: Mapping[str, Served]
    expect: Record | Failure
    about: str = ""


# Builders for the three shapes of page the cases distort.

def motion_page(title: str = "Defend local jobs", *, date: str = "12 June 2010", decision: str = "Carried",
                body: str = "Conference notes that the council plans a shared service centre.",
                head: str = '<meta charset="utf-8">', tail: str = "</article></main></body></html>") -> str:
    """A motion page in the first of the motions site's layouts."""
    return (f"<!DOCTYPE html><html lang='en-GB'><head>{head}<title>{title} | UNISON National</title></head>"
            f"<body><main><article><h1>{title}</h1><p><a href='/policy-motions/'>Back to all Motions</a></p>"
            f"<p>2010 National Delegate Conference</p><p>{date}</p><p>{decision}</p><p>{body}</p><p>{RESOLVES}</p>"
            f"{tail}")


def listing(*hrefs: str) -> Response:
    """A /policy-motions/ listing page linking to `hrefs`."""
    items = "".join(f"<li><a href='{href}'>A motion</a></li>" for href in hrefs)
    return Response.text(f"<html><body><main><h1>Policy motions</h1><ul>{items}</ul></main></body></html>")


def motions_site(page: Served, href: str = f"http://{HOST}{MOTION}", **more: Served) -> dict[str, Served]:
    """A listing with one motion link and the motion page itself."""
    return {LISTING: listing(href), MOTION: page, **more}


def entry(post: str, title: str = "Branch news", *, published: str | None = "2012-03-21T10:15:00.000+00:00",
          entry_id: str | None = "", link: str | None = "", content: str = "<p>Members met on Tuesday.</p>") -> str:
    """One Blogger Atom entry; None leaves an element out, "" gives the usual value."""
    parts = []
    if entry_id is not None:
        parts.append(f"<id>{entry_id or f'tag:blogger.com,1999:blog-{BLOG_ID}.post-{post}'}</id>")
    if published is not None:
        parts += [f"<published>{published}</published>", f"<updated>{published}</updated>"]
    parts.append(f"<title type='text'>{title}</title><content type='html'>{escape(content)}</content>")
    if link is not None:
        href = link or f"http://{HOST}/2012/03/post-{post}.html"
        parts.append(f"<link rel='alternate' type='text/html' href='{href}' title='{title}'/>")
    return f"<entry>{''.join(parts)}<author><name>Branch Secretary</name></author></entry>"


def atom(*entries: str, next_href: str | None = None, prolog: str = "") -> Response:
    """A Blogger Atom feed page."""
    nxt = f"<link rel='next' type='application/atom+xml' href='{next_href}'/>" if next_href else ""
    text = (f"<?xml version='1.0' encoding='UTF-8'?>{prolog}<feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<id>tag:blogger.com,1999:blog-{BLOG_ID}</id><title type='text'>Branch blog</title>{nxt}"
            f"{''.join(entries)}</feed>")
    return Response.text(text, content_type=ATOM)


def blog_index(*posts: tuple[str, str, str], older: str | None = None, wrap: Callable[[str], str] = str) -> str:
    """A classic-template Blogger home page of (post id, title, permalink) posts, without a feed."""
    blocks = "".join(
        f"<div class='post-outer'><div class='post hentry'><meta content='{post}' itemprop='postId'/>"
        f"<h3 class='post-title entry-title'><a href='{link}'>{title}</a></h3>"
        f"<div class='post-body entry-content'>{wrap('<p>Stewards met the council about the office move.</p>')}"
        f"</div><div class='post-footer'><abbr class='published' title='2012-03-21T10:15:00+00:00'>10:15</abbr>"
        f"</div></div></div>" for post, title, link in posts)
    pager = f"<a class='blog-pager-older-link' href='{older}'>Older Posts</a>" if older else ""
    return (f"<html><head><meta charset='utf-8'><title>Branch blog</title></head><body><div class='blog-posts'>"
            f"<div class='date-outer'><h2 class='date-header'><span>Wednesday, 21 March 2012</span></h2>"
            f"{blocks}</div></div><div id='blog-pager'>{pager}</div></body></html>")


def html(text: str | bytes, content_type: str = HTML_UTF8, status: int = 200) -> Response:
    """An HTML answer of exactly these bytes (str is UTF-8 encoded)."""
    body = text.encode("utf-8") if isinstance(text, str) else text
    return Response(status, body, {"Content-Type": content_type})


def deterministic_bytes(size: int, seed: str) -> bytes:
    """Incompressible but reproducible bytes."""
    blocks = (hashlib.sha256(f"{seed}:{i}".encode()).digest() for i in range(size // 32 + 1))
    return b"".join(blocks)[:size]


def fifty_megabyte_page() -> Response:
    """A motion page padded to 50 MB."""
    return html(motion_page(body="x" * (50 * 1024 * 1024)))


def gzip_bomb() -> Response:
    """About 100 KB on the wire that inflate to 100 MB."""
    return Response(200, _bomb(), {"Content-Type": HTML_UTF8, "Content-Encoding": "gzip"})


@cache
def _bomb() -> bytes:
    """The compressed zeros of the gzip bomb."""
    return gzip.compress(b"\0" * (100 * 1024 * 1024), compresslevel=9)


def nested(depth: int) -> Callable[[str], str]:
    """Wrap content in `depth` unclosed-then-closed divs."""
    return lambda inner: "<div>" * depth + inner + "</div>" * depth


def redirect(location: str) -> Response:
    """A 301 to `location`."""
    return Response.redirect(location)


BILLION_LAUGHS = ("<!DOCTYPE feed [<!ENTITY a 'haha'>" + "".join(
    f"<!ENTITY {chr(98 + i)} '{('&' + chr(97 + i) + ';') * 10}'>" for i in range(9)) + "]>")
EXTERNAL_ENTITY = "<!DOCTYPE feed [<!ENTITY secret SYSTEM 'file:///etc/passwd'>]>"
POSTS = (("11", "First post", f"http://{HOST}/2012/03/first.html"),)

CASES: list[Case] = [
    # Malformed, truncated and hostile HTML.
    Case("motion-malformed-html", "unison_motions", motions_site(html(
        "<html><head><title>Defend local jobs</title><body><main><article><h1>Defend local jobs"
        "<p><a href=/policy-motions/>Back to all Motions</a><p>2010 National Delegate Conference<p>12 June 2010"
        f"<p>Carried</span></div><p class=x y=>Conference notes the <b>plan.<p>{RESOLVES}</article>")),
        Record({"title": "Defend local jobs", "decision": "Carried",
                "published_at": datetime(2010, 6, 12, tzinfo=UTC)}, body_has=("Conference notes the plan.",)),
        "unclosed p and h1, stray end tags, unquoted and empty attributes"),
    Case("motion-truncated-html", "unison_motions", motions_site(html(motion_page(tail="")[:-30])),
         Record({"title": "Defend local jobs", "decision": "Carried"}, body_has=("Conference resolves to campaign",)),
         "the page stops in the middle of a paragraph, no closing tags"),
    Case("motion-deeply-nested", "unison_motions", motions_site(html(
        motion_page(body=nested(20_000)("Deep inside: a shared service centre.")))),
        Record({"title": "Defend local jobs"}),
        "20,000 nested divs in the body"),
    Case("motion-50mb-page", "unison_motions", motions_site(fifty_megabyte_page),
         Failure("too large"), "a 50 MB motion page (the cap is 10 MB)"),
    Case("motion-gzip-bomb", "unison_motions", motions_site(gzip_bomb),
         Failure("too large: over"), "100 KB of gzip that inflates to 100 MB"),
    Case("motion-binary-as-html", "unison_motions", motions_site(html(
        b"\x89PNG\r\n\x1a\n" + deterministic_bytes(64 * 1024, "png"))),
        Failure("unparseable motion page"), "image bytes served as text/html"),
    Case("motion-empty-page", "unison_motions", motions_site(html(b"")),
         Failure("unparseable motion page"), "200 with an empty body"),
    Case("motion-nul-and-control-bytes", "unison_motions", motions_site(html(
        motion_page(body="Shared\x00 services\x07 and back\x1b office cuts."))),
        Record({"title": "Defend local jobs"}, body_has=(" services and back office cuts.",),
               body_lacks=("\x00", "\x07", "\x1b")),
        "NUL and control characters inside the text (the HTML parser shows NUL as U+FFFD)"),
    # Charsets.
    Case("motion-wrong-charset-header", "unison_motions", motions_site(html(
        motion_page(body="Savings of \xa350 million.", head="").encode("cp1252"))),
        Record({"title": "Defend local jobs"}, body_has=("Savings of \ufffd50 million.",)),
        "cp1252 bytes but the header says UTF-8: the header wins, as in a browser"),
    Case("motion-missing-charset", "unison_motions", motions_site(html(
        motion_page(body="The \u201cshared service\u201d plan costs \xa350 million.", head="").encode("cp1252"),
        content_type="text/html")),
        Record({"title": "Defend local jobs"}, body_has=("The \u201cshared service\u201d plan costs \xa350 million.",)),
        "no charset anywhere and bytes that are not UTF-8: read as Windows-1252"),
    Case("motion-latin1-meta", "unison_motions", motions_site(html(
        motion_page(body="Members\u2019 jobs.", head="<meta charset='iso-8859-1'>").encode("cp1252"),
        content_type="text/html")),
        Record({"title": "Defend local jobs"}, body_has=("Members\u2019 jobs.",)),
        "<meta> says latin-1 but the page uses cp1252 quotes"),
    Case("motion-unknown-charset", "unison_motions", motions_site(html(
        motion_page(body="Caf\xe9 staff.").encode("utf-8"), content_type="text/html; charset=klingon")),
        Record({"title": "Defend local jobs"}, body_has=("Caf\xe9 staff.",)),
        "a charset Python does not know: fall back to the <meta> UTF-8"),
    Case("motion-utf16-bom", "unison_motions", motions_site(html(
        b"\xff\xfe" + motion_page(body="Caf\xe9 staff.", head="").encode("utf-16-le"), content_type="text/html")),
        Record({"title": "Defend local jobs"}, body_has=("Caf\xe9 staff.",)),
        "UTF-16 with a byte-order mark"),
    Case("motion-mixed-encodings", "unison_motions", motions_site(html(
        motion_page(body="Caf\xe9 staff").encode("utf-8").replace(b"staff", b"staff\x92s jobs"))),
        Record({"title": "Defend local jobs"}, body_has=("Caf\xe9 staff\ufffds jobs",)),
        "UTF-8 page with one stray cp1252 byte: the declared UTF-8 keeps every other character"),
    # Titles and dates.
    Case("motion-title-only-whitespace", "unison_motions", motions_site(html(
        motion_page(title=" \u00a0\t ").replace("| UNISON National", ""))),
        Failure("no title"), "h1 and <title> hold only whitespace"),
    Case("motion-missing-date", "unison_motions", motions_site(html(
        motion_page().replace("<p>12 June 2010</p>", ""))),
        Record({"title": "Defend local jobs", "published_at": None, "decision": "Carried"},
               held="published_at: missing"),
        "no date line: kept, but held back by the quality gate"),
    Case("motion-iso-date", "unison_motions", motions_site(html(motion_page(date="2010-06-12"))),
         Record({"published_at": datetime(2010, 6, 12, tzinfo=UTC), "decision": "Carried"}),
         "the date line in ISO form"),
    Case("motion-future-date", "unison_motions", motions_site(html(motion_page(date="12 June 2099"))),
         Record({"published_at": datetime(2099, 6, 12, tzinfo=UTC)}, held="published_at: 2099-06-12 is after"),
         "a date in the future is kept as the source states it, and held back"),
    Case("motion-impossible-date", "unison_motions", motions_site(html(motion_page().replace(
        "<p>2010 National Delegate Conference</p><p>12 June 2010</p><p>Carried</p>",
        "<dl><dt>Conference</dt><dd>2010 National Delegate Conference</dd><dt>Date</dt><dd>31 February 2010</dd>"
        "<dt>Decision</dt><dd>Carried</dd></dl>"))),
        Record({"published_at": None, "decision": "Carried"}, body_lacks=("31 February 2010",),
               held="published_at: missing"),
        "a labelled date that does not exist"),
    # Links, redirects and pagination.
    Case("listing-relative-links", "unison_motions",
         motions_site(html(motion_page()), href="../motions/2010/national-delegate-conference/defend-local-jobs/"),
         Record({"url": f"http://{HOST}{MOTION}"}), "listing links relative to the listing"),
    Case("listing-protocol-relative-links", "unison_motions",
         motions_site(html(motion_page()), href=f"//{HOST}{MOTION}"),
         Record({"url": f"http://{HOST}{MOTION}"}), "listing links without a scheme"),
    Case("listing-endless-pagination", "unison_motions",
         {LISTING: listing(MOTION), MOTION: html(motion_page()),
          **{f"{LISTING}page/{n}/": listing(MOTION) for n in range(2, 3000)}},
         Record({"url": f"http://{HOST}{MOTION}"}, max_requests=8),
         "every listing page N answers with the same motion, for ever"),
    Case("motion-redirect-loop", "unison_motions",
         motions_site(redirect("/loop-b/"), **{"/loop-b/": redirect(MOTION)}),
         Failure("more than 5 redirects"), "the motion page redirects in a circle"),
    Case("motion-redirect-to-ftp", "unison_motions", motions_site(redirect("ftp://127.0.0.1/motion.html")),
         Failure("non-http(s)"), "a redirect to ftp:"),
    Case("motion-redirect-to-file", "unison_motions", motions_site(redirect("file:///etc/passwd")),
         Failure("non-http(s)"), "a redirect to a local file"),
    Case("motion-redirect-to-javascript", "unison_motions", motions_site(redirect("javascript:alert(1)")),
         Failure("non-http(s)"), "a redirect to javascript:"),
    Case("motions-one-good-one-bomb", "unison_motions",
         {LISTING: listing(MOTION, OTHER_MOTION), MOTION: html(motion_page()), OTHER_MOTION: gzip_bomb},
         Record({"url": f"http://{HOST}{MOTION}"}, failure="too large: over"),
         "one motion page is a gzip bomb: the other motion is kept, the bomb recorded"),
    Case("motions-listing-page-2-forbidden", "unison_motions",
         {LISTING: listing(MOTION), MOTION: html(motion_page()), f"{LISTING}page/2/": html("no", status=403)},
         Failure("listing page answered HTTP 403", whole_source=True),
         "the listing breaks off after its first page: nothing of the source is kept"),
    Case("motions-empty-site", "unison_motions", {LISTING: listing()},
         Failure("no motion links on the first listing page", whole_source=True), "a listing without motions"),
    Case("motions-nothing-there", "unison_motions", {},
         Failure("listing page answered HTTP 404", whole_source=True), "every URL answers 404"),
    # Feeds.
    Case("feed-invalid-xml", "blogger", {FEED: Response.text("<?xml version='1.0'?><feed><<<&&&>>", 200, ATOM)},
         Failure("feed is not parseable XML", whole_source=True), "not XML at all"),
    Case("feed-binary-garbage", "blogger", {FEED: Response(200, deterministic_bytes(4096, "feed"),
                                                            {"Content-Type": ATOM})},
         Failure("feed is not parseable XML", whole_source=True), "random bytes served as Atom"),
    Case("feed-truncated-xml", "blogger", {FEED: Response(200, atom(entry("1"), entry("2")).body[:-200],
                                                           {"Content-Type": ATOM})},
         Record({"title": "Branch news", "url": f"http://{HOST}/2012/03/post-1.html"}, documents=None),
         "a feed cut off inside its second entry: the entries before the cut are kept"),
    Case("feed-billion-laughs", "blogger", {FEED: atom(entry("1", title="Laughs &i;"), prolog=BILLION_LAUGHS)},
         Record({"url": f"http://{HOST}/2012/03/post-1.html", "title": "Laughs &i;"}, body_has=("Members met",)),
         "nested entity definitions that would expand to gigabytes: never expanded"),
    Case("feed-external-entity", "blogger",
         {FEED: atom(entry("1", content="<p>Leak: &secret;</p>").replace("&amp;secret;", "&secret;"),
                     prolog=EXTERNAL_ENTITY)},
         Record({"url": f"http://{HOST}/2012/03/post-1.html"}, body_lacks=("root:",)),
         "an external entity pointing at /etc/passwd must never be read"),
    Case("feed-missing-dates", "blogger", {FEED: atom(entry("1", published=None))},
         Record({"title": "Branch news", "published_at": None}, held="published_at: missing"),
         "an entry without published or updated"),
    Case("feed-missing-ids", "blogger", {FEED: atom(entry("1", entry_id=None))},
         Record({"url": f"http://{HOST}/2012/03/post-1.html", "title": "Branch news"}),
         "an entry without an id: its permalink is its key"),
    Case("feed-entry-without-link-or-id", "blogger",
         {FEED: atom(entry("1"), entry("2", entry_id=None, link=None))},
         Record({"url": f"http://{HOST}/2012/03/post-1.html"}),
         "an entry with neither id nor permalink cannot be kept; the other is"),
    Case("feed-date-in-2099", "blogger", {FEED: atom(entry("1", published="2099-01-01T00:00:00.000+00:00"))},
         Record({"published_at": datetime(2099, 1, 1, tzinfo=UTC)}, held="is after"),
         "a future date is kept as stated, and held back"),
    Case("feed-date-year-9999", "blogger", {FEED: atom(entry("1", published="9999-12-31T23:59:59.000-14:00"))},
         Record({"title": "Branch news", "published_at": None}, held="published_at: missing"),
         "a date beyond any real one (and beyond UTC's range) is unreadable, not fatal"),
    Case("feed-date-rfc822", "blogger", {FEED: atom(entry("1", published="Wed, 21 Mar 2012 10:15:00 GMT"))},
         Record({"published_at": datetime(2012, 3, 21, 10, 15, tzinfo=UTC)}), "an RSS-style date in Atom"),
    Case("feed-date-unreadable", "blogger", {FEED: atom(entry("1", published="21/03/2012 at teatime"))},
         Record({"title": "Branch news", "published_at": None}, held="published_at: missing"),
         "a date in no known format"),
    Case("feed-title-only-whitespace", "blogger", {FEED: atom(entry("1", title=" \u00a0\t "))},
         Record({"title": "Members met on Tuesday.", "url": f"http://{HOST}/2012/03/post-1.html"},
                body_has=("Members met",)),
         "an untitled post (Blogger allows them): titled by its first words"),
    Case("feed-duplicate-ids-across-pages", "blogger",
         {FEED: atom(entry("1", title="Newest edit"), entry("2"), next_href=f"http://{HOST}/feed-2.xml"),
          "/feed-2.xml": atom(entry("1", title="Older copy"), entry("3"))},
         Record({"url": f"http://{HOST}/2012/03/post-1.html", "title": "Newest edit"}, documents=3),
         "the same post on two feed pages: one document, the newest"),
    Case("feed-next-loop", "blogger",
         {FEED: atom(entry("1"), next_href=f"http://{HOST}/feed-2.xml"),
          "/feed-2.xml": atom(entry("2"), next_href=f"http://{HOST}/feed-3.xml"),
          "/feed-3.xml": atom(entry("3"), next_href=f"http://{HOST}/feed-2.xml")},
         Record({"url": f"http://{HOST}/2012/03/post-3.html"}, documents=3, max_requests=6),
         "rel=next leads back to an earlier page"),
    Case("feed-endless-pagination", "blogger",
         {FEED: atom(entry("1"), next_href=f"http://{HOST}/feed-2.xml"),
          **{f"/feed-{n}.xml": atom(entry("1"), next_href=f"http://{HOST}/feed-{n + 1}.xml")
             for n in range(2, 2000)}},
         Record({"url": f"http://{HOST}/2012/03/post-1.html"}, max_requests=6),
         "every page links to a new next page holding the same post"),
    # Blogger HTML pages (no feed).
    Case("blog-empty-site", "blogger", {}, Failure("blog home page answered HTTP 404", whole_source=True),
         "no feed and no home page"),
    Case("blog-empty-home-page", "blogger", {"/": html("")},
         Failure("no posts found on the blog home page", whole_source=True), "a home page with nothing on it"),
    Case("blog-relative-links", "blogger",
         {"/": html(blog_index(("11", "First post", "2012/03/first.html"),
                               ("12", "Second post", f"//{HOST}/2012/03/second.html")))},
         Record({"url": f"http://{HOST}/2012/03/second.html", "title": "Second post"}, documents=2),
         "relative and protocol-relative permalinks"),
    Case("blog-title-only-whitespace", "blogger", {"/": html(blog_index(("11", " \u00a0 ", POSTS[0][2])))},
         Record({"title": "Stewards met the council about the office move.",
                 "url": f"http://{HOST}/2012/03/first.html"}),
         "an untitled post on the home page: titled by its first words"),
    Case("blog-deeply-nested", "blogger", {"/": html(blog_index(*POSTS, wrap=nested(20_000)))},
         Record({"url": f"http://{HOST}/2012/03/first.html"}), "20,000 nested divs in a post body"),
    Case("blog-endless-older-pages", "blogger",
         {"/": html(blog_index(*POSTS, older=f"http://{HOST}/older-2")),
          **{f"/older-{n}": html(blog_index(*POSTS, older=f"http://{HOST}/older-{n + 1}")) for n in range(2, 2000)}},
         Record({"url": f"http://{HOST}/2012/03/first.html"}, max_requests=6),
         "every older-posts page links to yet another, all showing the same post"),
    # The generic fetcher.
    Case("fetch-binary-as-html", "fetch", {FETCH_PATH: html(deterministic_bytes(4096, "bin"))},
         Record({"status": 200}), "binary served as text/html is returned verbatim for the parser to judge"),
    Case("fetch-wrong-content-type", "fetch",
         {FETCH_PATH: Response(200, b"%PDF-1.4", {"Content-Type": "application/pdf"})},
         Failure("content type 'application/pdf' is not html"), "a PDF where a page was expected"),
    Case("fetch-redirect-protocol-relative", "fetch",
         {FETCH_PATH: redirect(f"//{HOST}/target"), "/target": html("<p>here</p>")},
         Record({"status": 200, "final_url": f"http://{HOST}/target"}), "a Location without a scheme"),
    Case("fetch-redirect-to-data-uri", "fetch", {FETCH_PATH: redirect("data:text/html,<h1>hi</h1>")},
         Failure("non-http(s)"), "a redirect to a data: URI"),
    Case("fetch-gzip-bomb", "fetch", {FETCH_PATH: gzip_bomb}, Failure("too large: over"),
         "the bomb through the fetcher alone"),
]

# Loaded by one real ingest run as well: every whole-source failure, a source that keeps a record beside a
# failure, the inputs that once crashed a run, and records the quality gate holds back.
INGESTED = frozenset({
    "motions-listing-page-2-forbidden", "motions-empty-site", "motions-nothing-there", "feed-invalid-xml",
    "feed-binary-garbage", "blog-empty-site", "blog-empty-home-page", "motions-one-good-one-bomb",
    "motion-deeply-nested", "blog-deeply-nested", "feed-date-year-9999", "listing-endless-pagination",
    "feed-duplicate-ids-across-pages", "feed-billion-laughs", "motion-missing-date", "feed-title-only-whitespace",
})
