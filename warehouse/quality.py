"""Stores quality-gate verdicts and quarantined rows, and reads them back for `unionwatch quality`.

record_gate, release and apply_recheck take the loader's open connection and run inside its transaction,
so a source's publish, its quarantine and its validation results commit or roll back together.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from warehouse.db import connect

if TYPE_CHECKING:
    from expectations.gate import GateResult
    from warehouse.recheck import RecheckReport

BLOCKED = "blocked"  # source_runs.status of a source whose batch the gate stopped
SUCCEEDED = "succeeded"
PUBLISHED, SUPERSEDED = "published", "superseded"  # quarantine.resolution
QUALITY_TABLES = ("quality_gates", "validation_results", "quarantine")

# The loader's staged row (warehouse/load.py stage_df), kept whole so a released row publishes like any other.
STAGE_COLUMNS = ("document_id", "source_id", "kind", "source_key", "content_hash", "url", "title", "author",
                 "published_at", "conference", "decision", "year", "motion_group", "labels", "body", "raw_sha256",
                 "marker", "topics", "matched_terms", "score", "snippet", "body_source")

# OR REPLACE: a document listed twice in a backfill can be held in two of its slices; the later copy is kept.
QUARANTINE_SQL = """
INSERT OR REPLACE INTO quarantine (run_id, document_id, source_id, kind, source_key, content_hash, url, title,
                                   author, published_at, conference, decision, year, motion_group, labels, body,
                                   raw_sha256, marker, topics, matched_terms, score, snippet, reasons, quarantined_at,
                                   body_source)
SELECT $run_id, CAST(document_id AS VARCHAR), CAST(source_id AS VARCHAR), CAST(kind AS VARCHAR),
       CAST(source_key AS VARCHAR), CAST(content_hash AS VARCHAR), CAST(url AS VARCHAR), CAST(title AS VARCHAR),
       CAST(author AS VARCHAR), CAST(published_at AS TIMESTAMPTZ), CAST(conference AS VARCHAR),
       CAST(decision AS VARCHAR), CAST(year AS INTEGER), CAST(motion_group AS VARCHAR),
       CAST(labels AS VARCHAR[]), CAST(body AS VARCHAR), CAST(raw_sha256 AS VARCHAR), CAST(marker AS VARCHAR),
       CAST(topics AS VARCHAR[]), CAST(matched_terms AS VARCHAR[]), CAST(score AS DOUBLE),
       CAST(snippet AS VARCHAR), CAST(reasons AS VARCHAR[]), now(), CAST(body_source AS VARCHAR)
FROM quality_held_df
"""

MERGE_GATE_SQL = """UPDATE quality_gates SET items = items + ?, failures = failures + ?, requests = requests + ?,
    batch_ok = batch_ok AND ?, quarantined = quarantined + ?, reports_json = ?, validated_at = now()
WHERE run_id = ? AND source_id = ?"""
# A slice's verdict on one expectation; the observation kept is the first failing slice's, else the last one's.
MERGE_RESULT_SQL = """UPDATE validation_results SET observed = CASE WHEN success THEN $2 ELSE observed END,
    success = success AND $1, unexpected_count = unexpected_count + $3, validated_at = now()
WHERE run_id = $4 AND source_id = $5 AND position = $6"""

# A held row is superseded when the same document was quarantined again later, or published by a later run.
PENDING_SQL = """
SELECT q.*, g.kind AS gate_kind, g.items, g.failures, g.requests, g.history, g.batch_ok,
       EXISTS (SELECT 1 FROM quarantine later
               WHERE later.document_id = q.document_id AND later.quarantined_at > q.quarantined_at)
       OR EXISTS (SELECT 1 FROM document_keys k
                  WHERE k.document_id = q.document_id AND k.last_seen_at > q.quarantined_at) AS superseded
FROM quarantine q
JOIN quality_gates g ON g.run_id = q.run_id AND g.source_id = q.source_id
WHERE q.released_at IS NULL
ORDER BY q.quarantined_at, q.document_id
"""


@dataclass(frozen=True)
class ResultRow:
    """One expectation's latest result for a source."""

    suite: str
    expectation: str
    column: str | None
    level: str
    success: bool
    observed: str
    unexpected_count: int
    description: str


@dataclass(frozen=True)
class SourceQuality:
    """A source's latest gate: when, with which suite, whether it published, what failed."""

    source_id: str
    run_id: str
    validated_at: datetime
    suite: str
    batch_ok: bool
    quarantined: int  # rows this gate held back
    held: int  # rows of this source still in quarantine, from any run
    results: list[ResultRow]

    @property
    def ok(self) -> bool:
        """True when every expectation passed."""
        return all(result.success for result in self.results)


@dataclass(frozen=True)
class StoredGate:
    """One stored gate with its trimmed GX validation results, for Data Docs."""

    run_id: str
    source_id: str
    validated_at: datetime
    reports: list[dict[str, Any]]


def record_gate(con: duckdb.DuckDBPyConnection, run_id: str, gate: GateResult, staged: pd.DataFrame) -> int:
    """Store the gate's verdict and quarantine the rows of `staged` (the stage_df) it held back; returns how many."""
    stats = gate.stats
    if stats is None:
        raise ValueError("record_gate needs a GateResult from expectations.gate.check (it carries the batch stats)")
    held = staged[~_passed(staged, gate)]
    earlier = con.execute("SELECT reports_json FROM quality_gates WHERE run_id = ? AND source_id = ?",
                          [run_id, gate.source_id]).fetchone()
    if earlier:  # a later slice of a backfill: its source keeps one gate per run, adding the slices up
        con.execute(MERGE_GATE_SQL, [stats.items, stats.failures, stats.requests, gate.batch_ok, len(held),
                                     json.dumps(json.loads(earlier[0]) + gate.reports, default=str), run_id,
                                     gate.source_id])
        con.executemany(MERGE_RESULT_SQL, [[o.success, o.observed, o.unexpected_count, run_id, gate.source_id,
                                            position] for position, o in enumerate(gate.outcomes)])
    else:
        con.execute("INSERT INTO quality_gates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
                    [run_id, gate.source_id, stats.kind, gate.suite, stats.items, stats.failures, stats.requests,
                     list(stats.history), gate.batch_ok, len(held), json.dumps(gate.reports, default=str)])
        con.executemany(
            "INSERT INTO validation_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
            [[run_id, gate.source_id, o.suite, o.expectation, o.column, o.level, o.success, o.observed,
              o.unexpected_count, o.description, position] for position, o in enumerate(gate.outcomes)])
    if len(held):
        frame = held.reindex(columns=list(STAGE_COLUMNS)).assign(
            reasons=[gate.quarantine_reasons(doc) for doc in held["document_id"]])
        con.register("quality_held_df", frame)
        try:
            con.execute(QUARANTINE_SQL, {"run_id": run_id})
        finally:
            con.unregister("quality_held_df")
    return len(held)


def passing_rows(staged: pd.DataFrame, gate: GateResult) -> pd.DataFrame:
    """The rows of `staged` the gate lets through: what the loader stages for publishing."""
    return staged[_passed(staged, gate)]


def _passed(staged: pd.DataFrame, gate: GateResult) -> pd.Series:
    """A boolean mask over `staged`: True where the gate passed the row."""
    # astype(bool): an empty object Series would index columns, not rows.
    return staged["document_id"].map(gate.passed).astype(bool)


def volume_history(con: duckdb.DuckDBPyConnection, source_id: str, command: str, limit: int = 10) -> list[int]:
    """Items seen by the source's latest successful runs of the same `command`, newest first.

    Runs of other commands (a backfill, a reparse, a one-off `run` beside `serve`'s scheduled runs) say
    nothing about what one run of this kind yields, and neither does the source's first successful run (its
    baseline, which reads the whole listing): both are left out.
    """
    rows = con.execute("""SELECT sr.documents_seen FROM source_runs sr JOIN runs r USING (run_id)
                          WHERE sr.source_id = $source AND sr.status = $ok AND r.command = $command
                            AND sr.finished_at > (SELECT min(finished_at) FROM source_runs
                                                  WHERE source_id = $source AND status = $ok)
                          ORDER BY sr.finished_at DESC LIMIT $limit""",
                       {"source": source_id, "ok": SUCCEEDED, "command": command, "limit": limit}).fetchall()
    return [row[0] for row in rows]


def release(con: duckdb.DuckDBPyConnection, run_id: str, document_ids: Iterable[str], *,
            resolution: str = PUBLISHED) -> int:
    """Mark held rows of one run as published (or superseded); returns how many were still held."""
    ids = list(document_ids)
    if not ids:
        return 0
    count = con.execute("""UPDATE quarantine SET released_at = now(), resolution = ?
                           WHERE run_id = ? AND list_contains(?, document_id) AND released_at IS NULL""",
                        [resolution, run_id, ids]).fetchone()
    return int(count[0]) if count else 0


def apply_recheck(con: duckdb.DuckDBPyConnection, report: RecheckReport) -> int:
    """Close a recheck's published and superseded rows after `report.rows` were loaded; returns rows published."""
    # A batch that passes now counts as a successful run again, so it joins the volume history.
    published = 0
    for run_id, group in report.rows.groupby("run_id", sort=True):
        published += release(con, str(run_id), group["document_id"])
    for run_id, document_id in report.superseded:
        release(con, run_id, [document_id], resolution=SUPERSEDED)
    for run_id, source_id in report.unblocked:
        con.execute("UPDATE source_runs SET status = ? WHERE run_id = ? AND source_id = ? AND status = ?",
                    [SUCCEEDED, run_id, source_id, BLOCKED])
        con.execute("UPDATE quality_gates SET batch_ok = true WHERE run_id = ? AND source_id = ?",
                    [run_id, source_id])
    return published


def pending_quarantine(db_path: Path | str) -> pd.DataFrame:
    """Rows still held, in the stage shape plus run_id, reasons, the gate's batch figures and `superseded`."""
    with connect(db_path, read_only=True) as con:
        if not _has_quality_tables(con):
            return pd.DataFrame(columns=["run_id", *STAGE_COLUMNS, "reasons", "superseded"])
        # Built from tuples: DuckDB's .df() trips a pandas 3.1 deprecation warning.
        cursor = con.execute(PENDING_SQL)
        frame = pd.DataFrame(cursor.fetchall(), columns=[column[0] for column in cursor.description])
    frame["published_at"] = pd.to_datetime(frame["published_at"], utc=True)
    return frame.astype({"year": "Int64", "superseded": bool})


def latest_results(db_path: Path | str) -> list[SourceQuality]:
    """Each source's latest gate and its expectations' results, sources by id."""
    with connect(db_path, read_only=True) as con:
        if not _has_quality_tables(con):
            return []
        gates = con.execute("""
            SELECT g.source_id, g.run_id, g.validated_at, g.suite, g.batch_ok, g.quarantined,
                   (SELECT count(*) FROM quarantine q WHERE q.source_id = g.source_id AND q.released_at IS NULL)
            FROM quality_gates g
            QUALIFY row_number() OVER (PARTITION BY g.source_id ORDER BY g.validated_at DESC) = 1
            ORDER BY g.source_id""").fetchall()
        results: dict[str, list[ResultRow]] = {}
        for row in con.execute("""SELECT source_id, suite, expectation, column_name, level, success, observed,
                                         unexpected_count, description
                                  FROM quality_latest ORDER BY source_id, position""").fetchall():
            results.setdefault(row[0], []).append(ResultRow(*row[1:]))
    return [SourceQuality(*gate, results.get(gate[0], [])) for gate in gates]


def gate_reports(db_path: Path | str, runs: int = 10) -> list[StoredGate]:
    """The stored GX results of the latest `runs` runs' gates, newest first."""
    with connect(db_path, read_only=True) as con:
        if not _has_quality_tables(con):
            return []
        rows = con.execute("""
            SELECT run_id, source_id, validated_at, reports_json FROM quality_gates
            WHERE run_id IN (SELECT run_id FROM quality_gates GROUP BY run_id
                             ORDER BY max(validated_at) DESC LIMIT ?)
            ORDER BY validated_at DESC, source_id""", [runs]).fetchall()
    return [StoredGate(run_id, source_id, at, json.loads(reports)) for run_id, source_id, at, reports in rows]


def _has_quality_tables(con: duckdb.DuckDBPyConnection) -> bool:
    """True when migration 004 has run on this warehouse."""
    found = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name IN (?, ?, ?)",
                        list(QUALITY_TABLES)).fetchone()
    return bool(found and found[0] == len(QUALITY_TABLES))
