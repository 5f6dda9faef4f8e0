"""Tests for warehouse.load: one source's batch written to DuckDB, asserted with SQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from records import Document, Extraction, RawResponse, SourceConfig
from transforms.classify import load_rules, rules_fingerprint
from transforms.pipeline import refine
from warehouse import load
from warehouse.archive import archived_responses

SOURCE = SourceConfig(id="branch", kind="wordpress", url="http://127.0.0.1:9/", name="Branch")


def _batch(pages: int) -> Extraction:
    """A source's batch of `pages` distinct pages, each parsed into one post."""
    extraction = Extraction(SOURCE.id, requests=pages)
    for n in range(pages):
        url = f"http://127.0.0.1:9/post-{n}/"
        raw = RawResponse(url=url, final_url=url, status=200, headers={"etag": f'"{n}"'},
                          body=f"<html><body><p>Post {n}: shared services again</p></body></html>".encode(),
                          fetched_at=datetime(2026, 12, 3, 12, n, tzinfo=UTC), role="post")
        extraction.raw.append(raw)
        extraction.documents.append(Document(SOURCE.id, "blog_post", str(n), url, f"Post {n}",
                                             f"Post {n}: shared services again", raw_sha256=raw.sha256))
    return extraction


def test_every_body_is_archived_once_across_insert_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load, "BODIES_PER_INSERT", 2)
    db, rules = tmp_path / "w.duckdb", load_rules(None)
    extraction = _batch(5)
    for _ in range(2):  # the rerun finds every body stored already
        run_id = load.start_run(db, "run", [SOURCE])
        load.load_source(db, run_id, extraction, refine(extraction.documents, rules), rules_fingerprint(rules))
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*), count(DISTINCT sha256) FROM raw_bodies").fetchone() == (5, 5)
        assert con.execute("SELECT count(*) FROM document_keys").fetchone() == (5,)
    assert {raw.body for raw in archived_responses(db, SOURCE.id)} == {raw.body for raw in extraction.raw}


def test_a_failure_after_loaded_slices_keeps_their_counts(tmp_path: Path) -> None:
    db, rules = tmp_path / "w.duckdb", load_rules(None)
    run_id = load.start_run(db, "backfill", [SOURCE])
    first, second = _batch(5), _batch(3)
    for part in (first, second):
        load.load_source(db, run_id, part, refine(part.documents, rules), rules_fingerprint(rules))
    load.record_source_failure(db, run_id, SOURCE.id, "FetchError: listing page answered HTTP 500")
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("""SELECT status, requests, documents_seen, documents_new, documents_changed, error
                             FROM source_runs WHERE run_id = ?""", [run_id]).fetchall()
        published = con.execute("SELECT count(*) FROM documents").fetchone()[0]
    # The second slice's three posts are the first one's first three, unchanged: seen, not new.
    assert row == [("failed", 8, 8, 5, 0, "FetchError: listing page answered HTTP 500")]
    assert published == 5
