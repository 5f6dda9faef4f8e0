"""Deterministic synthetic union web for benchmarks: thousands of motions and blog posts served on loopback.

`build_corpus(docs, seed)` makes the same Motion / BlogPost (and, behind a flag, WordPress) objects for the
same arguments on every machine: bodies of 1-4 KB of original sample prose, and a known share of items
mentioning each topic, labelled with `expected_topics` as demo/content.py does. `serve_corpus` puts them
behind the bundled demo sites (one motions database, several Blogger blogs, so hosts crawl in parallel).

Each site sits behind `Prerendered`, a page cache like the one in front of any CMS: pages are rendered once
(at start-up, by walking the pages a crawl will ask for), so a benchmark measures the crawler, not the demo
sites' per-request rendering. `python -m benchmarks.synthetic --docs N [--sources FILE]` serves a corpus in
its own process (so the sites' CPU and memory never count against the crawler) and prints the sites as one
JSON line; with --control it answers `stats` and `reset` on stdin until stdin closes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import math
import random
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from demo.content import BACK_OFFICE_CUTS, LIST_ITEM, SHARED_SERVICES, BlogPost, Comment, Motion
from demo.server import Request, Response, Site, SiteServer
from demo.sites.blogger import FEED_PATH, BloggerSite
from demo.sites.motions import LISTING, MotionsSite

if TYPE_CHECKING:
    from demo.wordpress_content import WPPost

SEED = 20_240_611
TOPIC_SHARE = 0.10  # of every kind of item, independently per topic
BODY_CHARS = (1000, 3600)  # plain-text target; the last paragraph and actions add up to ~0.5 KB
FIRST_YEAR, LAST_YEAR = 2006, 2025
MOTIONS_PER_PAGE = 20
BLOG_PAGE_SIZE = 10
MOTIONS_SHARE = 0.4  # the rest are blog posts (and WordPress posts when enabled)
WORDPRESS_SHARE = 0.25  # of all documents, taken from the blogs' share, when WordPress is enabled
UTC = dt.UTC
BST = dt.timezone(dt.timedelta(hours=1))
PST = dt.timezone(dt.timedelta(hours=-8))


@dataclass(frozen=True)
class BlogSpec:
    """One synthetic Blogger blog: its name, whether it has a feed, and how it prints dates."""

    name: str
    feed: bool
    locale: str
    zone: dt.timezone


BLOGS = (
    BlogSpec("Northfield City UNISON (synthetic)", True, "en-GB", UTC),
    BlogSpec("Eastmoor Health Branch (synthetic)", True, "en-GB", BST),
    BlogSpec("Kelvinside Activists (synthetic)", True, "en-GB", UTC),
    BlogSpec("Harrowgate Retired Members (synthetic)", True, "en-US", PST),
    BlogSpec("Westhaven Branch News (synthetic)", False, "en-GB", UTC),  # no feed: HTML index pages
)
WORDPRESS_SITES = ("Strand Valley UNISON (synthetic)", "Ashby Health UNISON (synthetic)")

COUNCILS = (
    "Northfield City Council", "Eastmoor District Council", "Kelvinside Borough Council",
    "Harrowgate County Council", "Strand Valley Council", "Westhaven Council", "Ashby Health Board",
    "Riverside NHS Trust", "Moorcroft Police Authority", "Greystone University",
)
SERVICES = (
    "home care", "school meals", "libraries", "refuse collection", "housing repairs", "payroll",
    "revenues and benefits", "social work", "street cleaning", "leisure centres", "school transport",
    "parks maintenance", "residential care", "HR advice", "IT support", "customer contact",
)
WORKERS = ("care workers", "school support staff", "cleaners", "porters", "library staff", "social workers",
           "catering staff", "call handlers", "housing officers", "nursery nurses")
GROUPS = {
    "local-government": "Local Government Service Group Conference",
    "health-care": "Health Care Service Group Conference",
    "national-delegate-conference": "National Delegate Conference",
    "police-and-justice": "Police and Justice Service Group Conference",
}
DECISIONS = ("Carried", "Carried as Amended", "Referred", "Remitted", "Lost", None)
LABELS = ("branch news", "pay", "ballot", "health and safety", "pensions", "equality", "AGM", "bargaining")
TOPIC_LABELS = {SHARED_SERVICES: "shared services", BACK_OFFICE_CUTS: "cuts"}
FIRST_NAMES = ("Aileen", "Bashir", "Carys", "Dev", "Eilidh", "Femi", "Gordon", "Hana", "Iain", "Joyce")
SURNAMES = ("Ahmed", "Baird", "Campbell", "Doyle", "Evans", "Fraser", "Grant", "Hughes", "Khan", "Lewis")

# Original sample prose. None of it mentions either topic: only the TOPIC_SENTENCES below do.
NEUTRAL = (
    "{council} has cut its {service} budget by {pct} per cent over the last {n} years.",
    "Members working in {service} report that workloads have risen while staffing has stayed flat.",
    "The branch surveyed {n}0 members in {month} and most said they had considered leaving the job.",
    "Pay for {workers} has fallen behind inflation in every year since {year}.",
    "Stewards will hold drop-in sessions at every depot and school during {month}.",
    "{council} refused to meet the branch until the dispute was referred to conciliation.",
    "Agency spending on {service} rose to more than £{n} million last year, money that could fund permanent posts.",
    "The employer's own equality impact assessment shows that women will be hit hardest by the changes.",
    "A consultative ballot closes on {day} {month}, and every member should have received a paper.",
    "Conference recognises the dedication of {workers}, who kept services running throughout the pandemic.",
    "Sickness absence among {workers} has doubled, and stress is the most common reason given.",
    "The branch will support any member who is asked to take on duties above their grade without extra pay.",
    "Negotiators secured a commitment that no member will be made compulsorily redundant this year.",
    "Job evaluation must be completed before any new structure is agreed, as the national agreement requires.",
    "Members in {service} voted by {pct} per cent to reject the proposed changes to shift patterns.",
    "{council} plans to close {n} community buildings and sell the land for housing.",
    "The pension fund has increased employer contributions, and members are asking what this means for them.",
    "Training for new stewards runs over {n} Saturdays in {month}; places are limited.",
    "Lone working policies in {service} have not been reviewed since {year}, despite two serious incidents.",
    "The national executive has written to every MP asking them to support fair funding for councils.",
    "Low pay remains concentrated among part-time and black workers, many of whom rely on in-work benefits.",
    "Residents told the scrutiny committee that waiting times for {service} have never been longer.",
    "The regional organiser will attend the next branch committee to report on the negotiations.",
    "Any member who has been asked to reapply for their own job should contact the branch immediately.",
    "{council} has agreed to pay the real living wage to all directly employed staff from April.",
    "Contracts for {service} come up for renewal in {year}, and the branch wants the work brought in-house.",
    "Members deserve proper facility time for union duties, and the employer has agreed to review it.",
    "A petition signed by {n}00 residents was handed in at the full council meeting in {month}.",
    "Health and safety representatives found that {n} of the sites visited had no working heating.",
    "The branch welcomes the decision to extend flexible working to {workers}.",
)
TOPIC_SENTENCES = {
    SHARED_SERVICES: (
        "{council} wants to move {service} into a shared service centre run jointly with two neighbouring "
        "authorities.",
        "Members were told that shared services would save money, but no business case has been published.",
        "A shared-service company set up in {year} now handles {service} for four public bodies.",
        "Experience elsewhere shows that shared service arrangements rarely deliver the savings promised.",
        "Staff transferred to the regional shared service centre lost their local bargaining rights.",
        "The branch will oppose any plan to put {service} into shared services without full consultation.",
    ),
    BACK_OFFICE_CUTS: (
        "Management want back-office cuts of {pct} per cent before the end of the financial year.",
        "The budget assumes savings of £{n} million from the back office, which means fewer staff in finance.",
        "Back office staff in {service} have already faced three rounds of cuts since {year}.",
        "Rationalising the back office will mean {n}0 job losses across {council}, the report admits.",
        "The employer calls it back-office consolidation; for our members it means redundancy.",
        "Further reductions in back office posts would leave {workers} without any administrative support.",
    ),
}
ACTIONS = (
    "campaign for fair funding for {service};",
    "publish bargaining advice for branches facing restructuring;",
    "press {council} to negotiate with the recognised unions;",
    "support branches in balloting members where jobs are threatened;",
    "report back to next year's conference on progress;",
    "work with service users and community groups to defend {service};",
)
MOTION_TITLES = (
    "Defending {Service}", "Fair Pay for {Workers}", "Investing in {Service}", "Safe Staffing in {Service}",
    "Bringing {Service} Back In-House", "Ending Low Pay for {Workers}", "The Future of {Service}",
    "Protecting Pensions", "Workload and Stress Among {Workers}", "Equal Pay Claims",
)
POST_TITLES = (
    "Branch update: {month} {year}", "{Service}: what the new proposals mean", "Ballot result for {workers}",
    "Why we are campaigning on {service}", "Report from the {month} branch meeting",
    "{council} budget consultation", "Pay offer: have your say", "Stewards needed in {service}",
)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
COMMENTS = ("Thanks for the update.", "Will there be an evening meeting for shift workers?",
            "Solidarity from the health branch.", "Can we get copies for the depot noticeboard?")


@dataclass
class Corpus:
    """Everything the synthetic sites serve, with each item's expected topics."""

    motions: list[Motion]
    blogs: list[tuple[BlogSpec, list[BlogPost]]]
    wordpress: list[tuple[str, list[WPPost]]] = field(default_factory=list)

    def items(self) -> Iterator[Motion | BlogPost | WPPost]:
        """Every item on every site."""
        yield from self.motions
        for _, posts in self.blogs + self.wordpress:
            yield from posts

    def expected(self) -> dict[str, int]:
        """How many documents exist, how many mention each topic, and how many a correct run flags."""
        topics = Counter(topic for item in self.items() for topic in item.expected_topics)
        flagged = sum(1 for item in self.items() if item.expected_topics)
        return {"documents": sum(1 for _ in self.items()), **topics, "flagged": flagged}


class _Writer:
    """Draws sentences, titles and dates from one seeded random stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def fill(self, template: str) -> str:
        """A template with its placeholders drawn at random."""
        service, workers = self.rng.choice(SERVICES), self.rng.choice(WORKERS)
        return template.format(
            council=self.rng.choice(COUNCILS), service=service, Service=service[:1].upper() + service[1:],
            workers=workers, Workers=workers.title(), n=self.rng.randint(2, 9), pct=self.rng.randint(3, 40),
            year=self.rng.randint(FIRST_YEAR, LAST_YEAR), month=MONTHS[self.rng.randrange(12)],
            day=self.rng.randint(1, 28),
        )

    def topics(self) -> frozenset[str]:
        """Which topics the next item mentions: each with probability TOPIC_SHARE."""
        return frozenset(topic for topic in (SHARED_SERVICES, BACK_OFFICE_CUTS) if self.rng.random() < TOPIC_SHARE)

    def paragraphs(self, topics: frozenset[str]) -> list[str]:
        """Paragraphs of 2-5 sentences totalling BODY_CHARS, one sentence per topic placed at random."""
        target = self.rng.randint(*BODY_CHARS)
        paragraphs: list[list[str]] = []
        size = 0
        while size < target:
            paragraph = [self.fill(template) for template in self.rng.sample(NEUTRAL, self.rng.randint(2, 5))]
            paragraphs.append(paragraph)
            size += sum(len(sentence) + 1 for sentence in paragraph)
        for topic in sorted(topics):
            paragraph = self.rng.choice(paragraphs)
            paragraph.insert(self.rng.randint(0, len(paragraph)), self.fill(self.rng.choice(TOPIC_SENTENCES[topic])))
        return [" ".join(paragraph) for paragraph in paragraphs]

    def moment(self, first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> dt.datetime:
        """A minute between the start of `first_year` and the end of `last_year` (naive)."""
        start = dt.datetime(first_year, 1, 1)
        span = int((dt.datetime(last_year + 1, 1, 1) - start).total_seconds() // 60)
        return start + dt.timedelta(minutes=self.rng.randrange(span))

    def person(self) -> str:
        """An author's name."""
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(SURNAMES)}"


def _slug(title: str, index: int) -> str:
    """A URL slug unique within its site."""
    return f"{re.sub(r'[^a-z0-9]+', '-', title.lower()).strip('-')[:60]}-{index}"


def _motion(writer: _Writer, index: int) -> Motion:
    """One motion: paragraphs, then an instruction and 3-5 numbered actions."""
    rng, topics = writer.rng, writer.topics()
    year = rng.randint(FIRST_YEAR, LAST_YEAR)
    group = rng.choice(sorted(GROUPS))
    title = writer.fill(rng.choice(MOTION_TITLES))
    actions = [LIST_ITEM + writer.fill(rng.choice(ACTIONS)) for _ in range(rng.randint(3, 5))]
    body = [*writer.paragraphs(topics), "Conference therefore instructs the Service Group Executive to:", *actions]
    return Motion(
        slug=_slug(title, index), year=year, group=group, title=title, conference=f"{year} {GROUPS[group]}",
        date=dt.date(year, rng.randint(1, 5), rng.randint(1, 28)), decision=rng.choice(DECISIONS),
        layout=rng.choice("abc"), body=body, expected_topics=topics,
    )


def _post_html(writer: _Writer, paragraphs: list[str]) -> str:
    """A post body as Blogger editors save it: `<p>` blocks, or text split by double `<br />`."""
    escaped = [html.escape(paragraph, quote=False) for paragraph in paragraphs]
    if writer.rng.random() < 0.5:
        return "\n".join(f"<p>{paragraph}</p>" for paragraph in escaped)
    return "<br /><br />".join(escaped)


def _blog_post(writer: _Writer, blog_index: int, spec: BlogSpec, index: int) -> BlogPost:
    """One Blogger post on blog number `blog_index`."""
    rng, topics = writer.rng, writer.topics()
    title = writer.fill(rng.choice(POST_TITLES))
    published = writer.moment(2008).replace(tzinfo=spec.zone)
    labels = sorted({rng.choice(LABELS), *(TOPIC_LABELS[topic] for topic in topics)})
    return BlogPost(
        post_id=str(7_000_000_000_000_000_000 + blog_index * 10**12 + index),
        blog_id=str(5_100_000_000_000_000_000 + blog_index), slug=_slug(title, index), title=title,
        published=published, author=writer.person(), labels=labels,
        body_html=_post_html(writer, writer.paragraphs(topics)),
        comments=[Comment(writer.person(), rng.choice(COMMENTS)) for _ in range(rng.randint(0, 2))],
        expected_topics=topics,
        updated=published + dt.timedelta(hours=rng.randint(1, 48)) if rng.random() < 0.2 else None,
    )


def _wordpress_post(writer: _Writer, site_index: int, index: int) -> WPPost:
    """One WordPress post (imported here: WordPress sites are optional)."""
    from demo.wordpress_content import WP_AUTHORS, WPPost

    rng, topics = writer.rng, writer.topics()
    title = writer.fill(rng.choice(POST_TITLES))
    paragraphs = writer.paragraphs(topics)
    return WPPost(
        post_id=100_000 * (site_index + 1) + index, slug=_slug(title, index), title=title,
        published=writer.moment(2012).replace(tzinfo=UTC), author=rng.choice(sorted(WP_AUTHORS)),
        categories=[rng.choice(("Branch news", "Campaigns", "Bargaining"))], tags=[rng.choice(LABELS)],
        body_html="\n".join(f"<!-- wp:paragraph -->\n<p>{html.escape(p, quote=False)}</p>\n<!-- /wp:paragraph -->"
                            for p in paragraphs),
        expected_topics=topics,
    )


def split(docs: int, wordpress: bool) -> tuple[int, list[int], list[int]]:
    """How many motions, posts per blog and posts per WordPress site make up `docs` documents."""
    wp_total = round(docs * WORDPRESS_SHARE) if wordpress else 0
    motions = round(docs * MOTIONS_SHARE)
    blog_total = docs - motions - wp_total
    blogs = [blog_total // len(BLOGS) + (i < blog_total % len(BLOGS)) for i in range(len(BLOGS))]
    sites = len(WORDPRESS_SITES)
    wp = [wp_total // sites + (i < wp_total % sites) for i in range(sites)] if wordpress else []
    return motions, blogs, wp


def build_corpus(docs: int, seed: int = SEED, *, wordpress: bool = False) -> Corpus:
    """The same `docs` items for the same `seed`: motions, posts on every blog, optionally WordPress posts."""
    writer = _Writer(random.Random(seed))
    motion_count, blog_counts, wp_counts = split(docs, wordpress)
    motions = [_motion(writer, i) for i in range(motion_count)]
    blogs = [(spec, [_blog_post(writer, b, spec, i) for i in range(count)])
             for b, (spec, count) in enumerate(zip(BLOGS, blog_counts, strict=True))]
    sites = [(name, [_wordpress_post(writer, s, i) for i in range(count)])
             for s, (name, count) in enumerate(zip(WORDPRESS_SITES, wp_counts, strict=False))]
    return Corpus(motions, blogs, sites)


class Prerendered:
    """A page cache in front of a Site: each distinct request is rendered once, then replayed."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self._pages: dict[tuple, Response] = {}
        self._lock = threading.Lock()
        self.misses = 0  # renders while serving, after start-up

    def handle(self, request: Request) -> Response:
        """The cached answer to `request`, rendering it on first sight."""
        key = (request.path, tuple(sorted((k, tuple(v)) for k, v in request.query.items())), request.host_url)
        with self._lock:
            page = self._pages.get(key)
        if page is None:
            page = self.site.handle(request)
            with self._lock:
                self._pages[key] = page
                self.misses += 1
        return page

    def render(self, netloc: str, target: str) -> Response:
        """Answer `target` ("/path?query") as if requested at `netloc`, caching it."""
        parts = urlsplit(target)
        return self.handle(Request("GET", parts.path, parse_qs(parts.query, keep_blank_values=True),
                                   {"Host": netloc}))

    @property
    def size(self) -> int:
        """Pages held."""
        return len(self._pages)


# The REST API listing as the WordPress extractor walks it: 100 posts a page, last modified first.
WP_API_PAGE = "/wp-json/wp/v2/posts?per_page=100&page={page}&orderby=modified&order=desc&_embed=author,wp:term"
NEXT_FEED = re.compile(r"<link rel='next' type='application/atom\+xml' href='([^']+)'/>")
OLDER_POSTS = re.compile(r"<a class='blog-pager-older-link' href='([^']+)'")


def _follow(cache: Prerendered, netloc: str, target: str, link: re.Pattern[str]) -> None:
    """Render `target` and every page reached through `link`, as a crawl walking the pages would."""
    seen: set[str] = set()
    while target and target not in seen:
        seen.add(target)
        body = cache.render(netloc, target).body.decode("utf-8")
        match = link.search(body)
        target = ""
        if match:
            parts = urlsplit(html.unescape(match[1]))
            target = parts.path + (f"?{parts.query}" if parts.query else "")


def warm_motions(cache: Prerendered, netloc: str, motions: list[Motion], per_page: int) -> None:
    """Every listing page (all and per year, one past the end) and every motion page."""
    by_year = Counter(motion.year for motion in motions)
    cache.render(netloc, LISTING)
    for year in range(FIRST_YEAR, dt.date.today().year + 1):
        for page in range(1, math.ceil(by_year[year] / per_page) + 2):
            cache.render(netloc, (LISTING if page == 1 else f"{LISTING}page/{page}/") + f"?filter-year={year}")
    for motion in motions:
        cache.render(netloc, motion.path)
    cache.render(netloc, "/robots.txt")


def warm_blog(cache: Prerendered, netloc: str, spec: BlogSpec) -> None:
    """The feed pages a crawl walks (newest edit first, 100 a page), or the index pages when there is no feed."""
    _follow(cache, netloc, f"{FEED_PATH}?max-results=100&orderby=updated", NEXT_FEED)
    if not spec.feed:
        _follow(cache, netloc, "/", OLDER_POSTS)
    cache.render(netloc, "/robots.txt")


def warm_wordpress(cache: Prerendered, netloc: str) -> None:
    """Every REST API listing page, as many as X-WP-TotalPages says (each costs the demo site O(posts))."""
    first = cache.render(netloc, WP_API_PAGE.format(page=1))
    for page in range(2, int(first.headers.get("X-WP-TotalPages", "1")) + 1):
        cache.render(netloc, WP_API_PAGE.format(page=page))
    cache.render(netloc, "/robots.txt")


@dataclass
class ServedSite:
    """One running synthetic site."""

    name: str
    kind: str
    title: str
    server: SiteServer
    cache: Prerendered


@contextmanager
def serve_corpus(corpus: Corpus) -> Iterator[list[ServedSite]]:
    """Serve every site of `corpus` on its own loopback port, pages pre-rendered, for the `with` block."""
    sites: list[tuple[str, str, str, Site, Callable[[Prerendered, str], None]]] = [
        ("motions", "unison_motions", "UNISON policy motions (synthetic)",
         MotionsSite(corpus.motions, per_page=MOTIONS_PER_PAGE),
         lambda cache, netloc: warm_motions(cache, netloc, corpus.motions, MOTIONS_PER_PAGE))]
    for number, (spec, posts) in enumerate(corpus.blogs, start=1):
        site = BloggerSite(spec.name, posts, feed=spec.feed, locale=spec.locale, page_size=BLOG_PAGE_SIZE)
        sites.append((f"blog-{number}", "blogger", spec.name, site,
                      lambda cache, netloc, spec=spec: warm_blog(cache, netloc, spec)))
    for number, (name, posts) in enumerate(corpus.wordpress, start=1):
        from demo.sites.wordpress import WordPressSite

        sites.append((f"wordpress-{number}", "wordpress", name, WordPressSite(name, posts, posts_per_page=10),
                      warm_wordpress))
    with ExitStack() as stack:
        served = []
        for name, kind, title, site, warm in sites:
            cache = Prerendered(site)
            server = stack.enter_context(SiteServer(cache))
            warm(cache, server.netloc)
            cache.misses = 0
            served.append(ServedSite(name, kind, title, server, cache))
        yield served


def describe(served: list[ServedSite], corpus: Corpus) -> dict:
    """The sites and the expected results, as the benchmark runner reads them."""
    return {
        "sites": [{"name": s.name, "kind": s.kind, "title": s.title, "url": s.server.url} for s in served],
        "expected": corpus.expected(),
        "pages": sum(s.cache.size for s in served),
    }


def stats(served: list[ServedSite]) -> dict:
    """Requests received since the last reset: every URL, how many carried validators, cache misses."""
    requests = [(s.server.url.rstrip("/") + r.path + (f"?{r.query_string}" if r.query_string else ""),
                 any(k.lower() in ("if-none-match", "if-modified-since") for k in r.headers))
                for s in served for r in s.server.requests]
    return {"requests": len(requests), "urls": [url for url, _ in requests],
            "conditional": sum(1 for _, conditional in requests if conditional),
            "misses": sum(s.cache.misses for s in served)}


def sources_toml(served: list[ServedSite]) -> str:
    """A sources file for every served site, politeness delay 0."""
    return "\n".join(f'[[sources]]\nid = "bench-{site.name}"\nkind = "{site.kind}"\nname = "{site.title}"\n'
                     f'url = "{site.server.url}"\ndelay = 0\n' for site in served)


def main(argv: list[str] | None = None) -> int:
    """Serve a corpus until interrupted, or with --control until stdin closes, answering `stats` and `reset`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000, help="documents across all sites (default 10000)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--wordpress", action="store_true", help="add WordPress sites (needs demo.sites.wordpress)")
    parser.add_argument("--sources", help="write a sources file for the served sites here")
    parser.add_argument("--control", action="store_true", help="read `stats` / `reset` commands on stdin")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    corpus = build_corpus(args.docs, args.seed, wordpress=args.wordpress)
    with serve_corpus(corpus) as served:
        if args.sources:
            Path(args.sources).write_text(sources_toml(served), encoding="utf-8")
        print(json.dumps({**describe(served, corpus), "startup_s": round(time.perf_counter() - started, 2)}),
              flush=True)
        if not args.control:
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                return 0
        for line in sys.stdin:
            command = line.strip()
            if command == "stats":
                print(json.dumps(stats(served)), flush=True)
            elif command == "reset":
                for site in served:
                    site.server.reset_log()
                    site.cache.misses = 0
                print("{}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
