"""The distributed loader: staged batches and slices are loaded as soon as they are complete."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from conftest import write_sources

from config.sources import load_sources
from demo.content import ACTIVE_BLOG_POSTS, MOTIONS
from demo.server import SiteServer
from extractors.registry import run_extractor
from flows.arrivals import Arrivals
from flows.ingest import RunSummary, load_all
from records import CrawlerSettings, Extraction, Known, SourceConfig
from transforms.classify import load_rules
from warehouse.load import start_run
from warehouse.staged_watch import staged_batches
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


@dataclass
class Run:
    """The loader's side of a distributed run over the sample motions database and one blog."""

    motions: SourceConfig
    blog: SourceConfig
    db: Path
    staging: Path
    run_id: str
    summary: list[RunSummary] = field(default_factory=list)

    def extract(self, source: SourceConfig, slice_documents: int | None = None) -> Extraction:
        """Backfill `source` as a partition does; with `slice_documents`, its slices are staged as they come."""
        if slice_documents is None:
            return run_extractor(source, Known(backfill=True), CrawlerSettings())
        return run_extractor(source, Known(backfill=True), CrawlerSettings(slice_documents=slice_documents),
                             lambda part: write_slice(self.staging, self.run_id, part))

    def load(self, ends: dict[str, Future]) -> RunSummary:
        """Load what the partitions in `ends` (one per source id) stage, until they have all ended."""
        arrivals = Arrivals()
        batches = staged_batches(str(self.staging), self.run_id, ends, arrivals.put_slice)
        return load_all([self.motions, self.blog], batches, load_rules(), str(self.db), self.run_id, sighting=True,
                        volume_runs=None, arrivals=arrivals)

    def counts(self) -> dict[str, int]:
        """Documents in the warehouse by source."""
        with duckdb.connect(str(self.db), read_only=True) as con:
            return dict(con.execute("SELECT source_id, count(*) FROM documents GROUP BY ALL").fetchall())


@pytest.fixture
def run(sites: dict[str, SiteServer], tmp_path: Path) -> Run:
    """A new warehouse with a distributed run started, and its empty staging folder."""
    sources = {s.id: s for s in load_sources(write_sources(sites, tmp_path))}
    motions, blog = sources["sample-motions"], sources["sample-active"]
    db = tmp_path / "w.duckdb"
    return Run(motions, blog, db, tmp_path / "staging", start_run(db, "distributed", [motions, blog]))


@contextmanager
def loading(run: Run, ends: dict[str, Future]) -> Iterator[Loaded]:
    """The loader running in a thread, its log captured; on leaving, every partition ends and it finishes."""
    logger, loaded = logging.getLogger("unionwatch"), Loaded()
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(loaded)
    writer = threading.Thread(target=lambda: run.summary.append(run.load(ends)))
    writer.start()
    try:
        yield loaded
    finally:
        for end in ends.values():
            end.done() or end.set_result("COMPLETED")
        writer.join(60)
        logger.removeHandler(loaded)
        logger.setLevel(level)


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> bool:
    """Poll `condition` until it holds or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


@pytest.mark.usefixtures("prefect_server")
def test_a_staged_batch_is_loaded_while_another_partition_still_extracts(run: Run) -> None:
    first, second = Future(), Future()  # the two partitions' flow runs
    with loading(run, {run.motions.id: first, run.blog.id: second}) as loaded:
        write_batch(run.staging, run.run_id, run.extract(run.motions))
        first.set_result("COMPLETED")
        assert wait_for(lambda: run.motions.id in loaded.sources), "the motions batch waited for the other partition"
        assert not second.done()
        write_batch(run.staging, run.run_id, run.extract(run.blog))
        assert wait_for(lambda: run.blog.id in loaded.sources), "a batch staged before its partition ended waited"
    assert run.summary and run.summary[0].ok, run.summary
    assert run.counts() == {run.motions.id: len(MOTIONS), run.blog.id: len(ACTIVE_BLOG_POSTS)}


@pytest.mark.usefixtures("prefect_server")
def test_a_backfill_partition_s_slices_are_loaded_before_its_batch(run: Run) -> None:
    partition = Future()
    with loading(run, {run.motions.id: partition, run.blog.id: partition}) as loaded:
        rest = run.extract(run.motions, slice_documents=5)
        assert wait_for(lambda: len(loaded.progress) == 3), "slices waited for the partition's batch"
        assert loaded.progress[-1] == "sample-motions: 15 documents loaded so far"
        assert run.motions.id not in loaded.sources
        write_batch(run.staging, run.run_id, rest)
        write_batch(run.staging, run.run_id, run.extract(run.blog))
    assert run.summary and run.summary[0].ok, run.summary
    assert run.counts() == {run.motions.id: len(MOTIONS), run.blog.id: len(ACTIVE_BLOG_POSTS)}
    with duckdb.connect(str(run.db), read_only=True) as con:
        new = con.execute("SELECT documents_new FROM source_runs WHERE source_id = ?", [run.motions.id]).fetchone()
    assert new == (len(MOTIONS),), "the source's run sums its slices and the rest"


@pytest.mark.usefixtures("prefect_server")
def test_a_partition_that_ends_without_a_batch_fails_only_its_sources(run: Run) -> None:
    first, crashed = Future(), Future()
    write_batch(run.staging, run.run_id, run.extract(run.motions))
    first.set_result("COMPLETED")
    crashed.set_result("CRASHED")  # its worker died before staging the blog
    outcomes = {outcome.source_id: outcome for outcome in run.load({run.motions.id: first, run.blog.id: crashed})
                .outcomes}
    assert outcomes[run.motions.id].ok
    assert not outcomes[run.blog.id].ok
    assert outcomes[run.blog.id].error == ("RuntimeError: no staged batch for sample-active: its partition failed "
                                           "(see the worker's log)")
    with duckdb.connect(str(run.db), read_only=True) as con:
        runs = dict(con.execute("SELECT source_id, status FROM source_runs WHERE run_id = ?", [run.run_id]).fetchall())
    assert runs == {run.motions.id: "succeeded", run.blog.id: "failed"}
    assert run.counts() == {run.motions.id: len(MOTIONS)}


@pytest.mark.usefixtures("prefect_server")
def test_an_unreadable_slice_fails_its_source_and_stays_staged(run: Run) -> None:
    write_batch(run.staging, run.run_id, run.extract(run.motions, slice_documents=5))
    write_batch(run.staging, run.run_id, run.extract(run.blog))
    damaged = staged_slices(run.staging, run.run_id, run.motions.id)[1]
    (damaged / "documents.parquet").write_bytes(b"cut short by a full disk")
    ended = Future()
    ended.set_result("COMPLETED")
    outcomes = {outcome.source_id: outcome for outcome in run.load({run.motions.id: ended, run.blog.id: ended})
                .outcomes}
    assert outcomes[run.blog.id].ok
    assert not outcomes[run.motions.id].ok
    assert f"staged slice {damaged} of sample-motions is unreadable" in outcomes[run.motions.id].error
    assert damaged.exists(), "a damaged slice is kept for whoever looks into the failed run"
    assert run.counts() == {run.motions.id: 5, run.blog.id: len(ACTIVE_BLOG_POSTS)}, \
        "the slice before the damaged one loads, none after"
