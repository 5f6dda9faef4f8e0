"""Staged batches: an extraction written as Parquet files by any worker, read back by the single loader.

Scale-out keeps one writer: workers on any machine extract and stage, one load step merges. A batch
folder appears under its final name only when complete (written aside, then renamed), so the loader
never reads half a batch, and a batch survives a crash of the run that made it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from records import Document, Extraction, FetchFailure, Known, KnownDocument, RawResponse

DOC_FIELDS = [f.name for f in dataclasses.fields(Document)]
RAW_COLUMNS = ["url", "final_url", "status", "headers_json", "body", "fetched_at", "role"]
PARTIAL = ".partial"  # suffix of a batch or slice folder still being written


def batch_dir(staging: Path | str, run_id: str, source_id: str) -> Path:
    """Where one source's batch of one run lives."""
    return Path(staging, run_id, source_id)


def slices_dir(staging: Path | str, run_id: str, source_id: str) -> Path:
    """Where a backfill stages one source's slices before its batch (which then holds only the rest)."""
    return Path(staging, run_id, f"{source_id}.slices")


def write_batch(staging: Path | str, run_id: str, extraction: Extraction) -> Path:
    """Write an extraction as documents.parquet, raw.parquet and meta.json; returns the batch folder."""
    return _write(batch_dir(staging, run_id, extraction.source_id), extraction)


def write_slice(staging: Path | str, run_id: str, part: Extraction) -> Path:
    """Stage one slice of a backfill, named so that slices sort in the order they were written."""
    return _write(slices_dir(staging, run_id, part.source_id) / f"{time.time_ns():020d}", part)


def staged_slices(staging: Path | str, run_id: str, source_id: str) -> list[Path]:
    """A source's complete slices, oldest first."""
    folder = slices_dir(staging, run_id, source_id)
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if not path.name.endswith(PARTIAL))


def _write(final: Path, extraction: Extraction) -> Path:
    """Write `extraction` beside `final`, then rename it there: a reader never sees half a batch."""
    partial = final.with_name(final.name + PARTIAL)
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    with duckdb.connect() as con:
        docs = pd.DataFrame([dataclasses.asdict(doc) for doc in extraction.documents], columns=DOC_FIELDS)
        docs["published_at"] = pd.to_datetime(docs["published_at"], utc=True)
        con.register("docs", docs.astype({"year": "Int64"}))
        docs_sql = """COPY (SELECT * REPLACE (CAST(labels AS VARCHAR[]) AS labels,
                                              CAST(published_at AS TIMESTAMPTZ) AS published_at) FROM docs)
                      TO {} (FORMAT parquet)"""
        con.execute(docs_sql.format(_literal(partial / "documents.parquet")))
        raw = pd.DataFrame([[r.url, r.final_url, r.status, json.dumps(r.headers), r.body, r.fetched_at, r.role]
                            for r in extraction.raw], columns=RAW_COLUMNS)
        raw["fetched_at"] = pd.to_datetime(raw["fetched_at"], utc=True)
        con.register("raw", raw)
        raw_sql = """COPY (SELECT * REPLACE (CAST(body AS BLOB) AS body, CAST(status AS INTEGER) AS status,
                                             CAST(fetched_at AS TIMESTAMPTZ) AS fetched_at) FROM raw)
                     TO {} (FORMAT parquet)"""
        con.execute(raw_sql.format(_literal(partial / "raw.parquet")))
    meta = {"discovered_via": extraction.discovered_via, "requests": extraction.requests,
            "not_modified": extraction.not_modified, "unchanged": extraction.unchanged,
            "removed": extraction.removed, "failures": [dataclasses.asdict(f) for f in extraction.failures]}
    (partial / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    shutil.rmtree(final, ignore_errors=True)
    os.replace(partial, final)
    return final


def read_batch(folder: Path | str, source_id: str) -> Extraction:
    """An extraction back from its batch folder."""
    folder = Path(folder)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    with duckdb.connect() as con:
        docs = con.execute("SELECT * FROM read_parquet(?)", [str(folder / "documents.parquet")]).fetchall()
        raws = con.execute("SELECT * FROM read_parquet(?)", [str(folder / "raw.parquet")]).fetchall()
    documents = [Document(**dict(zip(DOC_FIELDS, row, strict=True))) for row in docs]
    raw = [RawResponse(url=u, final_url=f, status=s, headers=json.loads(h), body=b, fetched_at=t, role=r)
           for u, f, s, h, b, t, r in raws]
    return Extraction(source_id=source_id, documents=documents, raw=raw,
                      failures=[FetchFailure(**failure) for failure in meta["failures"]],
                      unchanged=meta["unchanged"], removed=meta["removed"], requests=meta["requests"],
                      not_modified=meta["not_modified"], discovered_via=meta["discovered_via"])


def _literal(path: Path) -> str:
    """A path as a quoted SQL string literal (COPY ... TO takes no parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def write_known(staging: Path | str, run_id: str, source_id: str, known: Known) -> Path:
    """Stage a source's known state for a worker that cannot open the warehouse."""
    path = Path(staging, run_id, "known", f"{source_id}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"documents": {key: [doc.url, doc.marker, doc.checked_at.isoformat()]
                             for key, doc in known.documents.items()},
               "validators": known.validators, "backfill": known.backfill, "since_year": known.since_year,
               "retry": known.retry}
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def read_known(staging: Path | str, run_id: str, source_id: str) -> Known:
    """A source's known state as staged by the run that triggered this worker."""
    payload = json.loads(Path(staging, run_id, "known", f"{source_id}.json").read_text(encoding="utf-8"))
    return Known(
        documents={key: KnownDocument(url, marker, datetime.fromisoformat(checked))
                   for key, (url, marker, checked) in payload["documents"].items()},
        validators={url: tuple(pair) for url, pair in payload["validators"].items()},
        backfill=payload["backfill"], since_year=payload["since_year"], retry=payload["retry"],
    )


def discard_run(staging: Path | str, run_id: str) -> None:
    """Remove a run's staged batches once they are loaded."""
    shutil.rmtree(Path(staging, run_id), ignore_errors=True)
