"""Worker processes for `reparse`: archived responses are parsed and refined on every core instead of under one GIL.

Only the reparse flow uses them. Live extraction stays in threads: it waits on the network and on each
host's politeness delay, and the per-host throttle is shared within one process.
"""

from __future__ import annotations

import logging
import logging.handlers
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from multiprocessing.queues import Queue

from extractors.registry import REBUILDERS, reparse_archive
from records import Extraction, RawResponse, SourceConfig
from transforms.classify import Rules
from transforms.pipeline import Refined, refine_each

CHUNK = 250  # responses per job: enough to outweigh pickling them, few enough to spread one large source
IN_FLIGHT = 8  # jobs queued per source at a time, so a large archive is not read into memory whole


@contextmanager
def parse_pool(workers: int | None = None) -> Iterator[ProcessPoolExecutor]:
    """A pool of parsing processes whose log records reach this process's handlers."""
    context = multiprocessing.get_context("spawn")  # forking a process that runs Prefect's threads is unsafe
    records: Queue = context.Queue()
    listener = logging.handlers.QueueListener(records, _Relay())
    listener.start()
    pool = ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1, mp_context=context,
                               initializer=_start_worker, initargs=(records,))
    try:
        yield pool
    finally:
        pool.shutdown(cancel_futures=True)
        listener.stop()
        records.close()


@dataclass
class RefinedExtraction(Extraction):
    """A rebuilt extraction whose documents were also refined in the workers: `refined[i]` is `documents[i]`'s
    (duplicates included; `transforms.pipeline.deduped` picks one per document id)."""

    refined: list[Refined] = field(default_factory=list)


def rebuild(pool: ProcessPoolExecutor, source: SourceConfig, responses: Iterable[RawResponse],
            chunk: int = CHUNK, rules: Rules | None = None, scored: Mapping[str, str] | None = None) -> Extraction:
    """`extractors.reparse_archive` of one source, in chunks spread over the pool, results in archive order.

    With `rules`, each chunk's documents are refined in the worker that parsed them (a RefinedExtraction);
    documents whose content is what `scored` holds for them are not scored again (`refine_each`).
    """
    if source.kind in REBUILDERS:  # reads feed and pages together: one job
        return pool.submit(_rebuild_part, source, list(responses), rules, scored).result()
    merged = RefinedExtraction(source_id=source.id, discovered_via="archive") if rules else Extraction(
        source_id=source.id, discovered_via="archive")
    pending = iter(responses)
    jobs: deque[Future[Extraction]] = deque()
    for part in iter(lambda: list(islice(pending, chunk)), []):
        jobs.append(pool.submit(_rebuild_part, source, part, rules, scored))
        if len(jobs) > IN_FLIGHT:  # read the archive no faster than it is parsed
            _merge(merged, jobs.popleft().result())
    while jobs:
        _merge(merged, jobs.popleft().result())
    return merged


def _rebuild_part(source: SourceConfig, responses: list[RawResponse], rules: Rules | None,
                  scored: Mapping[str, str] | None) -> Extraction:
    """One job: parse `responses`, and refine their documents when given `rules`."""
    extraction = reparse_archive(source, responses)
    if rules is None:
        return extraction
    return RefinedExtraction(source_id=extraction.source_id, documents=extraction.documents,
                             failures=extraction.failures, discovered_via=extraction.discovered_via,
                             refined=refine_each(extraction.documents, rules, scored=scored))


def _merge(merged: Extraction, part: Extraction) -> None:
    """Append one chunk's documents, failures and refined records."""
    merged.documents.extend(part.documents)
    merged.failures.extend(part.failures)
    if isinstance(merged, RefinedExtraction) and isinstance(part, RefinedExtraction):
        merged.refined.extend(part.refined)


class _Relay(logging.Handler):
    """Hands a worker's log record to the logger of the same name here, so it is formatted like any other."""

    def emit(self, record: logging.LogRecord) -> None:
        """Pass the record on, if that logger here is set to show its level."""
        logger = logging.getLogger(record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)


def _start_worker(records: Queue) -> None:
    """Worker start-up: send log records to the parent, and end with it.

    A worker holds both ends of the pool's job queue, so it would never see the queue close if the parent
    were killed (SIGKILL, out of memory): it would wait for jobs for ever.
    """
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(records)]
    root.setLevel(logging.INFO)
    threading.Thread(target=_exit_with, args=(multiprocessing.parent_process(),), daemon=True).start()


def _exit_with(parent: multiprocessing.process.BaseProcess | None) -> None:
    """Wait for the parent process to end, then end this one at once."""
    if parent is None:  # not started by multiprocessing: nothing to follow
        return
    multiprocessing.connection.wait([parent.sentinel])
    os._exit(1)
