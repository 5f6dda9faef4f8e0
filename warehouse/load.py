"""Loads one source's refined batch into the warehouse in a single transaction, idempotently."""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import duckdb
import pandas as pd

from extractors.records import Document, Extraction, SourceConfig
from warehouse.db import connect
from warehouse.migrate import migrate


class Classified(Protocol):
    """What the loader needs of a classification."""

    topics: tuple[str, ...]
    matched_terms: tuple[str, ...]
    score: float
    snippet: str


class RefinedLike(Protocol):
    """What the loader needs of a refined record (transforms.pipeline.Refined)."""

    document: Document
    content_hash: str
    classification: Classified | None


@dataclass(frozen=True)
class SourceLoad:
    """What one load changed."""

    source_id: str
    documents_seen: int
    documents_new: int
    documents_changed: int
    flags_new: int


# Typed staging: pandas infers list and NULL columns loosely, so every column is cast once here.
STAGE_SQL = """
CREATE TEMP TABLE stage AS SELECT
    CAST(document_id AS VARCHAR) AS document_id, CAST(source_id AS VARCHAR) AS source_id,
    CAST(kind AS VARCHAR) AS kind, CAST(source_key AS VARCHAR) AS source_key,
    CAST(content_hash AS VARCHAR) AS content_hash, CAST(url AS VARCHAR) AS url,
    CAST(title AS VARCHAR) AS title, CAST(author AS VARCHAR) AS author,
    CAST(published_at AS TIMESTAMPTZ) AS published_at, CAST(conference AS VARCHAR) AS conference,
    CAST(decision AS VARCHAR) AS decision, CAST(year AS INTEGER) AS year,
    CAST(motion_group AS VARCHAR) AS motion_group, CAST(labels AS VARCHAR[]) AS labels,
    CAST(body AS VARCHAR) AS body, CAST(raw_sha256 AS VARCHAR) AS raw_sha256,
    CAST(topics AS VARCHAR[]) AS topics, CAST(matched_terms AS VARCHAR[]) AS matched_terms,
    CAST(score AS DOUBLE) AS score, CAST(snippet AS VARCHAR) AS snippet
FROM stage_df
"""

CHANGES_SQL = """
CREATE TEMP TABLE changes AS
SELECT s.*, COALESCE(k.current_version, 0) + 1 AS version, k.document_id IS NULL AS is_new
FROM stage s
LEFT JOIN document_keys k ON k.document_id = s.document_id
LEFT JOIN document_versions v ON v.document_id = k.document_id AND v.version = k.current_version
WHERE v.content_hash IS DISTINCT FROM s.content_hash
"""

LOAD_SQL = [
    """INSERT INTO document_versions
       SELECT document_id, version, content_hash, url, title, author, published_at, conference, decision,
              year, motion_group, labels, body, raw_sha256, $run_id, $now FROM changes""",
    """INSERT INTO document_keys
       SELECT document_id, source_id, kind, source_key, 1, $now, $now FROM changes WHERE is_new""",
    """UPDATE document_keys SET current_version = c.version
       FROM changes c WHERE document_keys.document_id = c.document_id AND NOT c.is_new""",
    """UPDATE document_keys SET last_seen_at = $now WHERE document_id IN (SELECT document_id FROM stage)""",
    # An edit that keeps a mention refreshes the flag but keeps its first flagged_at.
    """UPDATE flags SET version = c.version, topics = c.topics, matched_terms = c.matched_terms, score = c.score,
              snippet = c.snippet, rules_fingerprint = $rules, updated_at = $now, cleared_at = NULL
       FROM changes c WHERE flags.document_id = c.document_id AND c.topics IS NOT NULL""",
    """UPDATE flags SET version = c.version, updated_at = $now, cleared_at = $now
       FROM changes c WHERE flags.document_id = c.document_id AND c.topics IS NULL AND flags.cleared_at IS NULL""",
    """INSERT INTO flags
       SELECT document_id, version, topics, matched_terms, score, snippet, $rules, $now, $now, NULL
       FROM changes c
       WHERE topics IS NOT NULL AND NOT EXISTS (SELECT 1 FROM flags f WHERE f.document_id = c.document_id)""",
]


def start_run(db_path: Path | str, command: str, sources: Sequence[SourceConfig]) -> str:
    """Migrate the schema, record the configured sources and open a run; returns its id."""
    run_id = uuid.uuid4().hex
    with connect(db_path) as con:
        migrate(con)
        con.execute("BEGIN TRANSACTION")
        # Only one run holds the run lock, so any run still 'running' was killed.
        con.execute("UPDATE runs SET status = 'abandoned' WHERE status = 'running'")
        for source in sources:
            con.execute(
                """INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, now(), now())
                   ON CONFLICT (source_id) DO UPDATE SET kind = excluded.kind, name = excluded.name,
                   url = excluded.url, enabled = excluded.enabled, delay_seconds = excluded.delay_seconds,
                   updated_at = excluded.updated_at""",
                [source.id, source.kind, source.name, source.url, source.enabled, source.delay])
        con.execute("INSERT INTO runs VALUES (?, now(), NULL, 'running', ?)", [run_id, command])
        con.execute("COMMIT")
    return run_id


def finish_run(db_path: Path | str, run_id: str, status: str) -> None:
    """Close a run with its final status."""
    with connect(db_path) as con:
        con.execute("UPDATE runs SET status = ?, finished_at = now() WHERE run_id = ?", [status, run_id])


def record_source_failure(db_path: Path | str, run_id: str, source_id: str, error: str) -> None:
    """Record that a source could not be extracted at all in this run."""
    with connect(db_path) as con:
        con.execute("INSERT OR REPLACE INTO source_runs VALUES (?, ?, 'failed', NULL, 0, 0, 0, 0, 0, 0, ?, now())",
                    [run_id, source_id, error])


def load_source(db_path: Path | str, run_id: str, extraction: Extraction, refined: Sequence[RefinedLike],
                rules_fingerprint: str) -> SourceLoad:
    """Archive raw bodies, add new document versions and flags, and record the source's run, atomically."""
    with connect(db_path) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            _archive(con, extraction)
            con.register("stage_df", _stage_frame(refined))
            con.execute(STAGE_SQL)
            con.execute(CHANGES_SQL)
            new, changed, flags_new = con.execute(
                """SELECT count(*) FILTER (WHERE is_new), count(*) FILTER (WHERE NOT is_new),
                          count(*) FILTER (WHERE topics IS NOT NULL AND NOT EXISTS
                              (SELECT 1 FROM flags f WHERE f.document_id = c.document_id))
                   FROM changes c""").fetchone()
            params = {"run_id": run_id, "now": pd.Timestamp.now(tz="UTC"), "rules": rules_fingerprint}
            for sql in LOAD_SQL:
                con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
            _record_failures(con, run_id, extraction)
            con.execute(
                "INSERT OR REPLACE INTO source_runs VALUES (?, ?, 'succeeded', ?, ?, ?, ?, ?, ?, ?, NULL, now())",
                [run_id, extraction.source_id, extraction.discovered_via, extraction.requests, len(refined),
                 new, changed, flags_new, len(extraction.failures)])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return SourceLoad(extraction.source_id, len(refined), new, changed, flags_new)


def _archive(con: duckdb.DuckDBPyConnection, extraction: Extraction) -> None:
    """Store each response body once (compressed) and its URL, status and headers."""
    if not extraction.raw:
        return
    by_sha = {raw.sha256: raw for raw in extraction.raw}
    con.register("shas_df", pd.DataFrame({"sha256": list(by_sha)}))
    known = {row[0] for row in con.execute(
        "SELECT sha256 FROM raw_bodies WHERE sha256 IN (SELECT sha256 FROM shas_df)").fetchall()}
    fresh = [raw for sha, raw in by_sha.items() if sha not in known]
    if fresh:
        con.register("bodies_df", pd.DataFrame({
            "sha256": [raw.sha256 for raw in fresh], "size_bytes": [len(raw.body) for raw in fresh],
            "body_zlib": [zlib.compress(raw.body, 6) for raw in fresh],
            "fetched_at": pd.to_datetime([raw.fetched_at for raw in fresh], utc=True)}))
        con.execute("INSERT INTO raw_bodies SELECT sha256, size_bytes, CAST(body_zlib AS BLOB), fetched_at "
                    "FROM bodies_df")
    con.register("responses_df", pd.DataFrame({
        "url": [raw.url for raw in extraction.raw], "sha256": [raw.sha256 for raw in extraction.raw],
        "final_url": [raw.final_url for raw in extraction.raw], "status": [raw.status for raw in extraction.raw],
        "headers_json": [json.dumps(raw.headers, sort_keys=True) for raw in extraction.raw],
        "fetched_at": pd.to_datetime([raw.fetched_at for raw in extraction.raw], utc=True)}))
    con.execute(
        """INSERT INTO responses
           SELECT DISTINCT ON (url, sha256) url, sha256, ?, final_url, status, headers_json, fetched_at, fetched_at
           FROM responses_df ORDER BY url, sha256, fetched_at DESC
           ON CONFLICT (url, sha256) DO UPDATE SET last_fetched_at = excluded.last_fetched_at,
               status = excluded.status, headers_json = excluded.headers_json, final_url = excluded.final_url""",
        [extraction.source_id])


def _record_failures(con: duckdb.DuckDBPyConnection, run_id: str, extraction: Extraction) -> None:
    """Keep every per-URL failure of this run with its reason."""
    for failure in extraction.failures:
        con.execute("INSERT INTO fetch_failures VALUES (?, ?, ?, ?, ?, ?, now())",
                    [run_id, extraction.source_id, failure.url, failure.reason, failure.status, failure.attempts])


def _stage_frame(refined: Sequence[RefinedLike]) -> pd.DataFrame:
    """The batch as a DataFrame with one column per staged field."""
    rows = []
    for item in refined:
        doc, flag = item.document, item.classification
        rows.append({
            "document_id": doc.document_id, "source_id": doc.source_id, "kind": doc.kind, "source_key": doc.key,
            "content_hash": item.content_hash, "url": doc.url, "title": doc.title, "author": doc.author,
            "published_at": doc.published_at, "conference": doc.conference, "decision": doc.decision,
            "year": doc.year, "motion_group": doc.group, "labels": list(doc.labels), "body": doc.body,
            "raw_sha256": doc.raw_sha256,
            "topics": list(flag.topics) if flag else None,
            "matched_terms": list(flag.matched_terms) if flag else None,
            "score": flag.score if flag else None, "snippet": flag.snippet if flag else None,
        })
    frame = pd.DataFrame(rows, columns=[
        "document_id", "source_id", "kind", "source_key", "content_hash", "url", "title", "author",
        "published_at", "conference", "decision", "year", "motion_group", "labels", "body", "raw_sha256",
        "topics", "matched_terms", "score", "snippet"])
    frame["published_at"] = pd.to_datetime(frame["published_at"], utc=True)
    return frame.astype({"year": "Int64"})
