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
import math
import re
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy
import pandas as pd

from benchmarks.synthetic import build_corpus
from demo.content import BlogPost, Motion
from records import Document, Extraction
from transforms.classify import load_rules, rules_fingerprint
from transforms.pipeline import refine
from warehouse.db import connect, transaction
from warehouse.load import finish_run, load_source, start_run
from warehouse.migrate import available
from warehouse.search import update_index
from warehouse.snapshot import publish_snapshot

QUERIES = ("shared service centre", "payroll", "back-office cuts policy", "council pay offer members")
QUERY_REPEATS = 15
SLICE = 1000
EDITED = 100
MARKER_START = "<!-- search benchmark: start -->"
MARKER_END = "<!-- search benchmark: end -->"
TAGS = re.compile(r"<[^>]+>")

# Realistic vocabulary: word frequencies follow Zipf's law (frequency ∝ 1/rank), as in English text, so most words
# are rare and a query's words are found in a small share of the documents, unlike the synthetic corpus.
ZIPF_VOCABULARY = 40_000
ZIPF_WORDS_PER_DOCUMENT = 400  # median body length; lengths are log-normal
ZIPF_SEED = 19
# The query words at ranks typical of trade-union news (the most common words are function words).
ZIPF_RANKS = {"members": 60, "council": 80, "pay": 90, "service": 120, "back": 150, "office": 250, "offer": 300,
              "centre": 400, "policy": 450, "shared": 700, "cuts": 900, "payroll": 2500}
FUNCTION_WORDS = ("the", "of", "and", "to", "a", "in", "for", "is", "on", "that", "by", "this", "with", "it", "be")
SYLLABLES = ("ba", "ke", "li", "mo", "nu", "ra", "te", "vi", "do", "ge", "pa", "so", "tu", "fe", "ho", "zi")


def zipf_vocabulary() -> list[str]:
    """ZIPF_VOCABULARY distinct words by rank: function words, then made-up words, the query words at ZIPF_RANKS."""
    made_up = ("".join(SYLLABLES[(n >> (4 * i)) % len(SYLLABLES)] for i in range(4)) + "r" for n in range(10**6))
    words = list(FUNCTION_WORDS)
    for word in made_up:
        if len(words) == ZIPF_VOCABULARY:
            break
        words.append(word)
    for word, rank in ZIPF_RANKS.items():
        words[rank - 1] = word
    return words


def zipf_documents(docs: int) -> list[Document]:
    """`docs` blog posts whose words follow Zipf's law over ZIPF_VOCABULARY words (seeded, so the same each time)."""
    rng = numpy.random.default_rng(ZIPF_SEED)
    words = numpy.array(zipf_vocabulary())
    weights = 1 / numpy.arange(1, len(words) + 1)
    lengths = rng.lognormal(numpy.log(ZIPF_WORDS_PER_DOCUMENT), 0.5, docs).astype(int) + 8
    drawn = rng.choice(len(words), size=int(lengths.sum()), p=weights / weights.sum())
    found, start = [], 0
    for number, length in enumerate(lengths):
        text = words[drawn[start:start + length]]
        start += length
        title, body = " ".join(text[:8]), " ".join(text[8:])
        found.append(Document("bench-zipf", "blog_post", f"z{number}", f"https://zipf.example/{number}.html", title,
                              body, published_at=datetime(2020, 1, 1, tzinfo=UTC) + timedelta(hours=number)))
    return found


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
            con.execute("UPDATE search_index_state SET ordered_postings = 0")
        started = time.perf_counter()
        with transaction(con):
            update_index(con)
        return time.perf_counter() - started


def load_directly(db: Path, docs: list[Document]) -> float:
    """Write `docs` straight into the document tables and index them as a load does; returns the wall time.

    For the Zipf corpus: the loader's other work (classification, stories, relatedness) would take many minutes
    on 50,000 made-up documents and does not touch the index, so only the documents and the index are written.
    """
    start_run(db, "bench", [])
    frame = pd.DataFrame([{"document_id": doc.document_id, "source_id": doc.source_id, "kind": doc.kind,
                           "source_key": doc.key, "url": doc.url, "title": doc.title, "body": doc.body,
                           "published_at": doc.published_at} for doc in docs])
    started = time.perf_counter()
    with connect(db) as con, transaction(con):
        con.register("incoming", frame)
        con.execute("""INSERT INTO document_keys BY NAME
                       SELECT document_id, source_id, kind, source_key, 1 AS current_version,
                              now() AS first_seen_at, now() AS last_seen_at FROM incoming""")
        con.execute("""INSERT INTO document_versions BY NAME
                       SELECT document_id, 1 AS version, md5(body) AS content_hash, url, title, body, published_at,
                              []::VARCHAR[] AS labels, 'bench' AS run_id, now() AS seen_at FROM incoming""")
        update_index(con)
    return time.perf_counter() - started


def previous_macro() -> str:
    """Migration 012's `search_documents`, as the temporary macro `search_documents_012`, to compare rankings."""
    sql = next(sql for version, _, sql in available() if version == 12)
    body = sql[sql.index("CREATE OR REPLACE MACRO search_documents("):]
    return body.replace("CREATE OR REPLACE MACRO search_documents(", "CREATE TEMP MACRO search_documents_012(", 1)


def same_top(con: duckdb.DuckDBPyConnection, query: str) -> str:
    """Whether the top 10 of `query` is the one migration 012's macro gives: 'same', or how it differs."""
    top = "SELECT document_id, score FROM {}(?) LIMIT 10"
    now = con.execute(top.format("search_documents"), [query]).fetchall()
    before = con.execute(top.format("search_documents_012"), [query]).fetchall()
    if [doc for doc, _ in now] == [doc for doc, _ in before]:
        return "same"
    ties = all(math.isclose(a, b, rel_tol=1e-12) for (_, a), (_, b) in zip(now, before, strict=True))
    return "same but for equal scores" if ties else "**differs**"


def query_latency(snapshot: Path, before: Path | None = None) -> dict[str, tuple]:
    """Per query: (cold, best, median) milliseconds, the number of hits, the top 10 next to migration 012's, and
    (best, median) on `before` (a snapshot an earlier version published), timed in turn with this one."""
    found = {}
    with connect(snapshot, read_only=True) as con, \
            (connect(before, read_only=True) if before else nullcontext()) as earlier:
        for query in QUERIES:
            times, times_before = [], []
            for _ in range(QUERY_REPEATS + 1):
                times.append(_timed(con, query))
                if before:
                    times_before.append(_timed(earlier, query))
            total = con.execute("SELECT count(*) FROM search_documents(?)", [query]).fetchone()[0]
            was = (min(times_before[1:]), statistics.median(times_before[1:])) if before else None
            found[query] = (times[0], min(times[1:]), statistics.median(times[1:]), total, was)
        con.execute(previous_macro())
        found = {query: (*figures, same_top(con, query)) for query, figures in found.items()}
    return found


def _timed(con: duckdb.DuckDBPyConnection, query: str) -> float:
    """Milliseconds to the top 10 of `query`."""
    started = time.perf_counter()
    assert con.execute("SELECT document_id, score FROM search_documents(?) LIMIT 10", [query]).fetchall(), query
    return (time.perf_counter() - started) * 1000


def measure(size: int, work: Path, before: Path | None = None) -> dict:
    """Every figure for one size of the synthetic corpus."""
    corpus = documents(size + SLICE)
    base, extra = corpus[:size], corpus[size:]
    db = work / f"search-{size}.duckdb"
    backfill = load(db, base, "backfill")
    slice_load, slice_index = timed_index_update(db, extra)
    edited = [replace(doc, body=doc.body + "\n\nUpdate: the meeting moved to Thursday.") for doc in base[:EDITED]]
    edit_load, edit_index = timed_index_update(db, edited)
    rebuild = full_rebuild(db)
    return {"corpus": "synthetic", "backfill_s": backfill, "slice_load_s": slice_load, "slice_index_s": slice_index,
            "edit_load_s": edit_load, "edit_index_s": edit_index, "rebuild_s": rebuild, **measure_queries(db, before)}


def measure_zipf(size: int, work: Path, before: Path | None = None) -> dict:
    """Query latency on `size` documents of the Zipf corpus."""
    db = work / f"search-zipf-{size}.duckdb"
    backfill = load_directly(db, zipf_documents(size))
    return {"corpus": "Zipf", "backfill_s": backfill, **measure_queries(db, before)}


def measure_queries(db: Path, before: Path | None = None) -> dict:
    """Publish `db` after a run with nothing new (which applies any new migration), then time the queries (and on
    the snapshot of the same name in `before`, when there is one)."""
    finish_run(db, start_run(db, "bench", []), "succeeded")
    started = time.perf_counter()
    snapshot = publish_snapshot(db)
    publish = time.perf_counter() - started
    with connect(snapshot, read_only=True) as con:
        docs, postings, ordered = con.execute(
            "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM search_terms), "
            "(SELECT ordered_postings FROM search_index_state)").fetchone()
    return {"documents": docs, "postings": postings, "ordered": ordered, "publish_s": publish,
            "queries": query_latency(snapshot, _earlier(before, snapshot)),
            "snapshot_mb": snapshot.stat().st_size / 1e6}


def _earlier(before: Path | None, snapshot: Path) -> Path | None:
    """The snapshot of the same name in `before`, if any."""
    found = before / snapshot.name if before else None
    return found if found and found.exists() else None


def render(results: list[dict]) -> str:
    """The RESULTS.md section."""
    lines = [MARKER_START, "## Full-text search (`python -m benchmarks.search`)", "",
             f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. `search_documents(query)` on the published snapshot "
             f"(read-only connection, DuckDB 2.0), best and median of {QUERY_REPEATS} runs after a first (cold) one; "
             "the target is under 100 ms at 50,000 documents. The synthetic corpus (471 distinct words) holds one "
             f"slice of {SLICE:,} documents more than its size, each {SLICE:,}-document slice loaded by the real "
             f"loader; the Zipf corpus ({ZIPF_VOCABULARY:,} words, frequency ∝ 1/rank) is written straight into the "
             "document tables and indexed as a load indexes. 'Top 10' compares the first ten results with "
             "migration 012's macro on the same snapshot; 'before' is `search_documents` on the snapshot an earlier "
             "version published from the same documents (`--before`), timed in turn with this one.", "",
             "| corpus | documents | query | hits | cold ms | best ms | median ms | before: best / median ms | "
             "top 10 |", "|---|---:|---|---:|---:|---:|---:|---:|---|"]
    for r in results:
        for query, (cold, best, median, hits, was, top) in r["queries"].items():
            earlier = f"{was[0]:.1f} / {was[1]:.1f}" if was else "—"
            lines.append(f"| {r['corpus']} | {r['documents']:,} | `{query}` | {hits:,} | {cold:.0f} | {best:.1f} | "
                         f"{median:.1f} | {earlier} | {top} |")
    lines += ["", "Publishing the snapshot after the last load (the index put in term order when enough postings "
              "were added since it last was):", "",
              "| corpus | documents | postings | of them in term order | publish (s) | snapshot MB |",
              "|---|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['corpus']} | {r['documents']:,} | {r['postings']:,} | {r['ordered']:,} | "
                     f"{r['publish_s']:.1f} | {r['snapshot_mb']:.0f} |")
    costs = [r for r in results if "rebuild_s" in r]
    if costs:
        lines += ["", "What the index costs on the synthetic corpus (seconds):", "",
                  "| documents | backfill, whole load | +1,000 new docs: load / of it index | "
                  f"{EDITED} edited docs: load / of it index | whole index rebuilt |",
                  "|---:|---:|---:|---:|---:|"]
        for r in costs:
            lines.append(f"| {r['documents']:,} | {r['backfill_s']:.1f} | "
                         f"{r['slice_load_s']:.2f} / {r['slice_index_s']:.2f} | {r['edit_load_s']:.2f} / "
                         f"{r['edit_index_s']:.2f} | {r['rebuild_s']:.1f} |")
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
    """Measure each corpus and size and print (and store) the tables."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.search", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="5000,50000", help="archive sizes, comma-separated (default 5000,50000)")
    parser.add_argument("--corpus", default="synthetic,zipf", help="corpora, comma-separated (default synthetic,zipf)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/RESULTS.md"), help="results file to update")
    parser.add_argument("--workdir", type=Path, help="keep the warehouses here (default: a temporary folder)")
    parser.add_argument("--before", type=Path,
                        help="a folder of snapshots an earlier version published (same names): timed in turn")
    parser.add_argument("--queries-only", action="store_true",
                        help="time the queries on the warehouses a previous run left in --workdir, building none")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",") if size]
    corpora = [name.strip().lower() for name in args.corpus.split(",") if name.strip()]
    if args.queries_only and not args.workdir:
        parser.error("--queries-only needs the --workdir a previous run kept")
    with tempfile.TemporaryDirectory(prefix="uw-search-") as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        results = []
        for corpus in corpora:
            for size in sizes:
                results.append(_measure(corpus, size, work, args.queries_only, args.before))
                print(f"{corpus}, {size:,} documents measured", flush=True)
    section = render(results)
    print(section)
    write_results(section, args.out)
    return 0


def _measure(corpus: str, size: int, work: Path, queries_only: bool, before: Path | None) -> dict:
    """The figures of one corpus at one size."""
    if queries_only:
        name = f"search-{size}.duckdb" if corpus == "synthetic" else f"search-{corpus}-{size}.duckdb"
        return {"corpus": "Zipf" if corpus == "zipf" else corpus, **measure_queries(work / name, before)}
    return measure(size, work, before) if corpus == "synthetic" else measure_zipf(size, work, before)


if __name__ == "__main__":
    raise SystemExit(main())
