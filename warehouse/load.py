"""Loads one source's refined batch into the warehouse in a single transaction, idempotently."""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import duckdb
import pandas as pd

from records import Document, Extraction, SourceConfig
from warehouse import quality
from warehouse.db import connect, transaction
from warehouse.migrate import migrate
from warehouse.search import update_index
from warehouse.state import blocked

if TYPE_CHECKING:
    from expectations.gate import GateResult
    from warehouse.recheck import RecheckReport


class Classified(Protocol):
    """What the loader needs of a classification."""

    topics: tuple[str, ...]
    matched_terms: tuple[str, ...]
    score: float
    snippet: str


class Related(Protocol):
    """What the loader needs of a relatedness score (transforms.related.Relatedness)."""

    score: float
    related: bool
    passage: str
    fingerprint: str


class RefinedLike(Protocol):
    """What the loader needs of a refined record (transforms.pipeline.Refined)."""

    document: Document
    content_hash: str
    classification: Classified | None
    relatedness: Related | None


@dataclass(frozen=True)
class SourceLoad:
    """What one load changed."""

    source_id: str
    documents_seen: int
    documents_new: int
    documents_changed: int
    flags_new: int
    documents_unchanged: int = 0
    documents_removed: int = 0
    quarantined: int = 0
    blocked: str | None = None  # why the quality gate held the whole batch back

    def plus(self, later: SourceLoad) -> SourceLoad:
        """This load and a later slice of the same source, counted together; the first reason a gate blocked."""
        return SourceLoad(self.source_id, self.documents_seen + later.documents_seen,
                          self.documents_new + later.documents_new,
                          self.documents_changed + later.documents_changed, self.flags_new + later.flags_new,
                          self.documents_unchanged + later.documents_unchanged,
                          self.documents_removed + later.documents_removed, self.quarantined + later.quarantined,
                          self.blocked or later.blocked)


STILL_BLOCKED = "still held back: nothing published since the quality gate stopped a batch"

# Bodies are compressed and inserted this many at a time, still in the batch's one transaction: compressed
# all at once, a 4,000-page source held a second copy of its archive in memory during the load.
BODIES_PER_INSERT = 500

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
    CAST(body AS VARCHAR) AS body, CAST(raw_sha256 AS VARCHAR) AS raw_sha256, CAST(marker AS VARCHAR) AS marker,
    CAST(topics AS VARCHAR[]) AS topics, CAST(matched_terms AS VARCHAR[]) AS matched_terms,
    CAST(score AS DOUBLE) AS score, CAST(snippet AS VARCHAR) AS snippet, CAST(body_source AS VARCHAR) AS body_source
FROM stage_df
"""

CHANGES_SQL = """
CREATE TEMP TABLE changes AS
SELECT s.*, COALESCE(k.current_version, 0) + 1 AS version, k.document_id IS NULL AS is_new,
       s.topics IS NOT NULL AND (f.document_id IS NULL OR f.cleared_at IS NOT NULL) AS became_flagged
FROM stage s
LEFT JOIN document_keys k ON k.document_id = s.document_id
LEFT JOIN document_versions v ON v.document_id = k.document_id AND v.version = k.current_version
LEFT JOIN flags f ON f.document_id = s.document_id
WHERE v.content_hash IS DISTINCT FROM s.content_hash
"""

VERSION_SQL = [
    """INSERT INTO document_versions (document_id, version, content_hash, url, title, author, published_at,
              conference, decision, year, motion_group, labels, body, raw_sha256, run_id, seen_at, marker,
              body_source, became_flagged)
       SELECT document_id, version, content_hash, url, title, author, published_at, conference, decision,
              year, motion_group, labels, body, raw_sha256, $run_id, $now, marker, body_source, became_flagged
       FROM changes""",
    """INSERT INTO document_keys
       SELECT document_id, source_id, kind, source_key, 1, $now, $now, marker, $now, NULL
       FROM changes WHERE is_new""",
    """UPDATE document_keys SET current_version = c.version
       FROM changes c WHERE document_keys.document_id = c.document_id AND NOT c.is_new""",
]

# Seen again: not removed (any more), and its marker is the one the source shows now. Skipped by reparse.
# A page parsed without a marker (HTML) keeps the one the feed gave.
SIGHTING_SQL = """UPDATE document_keys SET last_seen_at = $now, checked_at = $now, removed_at = NULL,
                         marker = COALESCE(s.marker, document_keys.marker)
                  FROM stage s WHERE document_keys.document_id = s.document_id"""

# Flags follow the classification of every staged row, so a rules change reaches unchanged documents too.
# A refreshed flag keeps its first flagged_at.
FLAG_SQL = [
    """UPDATE flags SET version = s.current_version, topics = s.topics, matched_terms = s.matched_terms,
              score = s.score, snippet = s.snippet, rules_fingerprint = $rules, updated_at = $now, cleared_at = NULL
       FROM (SELECT stage.*, k.current_version FROM stage JOIN document_keys k USING (document_id)) s
       WHERE flags.document_id = s.document_id AND s.topics IS NOT NULL
         AND (flags.topics IS DISTINCT FROM s.topics OR flags.matched_terms IS DISTINCT FROM s.matched_terms
              OR flags.snippet IS DISTINCT FROM s.snippet OR flags.cleared_at IS NOT NULL
              OR flags.version <> s.current_version OR flags.rules_fingerprint <> $rules)""",
    """UPDATE flags SET updated_at = $now, cleared_at = $now
       FROM stage s WHERE flags.document_id = s.document_id AND s.topics IS NULL AND flags.cleared_at IS NULL""",
    """INSERT INTO flags
       SELECT s.document_id, k.current_version, s.topics, s.matched_terms, s.score, s.snippet, $rules, $now, $now,
              NULL
       FROM stage s JOIN document_keys k USING (document_id)
       WHERE s.topics IS NOT NULL AND NOT EXISTS (SELECT 1 FROM flags f WHERE f.document_id = s.document_id)""",
]

# Relatedness follows the score of every staged row that has one, like flags; `related_at` keeps the first time
# the document reached the threshold. Rows are rewritten only when something about them changed.
RELATED_SQL = """
INSERT INTO relatedness
SELECT CAST(s.document_id AS VARCHAR), k.current_version, CAST(s.related_score AS DOUBLE),
       CAST(s.related AS BOOLEAN), CAST(s.related_passage AS VARCHAR), CAST(s.related_fingerprint AS VARCHAR),
       CASE WHEN CAST(s.related AS BOOLEAN) THEN $now END, $now
FROM stage_df s JOIN document_keys k ON k.document_id = CAST(s.document_id AS VARCHAR)
WHERE s.related_passage IS NOT NULL
ON CONFLICT (document_id) DO UPDATE SET
    version = excluded.version, score = excluded.score, related = excluded.related, passage = excluded.passage,
    examples_fingerprint = excluded.examples_fingerprint,
    related_at = coalesce(relatedness.related_at, excluded.related_at), scored_at = excluded.scored_at
WHERE relatedness.version <> excluded.version OR relatedness.score <> excluded.score
   OR relatedness.passage <> excluded.passage OR relatedness.examples_fingerprint <> excluded.examples_fingerprint
"""

# A backfill loads a source in slices, each its own transaction: the source's run row adds them up.
SOURCE_RUN_SQL = """INSERT INTO source_runs (run_id, source_id, status, discovered_via, requests, documents_seen,
    documents_new, documents_changed, flags_new, failures, error, finished_at, documents_unchanged,
    documents_removed, not_modified)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?, ?, ?)
ON CONFLICT (run_id, source_id) DO UPDATE SET
    status = CASE WHEN source_runs.status = 'succeeded' THEN excluded.status ELSE source_runs.status END,
    discovered_via = excluded.discovered_via, requests = source_runs.requests + excluded.requests,
    documents_seen = source_runs.documents_seen + excluded.documents_seen,
    documents_new = source_runs.documents_new + excluded.documents_new,
    documents_changed = source_runs.documents_changed + excluded.documents_changed,
    flags_new = source_runs.flags_new + excluded.flags_new, failures = source_runs.failures + excluded.failures,
    error = coalesce(source_runs.error, excluded.error), finished_at = excluded.finished_at,
    documents_unchanged = source_runs.documents_unchanged + excluded.documents_unchanged,
    documents_removed = source_runs.documents_removed + excluded.documents_removed,
    not_modified = source_runs.not_modified + excluded.not_modified"""


def start_run(db_path: Path | str, command: str, sources: Sequence[SourceConfig]) -> str:
    """Migrate the schema, record the configured sources and open a run; returns its id."""
    run_id = uuid.uuid4().hex
    with connect(db_path) as con:
        migrate(con)
        con.execute("BEGIN TRANSACTION")
        update_index(con)  # documents of a warehouse made before the index, once; nothing after that
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
    """Record that a source's extraction failed in this run; slices of a backfill loaded before stay counted."""
    with connect(db_path) as con:
        con.execute("""INSERT INTO source_runs (run_id, source_id, status, requests, documents_seen,
                           documents_new, documents_changed, flags_new, failures, error, finished_at)
                       VALUES (?, ?, 'failed', 0, 0, 0, 0, 0, 0, ?, now())
                       ON CONFLICT (run_id, source_id) DO UPDATE SET status = 'failed', error = excluded.error,
                           finished_at = excluded.finished_at""", [run_id, source_id, error])


def load_source(db_path: Path | str, run_id: str, extraction: Extraction, refined: Sequence[RefinedLike],
                rules_fingerprint: str, *, gate: GateResult | None = None, sighting: bool = True) -> SourceLoad:
    """Archive raw bodies, publish the rows the quality gate passed, quarantine the rest, atomically.

    Without a gate every row is published. A gate whose batch checks failed publishes nothing and
    marks the source's run `blocked`; so does a run that publishes nothing while the source's latest batch
    is held back (a 304 on the listing is no sign the source is well). `sighting` is False when the batch
    was rebuilt from the archive (reparse): then nothing counts as seen.
    """
    stage_df = stage_frame(refined)
    blocked = gate is not None and not gate.batch_ok
    with connect(db_path) as con, transaction(con):
        _archive(con, extraction)
        quarantined = quality.record_gate(con, run_id, gate, stage_df) if gate else 0
        passing = quality.passing_rows(stage_df, gate) if gate else stage_df
        new, changed, flags_new = 0, 0, 0
        if len(passing):  # an empty batch (a quiet run) would still pay for a dozen statements over big tables
            new, changed, flags_new = _publish(con, passing, run_id, rules_fingerprint, sighting=sighting)
        if not blocked:
            _mark_unchanged_and_removed(con, extraction, pd.Timestamp.now(tz="UTC"))
        _record_failures(con, run_id, extraction)
        reason = _gate_error(gate) if blocked else None
        if reason is None and not len(passing):
            reason = _still_blocked(con, run_id, extraction.source_id)
        con.execute(SOURCE_RUN_SQL,
            [run_id, extraction.source_id, quality.BLOCKED if reason else "succeeded",
             extraction.discovered_via, extraction.requests, len(refined), new, changed, flags_new,
             len(extraction.failures), reason, len(set(extraction.unchanged)),
             len(set(extraction.removed)), extraction.not_modified])
    return SourceLoad(extraction.source_id, len(refined), new, changed, flags_new,
                      len(set(extraction.unchanged)), len(set(extraction.removed)), quarantined, reason)


def publish_released(db_path: Path | str, report: RecheckReport, rules_fingerprint: str) -> int:
    """Publish quarantined rows that now pass (`unionwatch quality recheck`), in one transaction."""
    run_id = start_run(db_path, "quality recheck", [])
    with connect(db_path) as con, transaction(con):
        _publish(con, report.rows[list(quality.STAGE_COLUMNS)], run_id, rules_fingerprint, sighting=True)
        published = quality.apply_recheck(con, report)
    finish_run(db_path, run_id, "succeeded")
    return published


def _publish(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, run_id: str, rules_fingerprint: str, *,
             sighting: bool) -> tuple[int, int, int]:
    """New versions, keys and flags from staged rows; returns (new, changed, new flags)."""
    con.register("stage_df", rows)
    con.execute(STAGE_SQL)
    con.execute(CHANGES_SQL)
    new, changed = con.execute(
        "SELECT count(*) FILTER (WHERE is_new), count(*) FILTER (WHERE NOT is_new) FROM changes").fetchone()
    flags_new = con.execute(
        """SELECT count(*) FROM stage s WHERE topics IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM flags f WHERE f.document_id = s.document_id)""").fetchone()[0]
    params = {"run_id": run_id, "now": pd.Timestamp.now(tz="UTC"), "rules": rules_fingerprint}
    for sql in VERSION_SQL + ([SIGHTING_SQL] if sighting else []) + FLAG_SQL:
        con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
    if "related_score" in rows.columns:  # rows released from quarantine were staged before they were scored
        con.execute(RELATED_SQL, {"now": params["now"]})
    if new or changed:
        update_index(con)
    con.execute("DROP TABLE changes")
    con.execute("DROP TABLE stage")
    con.unregister("stage_df")
    return new, changed, flags_new


def _gate_error(gate: GateResult | None) -> str:
    """Why a gate blocked a batch, for source_runs.error and the run summary."""
    return "quality gate: " + "; ".join(gate.batch_reasons) if gate else ""


def _still_blocked(con: duckdb.DuckDBPyConnection, run_id: str, source_id: str) -> str | None:
    """Why a run that published nothing leaves its source blocked: its latest batch was held back, and no
    earlier slice of this run published."""
    if con.execute("SELECT 1 FROM source_runs WHERE run_id = ? AND source_id = ?", [run_id, source_id]).fetchone():
        return None
    reason = blocked(con, source_id, before_run=run_id)
    if reason is None or reason.startswith(STILL_BLOCKED):
        return reason
    return f"{STILL_BLOCKED} ({reason})"


def _mark_unchanged_and_removed(con: duckdb.DuckDBPyConnection, extraction: Extraction, now: pd.Timestamp) -> None:
    """Confirmed-unchanged items count as seen; items whose page is gone get a removal date once."""
    ids = [f"{extraction.source_id}:{key}" for key in dict.fromkeys(extraction.unchanged)]
    if ids:
        con.execute("UPDATE document_keys SET last_seen_at = ?, checked_at = ? WHERE document_id IN "
                    "(SELECT unnest(?::VARCHAR[]))", [now, now, ids])
    gone = [f"{extraction.source_id}:{key}" for key in dict.fromkeys(extraction.removed)]
    if gone:
        con.execute("UPDATE document_keys SET removed_at = ?, checked_at = ? WHERE removed_at IS NULL AND "
                    "document_id IN (SELECT unnest(?::VARCHAR[]))", [now, now, gone])


def _archive(con: duckdb.DuckDBPyConnection, extraction: Extraction) -> None:
    """Store each response body once (compressed) and its URL, status and headers."""
    _remember_validators(con, extraction)
    parsed = [raw for raw in extraction.raw if raw.status != 304]
    if not parsed:
        return
    by_sha = {raw.sha256: raw for raw in parsed}
    con.register("shas_df", pd.DataFrame({"sha256": list(by_sha)}))
    known = {row[0] for row in con.execute(
        "SELECT sha256 FROM raw_bodies WHERE sha256 IN (SELECT sha256 FROM shas_df)").fetchall()}
    fresh = [raw for sha, raw in by_sha.items() if sha not in known]
    for start in range(0, len(fresh), BODIES_PER_INSERT):
        chunk = fresh[start:start + BODIES_PER_INSERT]
        con.register("bodies_df", pd.DataFrame({
            "sha256": [raw.sha256 for raw in chunk], "size_bytes": [len(raw.body) for raw in chunk],
            "body_zlib": [zlib.compress(raw.body, 6) for raw in chunk],
            "fetched_at": pd.to_datetime([raw.fetched_at for raw in chunk], utc=True)}))
        con.execute("INSERT INTO raw_bodies SELECT sha256, size_bytes, CAST(body_zlib AS BLOB), fetched_at "
                    "FROM bodies_df")
        con.unregister("bodies_df")
    con.register("responses_df", pd.DataFrame({
        "url": [raw.url for raw in parsed], "sha256": [raw.sha256 for raw in parsed],
        "final_url": [raw.final_url for raw in parsed], "status": [raw.status for raw in parsed],
        "headers_json": [json.dumps(raw.headers, sort_keys=True) for raw in parsed],
        "fetched_at": pd.to_datetime([raw.fetched_at for raw in parsed], utc=True),
        "role": [raw.role for raw in parsed]}))
    con.execute(
        """INSERT INTO responses (url, sha256, source_id, final_url, status, headers_json, first_fetched_at,
                                  last_fetched_at, role)
           SELECT DISTINCT ON (url, sha256) url, sha256, ?, final_url, status, headers_json, fetched_at, fetched_at,
                  role
           FROM responses_df ORDER BY url, sha256, fetched_at DESC
           ON CONFLICT (url, sha256) DO UPDATE SET last_fetched_at = excluded.last_fetched_at,
               status = excluded.status, headers_json = excluded.headers_json, final_url = excluded.final_url,
               role = excluded.role""",
        [extraction.source_id])


def _remember_validators(con: duckdb.DuckDBPyConnection, extraction: Extraction) -> None:
    """Keep each URL's latest ETag/Last-Modified for the next run's conditional GET (one statement per batch)."""
    latest = list({raw.url: raw for raw in sorted(extraction.raw, key=lambda raw: raw.fetched_at)}.values())
    if not latest:
        return
    con.register("validators_df", pd.DataFrame({
        "url": [raw.url for raw in latest], "source_id": extraction.source_id,
        "etag": [raw.headers.get("etag") for raw in latest],
        "last_modified": [raw.headers.get("last-modified") for raw in latest],
        "status": [raw.status for raw in latest],
        "sha256": [raw.sha256 if raw.status != 304 else None for raw in latest],
        "checked_at": pd.to_datetime([raw.fetched_at for raw in latest], utc=True)}))
    con.execute(
        """INSERT INTO http_cache
           SELECT url, source_id, CAST(etag AS VARCHAR), CAST(last_modified AS VARCHAR), CAST(status AS INTEGER),
                  CAST(sha256 AS VARCHAR), checked_at FROM validators_df
           ON CONFLICT (url) DO UPDATE SET
               etag = COALESCE(excluded.etag, CASE WHEN excluded.status = 304 THEN http_cache.etag END),
               last_modified = COALESCE(excluded.last_modified,
                                        CASE WHEN excluded.status = 304 THEN http_cache.last_modified END),
               status = CASE WHEN excluded.status = 304 THEN http_cache.status ELSE excluded.status END,
               sha256 = COALESCE(excluded.sha256, http_cache.sha256), checked_at = excluded.checked_at""")
    con.unregister("validators_df")


def _record_failures(con: duckdb.DuckDBPyConnection, run_id: str, extraction: Extraction) -> None:
    """Keep every per-URL failure of this run with its reason."""
    if extraction.failures:
        con.executemany("INSERT INTO fetch_failures VALUES (?, ?, ?, ?, ?, ?, now())",
                        [[run_id, extraction.source_id, f.url, f.reason, f.status, f.attempts]
                         for f in extraction.failures])


# Staged beside quality.STAGE_COLUMNS, for the relatedness table only (quarantine does not keep them).
RELATED_COLUMNS = ("related_score", "related", "related_passage", "related_fingerprint")


def stage_frame(refined: Sequence[RefinedLike]) -> pd.DataFrame:
    """The batch as a DataFrame with one column per staged field (quality.STAGE_COLUMNS, then RELATED_COLUMNS)."""
    rows = []
    for item in refined:
        doc, flag, related = item.document, item.classification, item.relatedness
        rows.append({
            "document_id": doc.document_id, "source_id": doc.source_id, "kind": doc.kind, "source_key": doc.key,
            "content_hash": item.content_hash, "url": doc.url, "title": doc.title, "author": doc.author,
            "published_at": doc.published_at, "conference": doc.conference, "decision": doc.decision,
            "year": doc.year, "motion_group": doc.group, "labels": list(doc.labels), "body": doc.body,
            "raw_sha256": doc.raw_sha256, "marker": doc.marker,
            "topics": list(flag.topics) if flag else None,
            "matched_terms": list(flag.matched_terms) if flag else None,
            "score": flag.score if flag else None, "snippet": flag.snippet if flag else None,
            "body_source": doc.body_source,
            "related_score": related.score if related else None, "related": related.related if related else None,
            "related_passage": related.passage if related else None,
            "related_fingerprint": related.fingerprint if related else None,
        })
    frame = pd.DataFrame(rows, columns=[
        "document_id", "source_id", "kind", "source_key", "content_hash", "url", "title", "author",
        "published_at", "conference", "decision", "year", "motion_group", "labels", "body", "raw_sha256",
        "marker", "topics", "matched_terms", "score", "snippet", "body_source", *RELATED_COLUMNS])
    frame["published_at"] = pd.to_datetime(frame["published_at"], utc=True)
    return frame.astype({"year": "Int64"})
