"""Full-text search at archive scale: query latency of `search_documents` and what keeping its index costs a run.

The synthetic corpus of `benchmarks.synthetic` (the same seeded motions and blog posts the crawl benchmarks
serve) is turned into documents, refined and classified as a run would, and loaded with the real loader in
slices of 1,000 documents (as a backfill loads), so the index is built the way a run builds it. Then:

- **query latency**: each query of QUERIES, run QUERY_REPEATS times on one read-only connection to the
  published snapshot, best and median wall time (the first, cold, run is reported on its own);
- **index cost per run**: the index update inside the load of one more slice of 1,000 new documents, and a
  run that edits 100 known documents, next to the whole load of those slices; and a rebuild of the whole index
  (what upgrading a warehouse made before the index costs, once).

`python -m benchmarks.search [--sizes 5000,50000] [--out benchmarks/RESULTS.md]` prints a Markdown table and
replaces the search section of RESULTS.md (between its markers). Nothing is fetched: no HTTP, no Prefect.
"""

from __future__ import annotations

import argparse
import html
import re
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.synthetic import build_corpus
from demo.content import BlogPost, Motion
from records import Document, Extraction
from transforms.classify import load_rules, rules_fingerprint
from transforms.pipeline import refine
from warehouse.db import connect, transaction
from warehouse.load import finish_run, load_source, start_run
from warehouse.search import update_index
from warehouse.snapshot import publish_snapshot

QUERIES = ("shared service centre", "payroll", "back-office cuts policy", "council pay offer members")
QUERY_REPEATS = 15
SLICE = 1000
EDITED = 100
MARKER_START = "<!-- search benchmark: start -->"
MARKER_END = "<!-- search benchmark: end -->"
TAGS = re.compile(r"<[^>]+>")


def documents(docs: int) -> list[Document]:
    """The synthetic corpus of `docs` items as parsed documents (motions and blog posts)."""
    corpus = build_corpus(docs)
    found = [_document(item) for item in corpus.items()]
    return found


def _document(item: Motion | BlogPost) -> Document:
    """One corpus item as its extractor would parse it."""
    if isinstance(item, Motion):
        return Document("bench-motions", "motion", item.slug, f"https://motions.example/{item.slug}/", item.title,
                        "\n\n".join(item.body), published_at=datetime(item.date.year, item.date.month,
                                                                      item.date.day, tzinfo=UTC),
                        conference=item.conference, decision=item.decision, year=item.year, group=item.group)
    text = html.unescape(TAGS.sub("\n\n", item.body_html))
    return Document("bench-blogs", "blog_post", item.post_id, f"https://blog.example/{item.slug}.html", item.title,
                    text, author=item.author, published_at=item.published, labels=list(item.labels))


def slices(docs: list[Document]) -> Iterator[list[Document]]:
    """`docs` in loader slices."""
    for start in range(0, len(docs), SLICE):
        yield docs[start:start + SLICE]


def load(db: Path, docs: list[Document], command: str) -> float:
    """Load `docs` slice by slice as one run; returns the wall time."""
    rules = load_rules()
    fingerprint = rules_fingerprint(rules)
    started = time.perf_counter()
    run_id = start_run(db, command, [])
    for part in slices(docs):
        by_source: dict[str, list[Document]] = {}
        for doc in part:
            by_source.setdefault(doc.source_id, []).append(doc)
        for source_id, batch in by_source.items():
            load_source(db, run_id, Extraction(source_id, documents=batch), refine(batch, rules), fingerprint)
    finish_run(db, run_id, "succeeded")
    return time.perf_counter() - started


def timed_index_update(db: Path, docs: list[Document]) -> tuple[float, float]:
    """(whole load, index update alone) for loading `docs`: the load with the index, then the update timed alone.

    The update is timed by loading the same documents into a copy whose index is then updated on its own.
    """
    whole = load(db, docs, "bench")
    with connect(db) as con:
        # Forget these documents' postings and time indexing them again: the same work the load just did.
        ids = [doc.document_id for doc in docs]
        with transaction(con):
            con.execute("DELETE FROM search_terms WHERE document_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
            con.execute("DELETE FROM search_lengths WHERE document_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
        started = time.perf_counter()
        with transaction(con):
            update_index(con)
        alone = time.perf_counter() - started
    return whole, alone


def full_rebuild(db: Path) -> float:
    """Seconds to index every document from nothing (upgrading a warehouse made before the index)."""
    with connect(db) as con:
        with transaction(con):
            con.execute("DELETE FROM search_terms")
            con.execute("DELETE FROM search_lengths")
        started = time.perf_counter()
        with transaction(con):
            update_index(con)
        return time.perf_counter() - started


def query_latency(snapshot: Path) -> dict[str, tuple[float, float, float, int]]:
    """Per query: (cold, best, median) milliseconds and the number of hits."""
    found = {}
    with connect(snapshot, read_only=True) as con:
        for query in QUERIES:
            times = []
            for _ in range(QUERY_REPEATS + 1):
                started = time.perf_counter()
                hits = con.execute("SELECT document_id, score FROM search_documents(?) LIMIT 10", [query]).fetchall()
                times.append((time.perf_counter() - started) * 1000)
            total = con.execute("SELECT count(*) FROM search_documents(?)", [query]).fetchone()[0]
            assert hits, query
            found[query] = (times[0], min(times[1:]), statistics.median(times[1:]), total)
    return found


def measure(size: int, work: Path) -> dict:
    """Every figure for one archive size."""
    corpus = documents(size + SLICE)
    base, extra = corpus[:size], corpus[size:]
    db = work / f"search-{size}.duckdb"
    backfill = load(db, base, "backfill")
    slice_load, slice_index = timed_index_update(db, extra)
    edited = [replace(doc, body=doc.body + "\n\nUpdate: the meeting moved to Thursday.") for doc in base[:EDITED]]
    edit_load, edit_index = timed_index_update(db, edited)
    rebuild = full_rebuild(db)
    snapshot = publish_snapshot(db)
    with connect(snapshot, read_only=True) as con:
        docs, postings = con.execute(
            "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM search_terms)").fetchone()
    return {"size": size, "documents": docs, "postings": postings, "backfill_s": backfill,
            "slice_load_s": slice_load, "slice_index_s": slice_index, "edit_load_s": edit_load,
            "edit_index_s": edit_index, "rebuild_s": rebuild, "queries": query_latency(snapshot),
            "snapshot_mb": snapshot.stat().st_size / 1e6}


def render(results: list[dict]) -> str:
    """The RESULTS.md section."""
    lines = [MARKER_START, "## Full-text search (`python -m benchmarks.search`)", "",
             f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. `search_documents(query)` on the published snapshot "
             f"(read-only connection, DuckDB 2.0), best and median of {QUERY_REPEATS} runs after a first (cold) one; "
             "the target is under 100 ms at 50,000 documents. The snapshot holds the synthetic corpus plus one "
             f"slice of {SLICE:,} documents, each {SLICE:,}-document slice loaded by the real loader.", "",
             "| documents | query | hits | cold ms | best ms | median ms |", "|---:|---|---:|---:|---:|---:|"]
    for result in results:
        for query, (cold, best, median, hits) in result["queries"].items():
            lines.append(f"| {result['documents']:,} | `{query}` | {hits:,} | {cold:.0f} | {best:.1f} | "
                         f"{median:.1f} |")
    lines += ["", "What the index costs (seconds):", "",
              "| documents | postings | backfill, whole load | +1,000 new docs: load / of it index | "
              f"{EDITED} edited docs: load / of it index | whole index rebuilt | snapshot MB |",
              "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['documents']:,} | {r['postings']:,} | {r['backfill_s']:.1f} | "
                     f"{r['slice_load_s']:.2f} / {r['slice_index_s']:.2f} | {r['edit_load_s']:.2f} / "
                     f"{r['edit_index_s']:.2f} | {r['rebuild_s']:.1f} | {r['snapshot_mb']:.0f} |")
    lines.append(MARKER_END)
    return "\n".join(lines)


def write_results(section: str, out: Path) -> None:
    """Replace the search section of `out` (or append it), keeping everything else."""
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    if MARKER_START in text and MARKER_END in text:
        head, rest = text.split(MARKER_START, 1)
        text = head + section + rest.split(MARKER_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    out.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Measure each size and print (and store) the tables."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.search", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="5000,50000", help="archive sizes, comma-separated (default 5000,50000)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/RESULTS.md"), help="results file to update")
    parser.add_argument("--workdir", type=Path, help="keep the warehouses here (default: a temporary folder)")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",") if size]
    with tempfile.TemporaryDirectory(prefix="uw-search-") as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        results = []
        for size in sizes:
            results.append(measure(size, work))
            print(f"{size:,} documents measured", flush=True)
    section = render(results)
    print(section)
    write_results(section, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
