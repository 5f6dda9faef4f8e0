"""Backfills loaded in slices while sources are extracted: same warehouse as whole batches, bounded waiting."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import duckdb
import pytest
from conftest import ingest_sites, write_sources
from prefect import flow

from config.sources import load_sources
from demo.server import serve_sites
from demo.sites import demo_sites
from flows.arrivals import Arrivals, WriterStopped
from flows.ingest import extract_task
from records import CrawlerSettings, Extraction, Known

# What an analyst reads after a backfill; run ids and timestamps differ between any two runs.
COMPARED = {
    "documents": "SELECT document_id, kind, title, body, url, published_at FROM documents ORDER BY 1",
    "versions": "SELECT document_id, version, content_hash FROM document_versions ORDER BY 1, 2",
    "flags": "SELECT document_id, topics, matched_terms, snippet FROM flagged_documents ORDER BY 1",
    "archive": "SELECT url, status, sha256 FROM responses ORDER BY 1, 3",
    "source runs": """SELECT source_id, status, discovered_via, requests, documents_seen, documents_new,
                             documents_changed, flags_new, failures, not_modified FROM source_runs ORDER BY 1""",
    "gates": "SELECT source_id, suite, items, failures, requests, batch_ok, quarantined FROM quality_gates ORDER BY 1",
    "results": """SELECT source_id, position, expectation, success, unexpected_count FROM validation_results
                  ORDER BY 1, 2""",
}


def _read(db: Path) -> dict[str, list[tuple]]:
    """Every compared query's rows."""
    with duckdb.connect(str(db), read_only=True) as con:
        return {name: con.execute(sql).fetchall() for name, sql in COMPARED.items()}


class Progress(logging.Handler):
    """The run's "N documents loaded so far" lines (prefect's logging setup replaces pytest's capture)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the progress lines of sliced loads."""
        if "loaded so far" in record.getMessage():
            self.lines.append(record.getMessage())


@pytest.mark.usefixtures("prefect_server")
def test_a_backfill_in_slices_loads_what_a_whole_backfill_loads(tmp_path: Path) -> None:
    logger, progress = logging.getLogger("unionwatch"), Progress()
    level = logger.level  # a CLI test may have left it at WARNING; setLevel also clears logging's level cache
    logger.setLevel(logging.INFO)
    logger.addHandler(progress)
    whole, sliced = tmp_path / "whole" / "w.duckdb", tmp_path / "sliced" / "w.duckdb"
    try:
        with serve_sites(demo_sites()) as servers:
            assert ingest_sites(servers, tmp_path, whole, backfill=True).ok
            assert not progress.lines, "every demo source fits in one slice of the default size"
            assert ingest_sites(servers, tmp_path, sliced, backfill=True,
                                crawler=CrawlerSettings(slice_documents=2)).ok
    finally:
        logger.removeHandler(progress)
        logger.setLevel(level)
    for kind in ("motions", "active", "branch", "wordpress"):  # every source kind that walks pages hands off
        assert any(line.startswith(f"sample-{kind}: ") for line in progress.lines), kind
    expected, got = _read(whole), _read(sliced)
    assert expected["documents"] and expected["flags"]
    for name in COMPARED:
        assert got[name] == expected[name], name


def _slice(source_id: str) -> Extraction:
    """A slice as an extract thread hands it over."""
    return Extraction(source_id)


def test_an_extract_thread_waits_while_the_writer_is_behind_and_stops_with_it() -> None:
    arrivals = Arrivals(slices_waiting=1)
    arrivals.put_slice(_slice("motions"))  # room for one: returns at once
    outcome: list[BaseException | None] = []

    def second() -> None:
        try:
            arrivals.put_slice(_slice("motions"))
            outcome.append(None)
        except WriterStopped as exc:
            outcome.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(0.5)
    assert thread.is_alive() and not outcome, "the second slice must wait for the writer"
    arrivals.stop()  # the run failed: the waiting thread is released with an error, not left hanging
    thread.join(5)
    assert not thread.is_alive()
    assert isinstance(outcome[0], WriterStopped) and "motions" in str(outcome[0])


@pytest.mark.usefixtures("prefect_server")
def test_a_source_stopped_by_its_writer_is_not_fetched_again(tmp_path: Path) -> None:
    arrivals = Arrivals()
    arrivals.stop()  # as when the warehouse failed while this source was being extracted
    with serve_sites(demo_sites("motions")) as servers:
        source = load_sources(write_sources(servers, tmp_path))[0]

        @flow
        def backfill_one() -> object:
            extract = extract_task.with_options(retry_delay_seconds=0)  # retried twice after other failures
            future = extract.submit(source, Known(backfill=True), CrawlerSettings(slice_documents=1),
                                    arrivals.put_slice)
            return future.result(raise_on_failure=False)

        outcome = backfill_one()
        pages = [r.path for r in servers["motions"].requests if r.path.startswith("/motions/")]
    assert isinstance(outcome, WriterStopped)
    assert len(pages) == 1, "the first motion page made a slice with nowhere to go; no retry fetches it again"
