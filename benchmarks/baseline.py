"""Bare comparison points for the benchmark: what the same work costs without unionwatch around it.

- `fetch`: a thread pool of requests sessions fetching every page a backfill parsed, each parsed with lxml
  into title and text, one record per post (the practical limit of a crawler on this machine and server);
- `conditional`: one requests session replaying a no-change run's requests with the stored validators;
- `trafilatura`: trafilatura.extract over the same archived pages (feed and API items one by one).

Each subcommand prints one JSON object. Run from the repository root:
`python -m benchmarks.baseline fetch --db WAREHOUSE`.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from lxml import etree
from lxml import html as lxml_html

WORKERS = 8  # as many as unionwatch's parallel sources
TIMEOUT = 30.0
ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
Record = tuple[str, str]  # (title, text)


def cpu_seconds() -> float:
    """User plus system CPU time of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def archived_pages(db_path: str) -> list[tuple[str, str]]:
    """(url, role) of every page the warehouse archived with status 200, oldest fetch first."""
    import duckdb

    with duckdb.connect(db_path, read_only=True) as con:
        return con.execute("""SELECT url, role FROM responses WHERE status = 200
                              QUALIFY row_number() OVER (PARTITION BY url ORDER BY last_fetched_at DESC) = 1
                              ORDER BY last_fetched_at, url""").fetchall()


def _fragment_text(fragment: str) -> str:
    """Plain text of an HTML fragment."""
    return lxml_html.fragment_fromstring(fragment, create_parent="div").text_content() if fragment.strip() else ""


def _first_text(tree: lxml_html.HtmlElement, xpath: str) -> str:
    """Text of the first element matching `xpath`, or ''."""
    found = tree.xpath(xpath)
    return found[0].text_content().strip() if found else ""


def parse_page(body: bytes, content_type: str, role: str) -> list[Record]:
    """One record per post on a page: feed entries, API items, blog posts, or the page's article."""
    if "json" in content_type:
        return [(item["title"]["rendered"], _fragment_text(item["content"]["rendered"])) for item in json.loads(body)]
    if "xml" in content_type or "rss" in content_type or "atom" in content_type:
        root = etree.fromstring(body)
        entries = root.iter(f"{ATOM}entry", "item")
        return [(entry.findtext(f"{ATOM}title") or entry.findtext("title") or "",
                 _fragment_text(entry.findtext(f"{ATOM}content") or entry.findtext(CONTENT_ENCODED)
                                or entry.findtext("description") or "")) for entry in entries]
    tree = lxml_html.fromstring(body)
    if role == "listing":
        tree.xpath("//a/@href")  # a listing only leads to motions
        return []
    posts = tree.xpath("//div[contains(concat(' ', @class, ' '), ' post-outer ')]")
    if posts:
        return [(_first_text(post, ".//*[contains(@class, 'post-title')]"),
                 _first_text(post, ".//*[contains(@class, 'post-body')]")) for post in posts]
    return [(_first_text(tree, "//h1"), _first_text(tree, "//article"))]


def fetch_and_parse(pages: list[tuple[str, str]], workers: int = WORKERS) -> dict:
    """Fetch every page with `workers` threads and parse it; records, time and CPU."""
    local = threading.local()

    def one(page: tuple[str, str]) -> int:
        """Fetch and parse one page; the number of records on it."""
        if not hasattr(local, "session"):
            local.session = requests.Session()
        url, role = page
        response = local.session.get(url, timeout=TIMEOUT)
        response.raise_for_status()
        return len(parse_page(response.content, response.headers.get("content-type", ""), role or ""))

    cpu, start = cpu_seconds(), time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        records = sum(pool.map(one, pages))
    return {"pages": len(pages), "documents": records, "workers": workers,
            "wall_s": time.perf_counter() - start, "cpu_s": cpu_seconds() - cpu}


def validators(db_path: str) -> dict[str, tuple[str | None, str | None]]:
    """Stored ETag / Last-Modified by URL."""
    import duckdb

    with duckdb.connect(db_path, read_only=True) as con:
        rows = con.execute("SELECT url, etag, last_modified FROM http_cache").fetchall()
    return {url: (etag, modified) for url, etag, modified in rows}


def conditional_loop(urls: Iterable[str], stored: dict[str, tuple[str | None, str | None]]) -> dict:
    """GET each URL once with its validators, in order, on one session; statuses and time."""
    statuses: Counter[int] = Counter()
    urls = list(urls)
    cpu, start = cpu_seconds(), time.perf_counter()
    with requests.Session() as session:
        for url in urls:
            etag, modified = stored.get(url, (None, None))
            headers = {name: value for name, value in (("If-None-Match", etag), ("If-Modified-Since", modified))
                       if value}
            statuses[session.get(url, headers=headers, timeout=TIMEOUT).status_code] += 1
    return {"requests": len(urls), "statuses": dict(statuses), "wall_s": time.perf_counter() - start,
            "cpu_s": cpu_seconds() - cpu}


def trafilatura_jobs(db_path: str, source_ids: list[str]) -> list[tuple[str, int]]:
    """(HTML, documents it stands for) for every archived response: pages whole, feed and API items one by one."""
    from warehouse.archive import archived_responses

    jobs: list[tuple[str, int]] = []
    for source_id in source_ids:
        for raw in archived_responses(db_path, source_id):
            content_type = raw.headers.get("content-type", "")
            if raw.role == "listing":
                continue
            if "json" in content_type:
                jobs.extend((item["content"]["rendered"], 1) for item in json.loads(raw.body))
            elif any(kind in content_type for kind in ("xml", "rss", "atom")):
                root = etree.fromstring(raw.body)
                jobs.extend((entry.findtext(f"{ATOM}content") or entry.findtext(CONTENT_ENCODED) or "", 1)
                            for entry in root.iter(f"{ATOM}entry", "item"))
            else:
                page = raw.body.decode("utf-8", errors="replace")
                jobs.append((page, max(1, page.count("class='post-outer'"))))
    return jobs


def run_trafilatura(jobs: list[tuple[str, int]], *, fast: bool) -> dict:
    """trafilatura.extract over every job; documents, time and CPU."""
    import trafilatura

    if jobs:
        trafilatura.extract(jobs[0][0], fast=fast)  # the first call loads trafilatura's lazy parts
    cpu, start = cpu_seconds(), time.perf_counter()
    empty = sum(1 for page, _ in jobs if not trafilatura.extract(page, fast=fast))
    return {"pages": len(jobs), "documents": sum(count for _, count in jobs), "empty": empty, "fast": fast,
            "wall_s": time.perf_counter() - start, "cpu_s": cpu_seconds() - cpu}


def main(argv: list[str] | None = None) -> int:
    """Run one comparison and print its figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    fetch = sub.add_parser("fetch", help="thread pool of requests + lxml over every archived page")
    fetch.add_argument("--workers", type=int, default=WORKERS)
    loop = sub.add_parser("conditional", help="replay URLs (one per line in --urls) with stored validators")
    loop.add_argument("--urls", required=True, type=Path)
    extract = sub.add_parser("trafilatura", help="trafilatura.extract over the archived pages")
    extract.add_argument("--source", action="append", required=True, help="source id (repeatable)")
    extract.add_argument("--fast", action="store_true", help="trafilatura's fast mode (no fallback extractors)")
    for command in (fetch, loop, extract):
        command.add_argument("--db", required=True, help="warehouse of a finished backfill")
    args = parser.parse_args(argv)
    if args.what == "fetch":
        result = fetch_and_parse(archived_pages(args.db), args.workers)
    elif args.what == "conditional":
        result = conditional_loop(args.urls.read_text().split(), validators(args.db))
    else:
        result = run_trafilatura(trafilatura_jobs(args.db, args.source), fast=args.fast)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
