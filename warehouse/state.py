"""Reads what earlier runs saw of a source, so its extractor can skip what cannot have changed."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb

from records import Known, KnownDocument
from warehouse.db import connect

# A URL that failed is fetched again by the next runs until it succeeds, for a while: a page that has
# failed in RETRY_RUNS runs, or not at all in RETRY_DAYS, is left to the listing and revalidation.
RETRY_DAYS, RETRY_RUNS, RETRY_LIMIT = 14, 5, 200
RETRY_SQL = """
SELECT f.url FROM fetch_failures f
LEFT JOIN http_cache h ON h.url = f.url AND h.status IN (200, 304)
WHERE f.source_id = ? AND f.failed_at > now() - to_days(CAST(? AS INTEGER))
GROUP BY f.url
HAVING max(f.failed_at) > coalesce(max(h.checked_at), '-infinity'::TIMESTAMPTZ) AND count(DISTINCT f.run_id) < ?
ORDER BY max(f.failed_at) DESC LIMIT ?
"""


def known_states(db_path: Path | str, source_ids: Iterable[str], *, backfill: bool = False,
                 since_year: int | None = None) -> dict[str, Known]:
    """Known documents (not removed) and stored HTTP validators of each source, over one connection."""
    with connect(db_path) as con:
        return {source_id: _known(con, source_id, backfill, since_year) for source_id in source_ids}


def _known(con: duckdb.DuckDBPyConnection, source_id: str, backfill: bool, since_year: int | None) -> Known:
    """One source's known state, read on an open connection.

    While the source's latest batch is held back by its quality gate, no validators are handed on: the next
    run reads its listing and pages whole, so a 304 cannot hide the pages that were not published.
    """
    documents = con.execute(
        """SELECT k.source_key, v.url, k.marker, k.checked_at, v.body_source, k.removed_at IS NOT NULL
           FROM document_keys k
           JOIN document_versions v ON v.document_id = k.document_id AND v.version = k.current_version
           WHERE k.source_id = ?""", [source_id]).fetchall()
    validators = [] if blocked(con, source_id) else con.execute(
        """SELECT url, etag, last_modified FROM http_cache
           WHERE source_id = ? AND (etag IS NOT NULL OR last_modified IS NOT NULL)""", [source_id]).fetchall()
    retry = con.execute(RETRY_SQL, [source_id, RETRY_DAYS, RETRY_RUNS, RETRY_LIMIT]).fetchall()
    return Known(
        documents={key: KnownDocument(url, marker, checked_at, body_source)
                   for key, url, marker, checked_at, body_source, removed in documents if not removed},
        validators={url: (etag, last_modified) for url, etag, last_modified in validators},
        backfill=backfill, since_year=since_year, retry=[row[0] for row in retry],
        removed={row[0] for row in documents if row[5]},
    )


def blocked(con: duckdb.DuckDBPyConnection, source_id: str, *, before_run: str | None = None) -> str | None:
    """Why the source's latest batch was held back, or None when it was published (runs that failed say nothing).

    `before_run` leaves that run out. A run that published nothing after a blocked one stays blocked.
    """
    from warehouse.quality import BLOCKED, SUCCEEDED

    row = con.execute(
        """SELECT status, error FROM source_runs
           WHERE source_id = ? AND status IN (?, ?) AND run_id IS DISTINCT FROM ?
           ORDER BY finished_at DESC LIMIT 1""", [source_id, BLOCKED, SUCCEEDED, before_run]).fetchone()
    return (row[1] or "quality gate") if row and row[0] == BLOCKED else None


def volume_histories(db_path: Path | str, source_ids: Iterable[str], command: str) -> dict[str, list[int]]:
    """Documents per earlier successful run of `command` of each source, newest first (the volume bounds)."""
    from warehouse.quality import volume_history

    with connect(db_path) as con:
        return {source_id: volume_history(con, source_id, command) for source_id in source_ids}


def published_sources(db_path: Path | str, source_ids: Iterable[str]) -> set[str]:
    """The sources among `source_ids` with a successful run of any kind."""
    from warehouse.quality import SUCCEEDED

    with connect(db_path) as con:
        rows = con.execute("""SELECT DISTINCT source_id FROM source_runs
                              WHERE status = ? AND list_contains(?, source_id)""",
                           [SUCCEEDED, list(source_ids)]).fetchall()
    return {row[0] for row in rows}


def published_before(con: duckdb.DuckDBPyConnection, source_id: str, run_id: str) -> bool | None:
    """Whether the source had a successful run before `run_id` started; None when that run is not recorded."""
    from warehouse.quality import SUCCEEDED

    row = con.execute("""SELECT EXISTS (SELECT 1 FROM source_runs s WHERE s.source_id = $source AND s.status = $ok
                                        AND s.finished_at < r.started_at)
                         FROM runs r WHERE r.run_id = $run""",
                      {"source": source_id, "ok": SUCCEEDED, "run": run_id}).fetchone()
    return row[0] if row else None


def known_counts(db_path: Path | str) -> dict[str, int]:
    """Known (not removed) documents per source, from the published snapshot; empty before the first run.

    The snapshot, as `serve --plan` may ask while a run holds the live file.
    """
    from warehouse.snapshot import read_target

    target = read_target(db_path)
    if not target.path.exists():
        return {}
    with connect(target.path, read_only=True) as con:
        try:
            rows = con.execute("""SELECT source_id, count(*) FROM document_keys WHERE removed_at IS NULL
                                  GROUP BY source_id""").fetchall()
        except duckdb.CatalogException:  # a file without the schema yet
            return {}
    return dict(rows)


def scored_contents(db_path: Path | str, source_id: str, examples_fingerprint: str) -> dict[str, str]:
    """Document id -> content hash of a source's documents whose current version holds a relatedness score
    under the examples `examples_fingerprint` (what `reparse` need not score again)."""
    with connect(db_path) as con:
        return dict(con.execute(
            """SELECT k.document_id, v.content_hash
               FROM document_keys k
               JOIN document_versions v ON v.document_id = k.document_id AND v.version = k.current_version
               JOIN relatedness r ON r.document_id = k.document_id AND r.version = k.current_version
               WHERE k.source_id = ? AND r.examples_fingerprint = ?""", [source_id, examples_fingerprint]).fetchall())
