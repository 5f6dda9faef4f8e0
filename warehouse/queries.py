"""Read-only queries behind the command line's summaries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from warehouse.db import connect


@dataclass(frozen=True)
class SourceRow:
    """One source's totals and its latest run."""

    source_id: str
    kind: str
    documents: int
    flagged: int
    last_status: str | None
    last_via: str | None


@dataclass(frozen=True)
class FlagRow:
    """One flagged document, as campaign staff would read it."""

    document_id: str
    title: str
    url: str
    published_at: datetime | None
    topics: list[str]
    snippet: str


def sources_overview(db_path: Path | str) -> list[SourceRow]:
    """Documents and flags per source, with the status of its latest run."""
    with connect(db_path, read_only=True) as con:
        rows = con.execute("""
            SELECT s.source_id, s.kind,
                   (SELECT count(*) FROM documents d WHERE d.source_id = s.source_id),
                   (SELECT count(*) FROM flagged_documents f JOIN documents d USING (document_id)
                     WHERE d.source_id = s.source_id),
                   r.status, r.discovered_via
            FROM sources s
            LEFT JOIN (SELECT sr.* FROM source_runs sr JOIN runs USING (run_id)
                       QUALIFY row_number() OVER (PARTITION BY sr.source_id ORDER BY runs.started_at DESC) = 1) r
              ON r.source_id = s.source_id
            ORDER BY s.source_id""").fetchall()
    return [SourceRow(*row) for row in rows]


def latest_flags(db_path: Path | str, limit: int = 10) -> list[FlagRow]:
    """The most recently published flagged documents."""
    with connect(db_path, read_only=True) as con:
        rows = con.execute("""
            SELECT document_id, title, url, published_at, topics, snippet FROM flagged_documents
            ORDER BY published_at DESC NULLS LAST, document_id LIMIT ?""", [limit]).fetchall()
    return [FlagRow(*row) for row in rows]


@dataclass(frozen=True)
class StoredDocument:
    """A document's current text, its stored flag and its stored relatedness, for `explain`."""

    document_id: str
    url: str
    title: str
    body: str
    topics: list[str] | None
    matched_terms: list[str] | None
    rules_fingerprint: str | None
    related_score: float | None = None
    related: bool = False
    examples_fingerprint: str | None = None


def find_document(db_path: Path | str, ref: str) -> StoredDocument | None:
    """A document by id, or by URL (as stored, or in any of its versions)."""
    with connect(db_path, read_only=True) as con:
        row = con.execute("""
            SELECT d.document_id, d.url, d.title, d.body, f.topics, f.matched_terms, f.rules_fingerprint,
                   d.related_score, d.related, r.examples_fingerprint
            FROM documents d LEFT JOIN flags f ON f.document_id = d.document_id AND f.cleared_at IS NULL
            LEFT JOIN relatedness r ON r.document_id = d.document_id
            WHERE d.document_id = $ref OR d.url = $ref
               OR d.document_id IN (SELECT document_id FROM document_versions WHERE url = $ref)
            LIMIT 1""", {"ref": ref}).fetchone()
    return StoredDocument(*row) if row else None
