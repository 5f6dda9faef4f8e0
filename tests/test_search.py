"""Full-text search: BM25 scores checked against an independent reference on a small known corpus."""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import pytest
from support import unionwatch

from warehouse import search as search_module
from warehouse.db import connect
from warehouse.migrate import available, migrate
from warehouse.search import order_index, search, update_index
from warehouse.snapshot import publish_snapshot

CORPUS = {
    "corpus:centre": ("Shared services centre opens", "The council opened a shared services centre for payroll."),
    "corpus:meeting": ("Branch meeting", "Members discussed pay. One member asked about a shared service for payroll "
                       "in passing, among many other items on a long agenda: pensions, holidays, rotas, parking, "
                       "training, the newsletter and the date of the next meeting."),
    "corpus:library": ("Library hours", "Opening hours at the central library change in May."),
    "corpus:cuts": ("Back-office cuts", "Back office staff face cuts; the policies were announced on Monday."),
    "corpus:pay": ("Pay offer", "The pay offer was accepted by members of the branch."),
    "corpus:café": ("Café closes", "The staff café at the civic centre closes for good."),
}
TITLE_WEIGHT, K1, B = 3, 1.2, 0.75
QUERIES = ["shared services", "payroll", "back-office cuts policy", "pay members", "the centre", "CAFÉ"]


def stem(word: str) -> str:
    """Harman's S-stemmer, as the search macro applies it."""
    if len(word) > 4 and word.endswith("ies") and not word.endswith(("aies", "eies")):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("us", "ss")):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Lower-cased runs of letters and digits, stemmed."""
    return [stem(word) for word in re.findall(r"[^\W_]+", text.lower())]


def reference_scores(query: str) -> dict[str, float]:
    """BM25 computed the textbook way, in Python, over CORPUS."""
    weighted = {doc_id: Counter(tokens(title) * TITLE_WEIGHT) + Counter(tokens(body))
                for doc_id, (title, body) in CORPUS.items()}
    lengths = {doc_id: sum(counts.values()) for doc_id, counts in weighted.items()}
    average = sum(lengths.values()) / len(lengths)
    scores: dict[str, float] = {}
    for term in set(tokens(query)):
        df = sum(1 for counts in weighted.values() if counts[term])
        idf = math.log(1 + (len(CORPUS) - df + 0.5) / (df + 0.5))
        for doc_id, counts in weighted.items():
            tf = counts[term]
            if tf:
                norm = tf + K1 * (1 - B + B * lengths[doc_id] / average)
                scores[doc_id] = scores.get(doc_id, 0.0) + idf * tf * (K1 + 1) / norm
    return scores


@pytest.fixture
def corpus_db(tmp_path: Path) -> Path:
    """A migrated warehouse holding exactly CORPUS."""
    path = tmp_path / "corpus.duckdb"
    with connect(path) as con:
        migrate(con)
        for doc_id, (title, body) in CORPUS.items():
            con.execute("""INSERT INTO document_keys BY NAME
                           SELECT ? AS document_id, 'corpus' AS source_id, 'article' AS kind, ? AS source_key,
                                  1 AS current_version, now() AS first_seen_at, now() AS last_seen_at""",
                        [doc_id, doc_id.split(":")[1]])
            con.execute("""INSERT INTO document_versions BY NAME
                           SELECT ? AS document_id, 1 AS version, md5(?) AS content_hash, ? AS url, ? AS title,
                                  ? AS body, []::VARCHAR[] AS labels, 'r1' AS run_id, now() AS seen_at""",
                        [doc_id, body, f"https://example.org/{doc_id}", title, body])
        update_index(con)  # as the loader does after each batch
    return path


def ranked(db: Path, query: str) -> list[tuple[str, float]]:
    """(document_id, score) from the SQL macro, in its order."""
    with connect(db, read_only=True) as con:
        return con.execute("SELECT document_id, score FROM search_documents(?)", [query]).fetchall()


@pytest.mark.parametrize("query", QUERIES)
def test_scores_match_a_reference_bm25(corpus_db, query) -> None:
    expected = reference_scores(query)
    got = ranked(corpus_db, query)
    assert {doc_id for doc_id, _ in got} == set(expected)
    for doc_id, score in got:
        assert score == pytest.approx(expected[doc_id], rel=1e-9), doc_id
    assert [score for _, score in got] == sorted((score for _, score in got), reverse=True)


def test_ranking_favours_titles_short_texts_and_folds_plurals_case_and_punctuation(corpus_db) -> None:
    results = [doc_id for doc_id, _ in ranked(corpus_db, "shared service")]
    assert results == ["corpus:centre", "corpus:meeting"]
    assert ranked(corpus_db, "SHARED-SERVICES") == ranked(corpus_db, "shared services")
    assert [doc_id for doc_id, _ in ranked(corpus_db, "policy")] == ["corpus:cuts"]
    assert ranked(corpus_db, "outsourcing") == []
    assert ranked(corpus_db, "") == [] and ranked(corpus_db, "?!") == []


def test_search_returns_hits_with_marked_snippets(corpus_db) -> None:
    hits = search(corpus_db, "shared service centre", limit=5)
    assert [hit.document_id for hit in hits] == ["corpus:centre", "corpus:meeting", "corpus:café"]
    assert hits[0].snippet == "The council opened a **shared services centre** for payroll."
    assert hits[0].url == "https://example.org/corpus:centre" and hits[0].title == "Shared services centre opens"
    assert "a **shared service** for payroll" in hits[1].snippet and "**centre**" in hits[2].snippet
    assert len(search(corpus_db, "shared service centre", limit=1)) == 1


def test_search_command_prints_ranked_hits(corpus_db, tmp_path) -> None:
    found = unionwatch("search", "payroll", "--limit", "1", "--db", str(corpus_db), cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert found.stdout.startswith(" 1. Shared services centre opens")
    assert "**payroll**" in found.stdout and "Branch meeting" not in found.stdout
    assert f"live warehouse {corpus_db}" in found.stderr
    missing = unionwatch("search", "outsourcing", "--db", str(corpus_db), cwd=tmp_path)
    assert missing.returncode == 0 and "No documents match 'outsourcing'" in missing.stdout


def postings_order(db: Path) -> tuple[list[str], int]:
    """The terms of `search_terms` in storage order, and how many postings the index says are in term order."""
    with connect(db, read_only=True) as con:
        terms = [term for (term,) in con.execute("SELECT term FROM search_terms ORDER BY rowid").fetchall()]
        return terms, con.execute("SELECT ordered_postings FROM search_index_state").fetchone()[0]


def test_putting_the_index_in_term_order_keeps_every_ranking(corpus_db) -> None:
    add_document(corpus_db, "corpus:short", "Payroll", "Payroll moves.")  # its postings come after the others'
    before = {query: ranked(corpus_db, query) for query in QUERIES}
    terms, ordered = postings_order(corpus_db)
    assert terms != sorted(terms) and ordered == 0
    with connect(corpus_db) as con:
        assert order_index(con, always=True)
    terms, ordered = postings_order(corpus_db)
    assert terms == sorted(terms) and ordered == len(terms)
    assert {query: ranked(corpus_db, query) for query in QUERIES} == before


def add_document(db: Path, doc_id: str, title: str, body: str) -> None:
    """One more indexed document, as a load adds it."""
    with connect(db) as con:
        con.execute("""INSERT INTO document_keys BY NAME
                       SELECT ? AS document_id, 'corpus' AS source_id, 'article' AS kind, ? AS source_key,
                              1 AS current_version, now() AS first_seen_at, now() AS last_seen_at""", [doc_id, doc_id])
        con.execute("""INSERT INTO document_versions BY NAME
                       SELECT ? AS document_id, 1 AS version, md5(?) AS content_hash, ? AS url, ? AS title,
                              ? AS body, []::VARCHAR[] AS labels, 'r1' AS run_id, now() AS seen_at""",
                    [doc_id, body, f"https://example.org/{doc_id}", title, body])
        update_index(con)


def test_publishing_orders_the_index_once_enough_postings_were_added(corpus_db, monkeypatch) -> None:
    monkeypatch.setattr(search_module, "UNORDERED_MIN", 10)
    publish_snapshot(corpus_db)
    terms, ordered = postings_order(corpus_db)
    assert terms == sorted(terms) and ordered == len(terms), "more than UNORDERED_MIN postings were unordered"
    assert postings_order(corpus_db.with_name("corpus.snapshot.duckdb")) == (terms, ordered)
    add_document(corpus_db, "corpus:short", "Payroll", "Payroll moves.")  # 3 postings: too few to reorder
    publish_snapshot(corpus_db)
    assert postings_order(corpus_db)[1] == ordered
    assert [doc for doc, _ in ranked(corpus_db, "payroll")][0] == "corpus:short"
    add_document(corpus_db, "corpus:long", "Payroll centre", "Shared payroll staff meet at the civic centre today.")
    publish_snapshot(corpus_db)
    terms, now_ordered = postings_order(corpus_db)
    assert terms == sorted(terms) and now_ordered == len(terms) > ordered
    assert ranked(corpus_db.with_name("corpus.snapshot.duckdb"), "payroll") == ranked(corpus_db, "payroll")


def test_a_warehouse_from_before_search_gets_a_clear_message(tmp_path) -> None:
    db = tmp_path / "old.duckdb"
    with connect(db) as con:
        con.execute(available()[0][2])  # only the first migration, as an early release left it
    result = unionwatch("search", "payroll", "--db", str(db), cwd=tmp_path)
    assert result.returncode == 3 and "search_documents" in result.stderr
    assert "run `unionwatch run` once" in result.stderr and "Traceback" not in result.stderr
