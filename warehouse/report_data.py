"""Reads what the campaign report shows: monthly mentions, latest flags, source health, last run, quality."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from warehouse.db import WarehouseError, connect

MENTIONS_SQL = "SELECT month, topic, source_id, mentions FROM mentions_monthly ORDER BY month, topic, source_id"

FLAGS_SQL = """
SELECT f.document_id, f.title, f.url, d.source_id, f.published_at, f.topics, f.snippet, f.flagged_at
FROM flagged_documents f
JOIN documents d ON d.document_id = f.document_id
ORDER BY coalesce(f.published_at, f.flagged_at) DESC, f.document_id
LIMIT ?
"""

SOURCES_SQL = """
SELECT source_id, kind, name, enabled, last_run_at, last_status, last_success_at, last_new_item_at, failure_streak,
       last_error, documents, flagged
FROM source_health ORDER BY source_id
"""

LAST_RUN_SQL = """
SELECT run_id, command, status, started_at, finished_at, duration_seconds, sources, sources_failed, requests,
       documents_new, documents_changed, flags_new, fetch_failures
FROM run_log ORDER BY started_at DESC LIMIT 1
"""

# The quality gates' migration adds `quality_latest`; a warehouse without it has no quality results to show.
QUALITY_EXISTS_SQL = """
SELECT count(*) FROM information_schema.tables
WHERE table_catalog = current_database() AND table_schema = 'main' AND table_name = 'quality_latest'
"""
QUALITY_SQL = "SELECT * FROM quality_latest ORDER BY source_id, position"


@dataclass(frozen=True)
class Mention:
    """Flagged documents of one topic and source published in one month."""

    month: date
    topic: str
    source_id: str
    mentions: int


@dataclass(frozen=True)
class FlaggedItem:
    """One flagged document with its snippet (matches marked **like this**)."""

    document_id: str
    title: str
    url: str
    source_id: str
    published_at: datetime | None
    topics: list[str]
    snippet: str
    flagged_at: datetime


@dataclass(frozen=True)
class SourceHealth:
    """One row of the source_health view."""

    source_id: str
    kind: str
    name: str
    enabled: bool
    last_run_at: datetime | None
    last_status: str | None
    last_success_at: datetime | None
    last_new_item_at: datetime | None
    failure_streak: int
    last_error: str | None
    documents: int
    flagged: int


@dataclass(frozen=True)
class RunRow:
    """One row of the run_log view."""

    run_id: str
    command: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    duration_seconds: float | None
    sources: int
    sources_failed: int
    requests: int
    documents_new: int
    documents_changed: int
    flags_new: int
    fetch_failures: int


@dataclass(frozen=True)
class QualityResults:
    """Each source's latest data-quality results, with the columns of the `quality_latest` view."""

    columns: list[str]
    rows: list[tuple]


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, read in one connection (one consistent state)."""

    mentions: list[Mention]
    flags: list[FlaggedItem]
    sources: list[SourceHealth]
    last_run: RunRow | None
    quality: QualityResults | None
    documents: int
    flagged: int


def load(db_path: Path | str, flag_limit: int = 25) -> ReportData:
    """Read the report's data from the warehouse, times in UK time."""
    with connect(db_path, read_only=True) as con:
        con.execute("SET TimeZone = 'Europe/London'")  # campaign staff read times in UK time
        try:
            last_run = con.execute(LAST_RUN_SQL).fetchone()
        except duckdb.CatalogException as exc:  # a warehouse no run of this version has migrated yet
            raise WarehouseError(f"{db_path}: {str(exc).splitlines()[0]}; run `unionwatch run` once to bring "
                                 "the warehouse up to date") from None
        documents, flagged = con.execute(
            "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM flagged_documents)").fetchone()
        return ReportData(
            mentions=[Mention(*row) for row in con.execute(MENTIONS_SQL).fetchall()],
            flags=[FlaggedItem(*row) for row in con.execute(FLAGS_SQL, [flag_limit]).fetchall()],
            sources=[SourceHealth(*row) for row in con.execute(SOURCES_SQL).fetchall()],
            last_run=RunRow(*last_run) if last_run else None,
            quality=_quality(con),
            documents=documents,
            flagged=flagged,
        )


def _quality(con: duckdb.DuckDBPyConnection) -> QualityResults | None:
    """Each source's latest quality results, or None when there are none yet."""
    if not con.execute(QUALITY_EXISTS_SQL).fetchone()[0]:
        return None
    result = con.execute(QUALITY_SQL)
    columns = [column[0] for column in result.description]
    rows = result.fetchall()
    return QualityResults(columns, rows) if rows else None
