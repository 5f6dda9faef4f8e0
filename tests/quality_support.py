"""Builders shared by the quality-gate tests: real Documents refined by the real pipeline, staged rows, a warehouse."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from expectations.gate import BatchStats, GateResult
from records import ARTICLE, BLOG_POST, MOTION, Document
from transforms.classify import load_rules
from transforms.pipeline import Refined, refine
from warehouse import quality
from warehouse.db import connect
from warehouse.migrate import migrate

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
MOTIONS_SITE = "https://www.unison.org.uk"
MOTION_BODY = ("Conference notes that councils are moving payroll, HR and finance into shared service centres, "
               "and that back office cuts fall hardest on low-paid staff.")
POST_BODY = "The branch met the council today about its plans for a shared service centre for HR and payroll."
CONFERENCES = {"local-government": "Local Government Service Group Conference", "health":
               "Health Care Service Group Conference"}
DECISIONS = ("Carried", "Carried as Amended", None, "Referred")


def motion(index: int, **changes: object) -> Document:
    """A well-formed motion of the given number; `changes` override fields."""
    year = 2006 + index % 18
    group = "local-government" if index % 2 else "health"
    doc = Document(
        source_id="motions", kind=MOTION, key=f"motion-{index}", url=f"{MOTIONS_SITE}/motions/{year}/{group}/"
        f"motion-{index}/", title=f"Shared Services Motion {index}", body=MOTION_BODY,
        published_at=datetime(year - 1, 12, 1, tzinfo=UTC), conference=f"{year} {CONFERENCES[group]}",
        decision=DECISIONS[index % len(DECISIONS)], year=year, group=group)
    return dataclasses.replace(doc, **changes)


def post(index: int, **changes: object) -> Document:
    """A well-formed Blogger post of the given number; `changes` override fields."""
    doc = Document(
        source_id="branchblog", kind=BLOG_POST, key=f"post-{index}",
        url=f"http://branch.blogspot.com/2012/{index % 12 + 1:02d}/post-{index}.html", title=f"Branch news {index}",
        body=POST_BODY, author="Branch Secretary", published_at=datetime(2012, index % 12 + 1, 3, 9, tzinfo=UTC),
        labels=["news"])
    return dataclasses.replace(doc, **changes)


def article(index: int, **changes: object) -> Document:
    """A well-formed undated news article of the given number; `changes` override fields."""
    doc = Document(source_id="newsfeed", kind=ARTICLE, key=f"a-{index}", url=f"https://news.example.org/a/{index}",
                   title=f"Council news {index}", body=POST_BODY)
    return dataclasses.replace(doc, **changes)


def refined(docs: Sequence[Document]) -> list[Refined]:
    """`docs` through the real refine step (clean, canonical URL, fingerprint, classify)."""
    return refine(list(docs), load_rules())


def stats(batch: Sequence[Refined], kind: str, *, items: int | None = None, failures: int = 0, requests: int = 20,
          history: Sequence[int] = (20, 21, 19, 20, 22)) -> BatchStats:
    """Batch figures for `batch`, with a steady history by default."""
    source = batch[0].document.source_id if batch else "motions"
    return BatchStats(source, kind, len(batch) if items is None else items, failures, requests, list(history))


def migrated(db_path: Path) -> Path:
    """A new warehouse file with every migration applied."""
    with connect(db_path) as con:
        migrate(con)
    return db_path


def record(db_path: Path, run_id: str, result: GateResult, staged: object) -> int:
    """record_gate in its own transaction, as the loader calls it; how many rows it held."""
    with connect(db_path) as con:
        con.execute("BEGIN TRANSACTION")
        held = quality.record_gate(con, run_id, result, staged)
        con.execute("COMMIT")
    return held


def add_source_run(db_path: Path, run_id: str, source_id: str, seen: int, status: str = "succeeded",
                   finished_at: datetime = NOW, command: str = "schedule") -> None:
    """A source_runs row as the loader writes one, and its run's row (once per run) with `command`."""
    with connect(db_path) as con:
        con.execute("INSERT INTO runs VALUES (?, ?, ?, 'succeeded', ?) ON CONFLICT DO NOTHING",
                    [run_id, finished_at, finished_at, command])
        con.execute("""INSERT INTO source_runs (run_id, source_id, status, requests, documents_seen, documents_new,
                                                documents_changed, flags_new, failures, finished_at)
                       VALUES (?, ?, ?, 10, ?, 0, 0, 0, 0, ?)""", [run_id, source_id, status, seen, finished_at])
