"""The distributed loader: each staged batch is loaded as soon as it is complete, whatever other partitions do."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import duckdb
import pytest
from conftest import write_sources

from demo.server import SiteServer
from extractors import run_extractor
from extractors.config import load_sources
from extractors.records import CrawlerSettings, Known
from flows.arrivals import Arrivals
from flows.distributed import staged_batches
from flows.ingest import RunSummary, load_all
from transforms.classify import load_rules
from warehouse.load import start_run
from warehouse.staging import staged_slices, write_batch, write_slice


class Loaded(logging.Handler):
    """The sources whose final load was logged ("<id>: N new, ..."), and the progress lines of slices."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.sources: list[str] = []
        self.progress: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the id of each source whose batch was loaded, and each slice's progress line."""
        if " new, " in record.getMessage():
            self.sources.append(record.getMessage().split(":")[0])
        elif "loaded so far" in record.getMessage():
            self.progress.append(record.getMessage())


def _wait_for(condition, seconds: float = 60) -> bool:
    """Poll `condition` until it holds or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


@pytest.mark.usefixtures("prefect_server")
def test_a_staged_batch_is_loaded_while_another_partition_still_extracts(sites: dict[str, SiteServer],
                                                                          tmp_path: Path) -> None:
    sources = [s for s in load_sources(write_sources(sites, tmp_path)) if s.id in ("sample-motions", "sample-active")]
    motions, blog = sources
    db, staging = tmp_path / "w.duckdb", tmp_path / "staging"
    run_id = start_run(db, "distributed", sources)
    first, second = Future(), Future()  # the two partitions' flow runs
    arrivals = Arrivals()
    batches = staged_batches(str(staging), run_id, {motions.id: first, blog.id: second}, arrivals)
    logger, loaded = logging.getLogger("unionwatch"), Loaded()
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(loaded)
    summary: list[RunSummary] = []
    writer = threading.Thread(target=lambda: summary.append(
        load_all(sources, batches, load_rules(), str(db), run_id, sighting=True, volume_checks=False,
                 arrivals=arrivals)))
    try:
        writer.start()
        write_batch(staging, run_id, run_extractor(motions, Known(backfill=True), CrawlerSettings()))
        first.set_result("COMPLETED")
        assert _wait_for(lambda: motions.id in loaded.sources), "the motions batch waited for the other partition"
        assert not second.done() and writer.is_alive()
        write_batch(staging, run_id, run_extractor(blog, Known(backfill=True), CrawlerSettings()))
        assert _wait_for(lambda: blog.id in loaded.sources), "a batch staged before its partition ended was not loaded"
        second.set_result("COMPLETED")
        writer.join(60)
    finally:
        first.done() or first.set_result("FAILED")
        second.done() or second.set_result("FAILED")
        writer.join(60)
        logger.removeHandler(loaded)
        logger.setLevel(level)
    assert summary and summary[0].ok, summary
    with duckdb.connect(str(db), read_only=True) as con:
        counts = dict(con.execute("SELECT source_id, count(*) FROM documents GROUP BY ALL").fetchall())
    assert counts == {motions.id: 16, blog.id: 9}


@pytest.mark.usefixtures("prefect_server")
def test_a_partition_that_ends_without_a_batch_fails_only_its_sources(sites: dict[str, SiteServer],
                                                                      tmp_path: Path) -> None:
    sources = [s for s in load_sources(write_sources(sites, tmp_path)) if s.id in ("sample-motions", "sample-active")]
    motions, blog = sources
    db, staging = tmp_path / "w.duckdb", tmp_path / "staging"
    run_id = start_run(db, "distributed", sources)
    first, crashed = Future(), Future()
    arrivals = Arrivals()
    batches = staged_batches(str(staging), run_id, {motions.id: first, blog.id: crashed}, arrivals)
    write_batch(staging, run_id, run_extractor(motions, Known(backfill=True), CrawlerSettings()))
    first.set_result("COMPLETED")
    crashed.set_result("CRASHED")  # its worker died before staging the blog
    summary = load_all(sources, batches, load_rules(), str(db), run_id, sighting=True, volume_checks=False,
                       arrivals=arrivals)
    outcomes = {outcome.source_id: outcome for outcome in summary.outcomes}
    assert outcomes[motions.id].ok
    assert not outcomes[blog.id].ok
    assert outcomes[blog.id].error == ("RuntimeError: no staged batch for sample-active: its partition failed "
                                       "(see the worker's log)")
    with duckdb.connect(str(db), read_only=True) as con:
        runs = dict(con.execute("SELECT source_id, status FROM source_runs WHERE run_id = ?", [run_id]).fetchall())
        documents = con.execute("SELECT count(*) FROM documents WHERE source_id = ?", [motions.id]).fetchone()[0]
    assert runs == {motions.id: "succeeded", blog.id: "failed"}
    assert documents == 16


@pytest.mark.usefixtures("prefect_server")
def test_a_backfill_partition_s_slices_are_loaded_before_its_batch(sites: dict[str, SiteServer],
                                                                   tmp_path: Path) -> None:
    motions = next(s for s in load_sources(write_sources(sites, tmp_path)) if s.id == "sample-motions")
    db, staging = tmp_path / "w.duckdb", tmp_path / "staging"
    run_id = start_run(db, "distributed", [motions])
    partition, arrivals = Future(), Arrivals()
    batches = staged_batches(str(staging), run_id, {motions.id: partition}, arrivals)
    logger, loaded = logging.getLogger("unionwatch"), Loaded()
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(loaded)
    summary: list[RunSummary] = []
    writer = threading.Thread(target=lambda: summary.append(
        load_all([motions], batches, load_rules(), str(db), run_id, sighting=True, volume_checks=False,
                 arrivals=arrivals)))
    try:
        writer.start()
        rest = run_extractor(motions, Known(backfill=True), CrawlerSettings(slice_documents=5),
                             lambda part: write_slice(staging, run_id, part))
        assert _wait_for(lambda: len(loaded.progress) == 3), "slices waited for the partition's batch"
        assert loaded.progress[-1] == "sample-motions: 15 documents loaded so far"
        write_batch(staging, run_id, rest)
        partition.set_result("COMPLETED")
        writer.join(60)
    finally:
        partition.done() or partition.set_result("FAILED")
        writer.join(60)
        logger.removeHandler(loaded)
        logger.setLevel(level)
    assert summary and summary[0].ok, summary
    assert loaded.sources == [motions.id]
    with duckdb.connect(str(db), read_only=True) as con:
        documents = con.execute("SELECT count(*) FROM documents").fetchone()[0]
        new = con.execute("SELECT documents_new FROM source_runs WHERE run_id = ?", [run_id]).fetchone()[0]
    assert documents == new == 16


@pytest.mark.usefixtures("prefect_server")
def test_an_unreadable_slice_fails_its_source_and_stays_staged(sites: dict[str, SiteServer], tmp_path: Path) -> None:
    sources = [s for s in load_sources(write_sources(sites, tmp_path)) if s.id in ("sample-motions", "sample-active")]
    motions, blog = sources
    db, staging = tmp_path / "w.duckdb", tmp_path / "staging"
    run_id = start_run(db, "distributed", sources)
    rest = run_extractor(motions, Known(backfill=True), CrawlerSettings(slice_documents=5),
                         lambda part: write_slice(staging, run_id, part))
    write_batch(staging, run_id, rest)
    write_batch(staging, run_id, run_extractor(blog, Known(backfill=True), CrawlerSettings()))
    damaged = staged_slices(staging, run_id, motions.id)[1]
    (damaged / "documents.parquet").write_bytes(b"cut short by a full disk")
    ended, arrivals = Future(), Arrivals()
    ended.set_result("COMPLETED")
    batches = staged_batches(str(staging), run_id, {motions.id: ended, blog.id: ended}, arrivals)
    summary = load_all(sources, batches, load_rules(), str(db), run_id, sighting=True, volume_checks=False,
                       arrivals=arrivals)
    outcomes = {outcome.source_id: outcome for outcome in summary.outcomes}
    assert outcomes[blog.id].ok
    assert not outcomes[motions.id].ok
    assert f"staged slice {damaged} of sample-motions is unreadable" in outcomes[motions.id].error
    assert damaged.exists(), "a damaged slice is kept for whoever looks into the failed run"
    with duckdb.connect(str(db), read_only=True) as con:
        counts = dict(con.execute("SELECT source_id, count(*) FROM documents GROUP BY ALL").fetchall())
    assert counts == {motions.id: 5, blog.id: 9}, "the slice before the damaged one is loaded, nothing after it"
