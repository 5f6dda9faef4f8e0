"""Story clusters: pairwise precision/recall on the labelled set, and speed and memory at scale.

    .venv/bin/python -m benchmarks.stories_eval                # the labelled set only
    .venv/bin/python -m benchmarks.stories_eval --sizes 1000 10000 50000

Pairwise: every pair of documents put in one story is a predicted pair, every pair sharing a label a true
one. At scale, synthetic documents (random prose, one in ten a repost behind an intro line) are signed,
stored in a real DuckDB file and clustered as `unionwatch run` does; the same signatures are also matched
by band hashes joined in SQL, the other way the LSH state could be kept.
"""

from __future__ import annotations

import argparse
import itertools
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from datasketch import LeanMinHash, MinHashLSH

from benchmarks.stories_data import LABELLED
from transforms import stories
from warehouse.db import connect
from warehouse.migrate import migrate
from warehouse.stories import ORDERED_SQL, refresh_stories

TARGET = 0.95


@dataclass(frozen=True)
class Scores:
    """Pairwise figures of one clustering against the labels."""

    precision: float
    recall: float
    true_pairs: int
    predicted_pairs: int


def pairwise(gold: dict[str, str], predicted: dict[str, str]) -> Scores:
    """Pairwise precision and recall of `predicted` story ids against `gold` labels."""
    true_pairs = predicted_pairs = both = 0
    for a, b in itertools.combinations(sorted(gold), 2):
        same_gold, same_predicted = gold[a] == gold[b], predicted[a] == predicted[b]
        true_pairs += same_gold
        predicted_pairs += same_predicted
        both += same_gold and same_predicted
    return Scores(both / predicted_pairs if predicted_pairs else 1.0, both / true_pairs if true_pairs else 1.0,
                  true_pairs, predicted_pairs)


def evaluate() -> tuple[Scores, list[stories.Member]]:
    """Cluster the labelled set in its order and score it."""
    signed = [(doc_id, stories.signature(body)) for doc_id, _, _, body in LABELLED]
    members = stories.cluster(signed, stories.candidate_pairs(signed))
    gold = {doc_id: label for doc_id, label, _, _ in LABELLED}
    return pairwise(gold, {m.document_id: m.story_id for m in members}), members


def synthetic(count: int, seed: int = 17) -> list[tuple[str, str]]:
    """(id, body) of `count` documents of random prose; every tenth reposts an earlier one behind an intro."""
    rng = random.Random(seed)
    vocabulary = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 10))) for _ in range(20000)]
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    docs: list[tuple[str, str]] = []
    for index in range(count):
        if index % 10 == 9:
            docs.append((f"doc{index}", "The following was received today. " + rng.choice(docs)[1]))
        else:
            docs.append((f"doc{index}", " ".join(rng.choices(vocabulary, weights, k=rng.randint(150, 450)))))
    return docs


def scale(count: int) -> dict[str, float]:
    """Seconds and peak memory of the warehouse refresh at `count` documents, and of the in-memory alternative."""
    docs = synthetic(count + 100)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "stories.duckdb"
        _store_documents(db, docs[:count], "backfill")
        started = time.perf_counter()
        first = refresh_stories(db)
        figures["first_refresh_s_per_1000"] = (time.perf_counter() - started) / count * 1000
        figures["stories"] = first.stories
        _store_documents(db, docs[count:], "run")
        started = time.perf_counter()
        refresh_stories(db)
        figures["refresh_after_100_new_s"] = time.perf_counter() - started
        started = time.perf_counter()
        refresh_stories(db)
        figures["quiet_refresh_s"] = time.perf_counter() - started
        with connect(db) as con:
            rows = con.execute(ORDERED_SQL, {"ids": None}).fetchall()
        ordered = [(d, stories.Signature.from_bytes(m, n)) for d, n, m in rows]
    started = time.perf_counter()
    lsh = MinHashLSH(threshold=stories.CANDIDATE_JACCARD, num_perm=stories.NUM_PERM)
    for document_id, sig in ordered:
        minhash = LeanMinHash(seed=stories.SEED, hashvalues=sig.hashvalues, scheme=stories.SCHEME)
        lsh.query(minhash)
        lsh.insert(document_id, minhash, check_duplication=False)
    figures["in_memory_lsh_rebuild_s"] = time.perf_counter() - started
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def _store_documents(db: Path, docs: list[tuple[str, str]], command: str) -> None:
    """`docs` as one run's new documents, written straight into the warehouse tables."""
    with connect(db) as con:
        migrate(con)
        run_id = f"{command}-{len(docs)}-{time.monotonic_ns()}"
        con.execute("INSERT INTO runs VALUES (?, now(), now(), 'succeeded', ?)", [run_id, command])
        con.register("docs_df", pd.DataFrame(docs, columns=["document_id", "body"]))
        con.execute("""INSERT INTO document_keys (document_id, source_id, kind, source_key, current_version,
                                                  first_seen_at, last_seen_at)
                       SELECT document_id, 'synthetic', 'blog_post', document_id, 1, now(), now() FROM docs_df""")
        con.execute("""INSERT INTO document_versions (document_id, version, content_hash, url, title, labels, body,
                                                      run_id, seen_at)
                       SELECT document_id, 1, sha256(body), 'http://127.0.0.1/' || document_id, document_id, [],
                              body, ?, now() FROM docs_df""", [run_id])
        con.unregister("docs_df")


def main() -> int:
    """Print the evaluation, and scale figures (each size in its own process); non-zero below the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        figures = scale(args.one)
        print(f"{args.one} documents: " + ", ".join(f"{key} {value:.2f}" for key, value in figures.items()),
              flush=True)
        return 0
    scores, members = evaluate()
    print(f"labelled set: {len(LABELLED)} documents, {len({row[1] for row in LABELLED})} stories, "
          f"{len({m.story_id for m in members})} found; pairwise precision {scores.precision:.3f} "
          f"recall {scores.recall:.3f} ({scores.predicted_pairs} predicted pairs, {scores.true_pairs} true)",
          flush=True)
    for count in args.sizes:
        subprocess.run([sys.executable, "-m", "benchmarks.stories_eval", "--one", str(count)], check=True)
    return 0 if scores.precision >= TARGET and scores.recall >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
