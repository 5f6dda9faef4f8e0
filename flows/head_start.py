"""A one-off run's head start: the run lock taken, known states read and sources fetched before Prefect is ready.

Fetching needs neither Prefect nor its server, so `unionwatch run` and `demo` start it as soon as the sources
file is read, while Prefect is imported and its server starts (the slowest part of a command's start). The
ingest flow then takes over: each source's extract task hands on the extraction begun here (a retry fetches
again, as it always did) and the flow refines, checks and loads as usual, under the same run lock.

Backfills hand their documents to the writer in slices while they are fetched, which needs the flow's writer,
so they get no head start.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType

from extractors.registry import run_extractor
from records import CrawlerSettings, Extraction, Known, SourceConfig
from warehouse.db import connect
from warehouse.lock import run_lock
from warehouse.migrate import migrate
from warehouse.state import known_states

MAX_PARALLEL_SOURCES = 8  # different hosts proceed in parallel; each host stays polite


class HeadStart:
    """Extractions of the enabled sources, begun under the warehouse's run lock, which it holds until closed.

    Use it as a context manager around the flow; passed to `ingest`, the flow skips taking the lock and
    reading known states itself. Slots only: Prefect stores a flow's parameters, and this one shows as
    `<HeadStart>` there instead of its threads and futures.
    """

    __slots__ = ("_claims", "_db_path", "_exit", "_futures", "_known", "_sources", "crawler", "source_ids")

    def __init__(self, sources: list[SourceConfig], db_path: Path | str,
                 crawler: CrawlerSettings | None = None) -> None:
        self.source_ids = [source.id for source in sources if source.enabled]
        self.crawler = crawler or CrawlerSettings()
        self._db_path = str(db_path)
        self._sources = [source for source in sources if source.enabled]
        self._exit = ExitStack()
        self._known: dict[str, Known] = {}
        self._futures: dict[str, Future[Extraction]] = {}
        self._claims = threading.Lock()

    def __enter__(self) -> HeadStart:
        """Take the run lock (failing at once if another run holds it), read known states, start fetching."""
        with ExitStack() as stack:
            stack.enter_context(run_lock(self._db_path))
            self._known = self._read_known()
            pool = ThreadPoolExecutor(min(MAX_PARALLEL_SOURCES, len(self.source_ids)) or 1,
                                      thread_name_prefix="head-start")
            self._futures = {source.id: pool.submit(run_extractor, source, self._known[source.id], self.crawler)
                             for source in self._sources}
            self._exit = stack.pop_all()
        self._exit.callback(pool.shutdown, cancel_futures=True)  # the lock is released after this
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        """Wait for extractions already running, drop those not started, then release the run lock.

        After a whole run none is left; when the flow never ran (the Prefect server did not start, Ctrl-C),
        sources still waiting for a thread are not fetched.
        """
        self._exit.close()

    def _read_known(self) -> dict[str, Known]:
        """Each source's known state; nothing for a warehouse not created yet (the flow creates it)."""
        if not Path(self._db_path).exists():
            return {source_id: Known() for source_id in self.source_ids}
        with connect(self._db_path) as con:
            migrate(con)  # an older warehouse's tables are brought up to date, as the flow's start would
        return known_states(self._db_path, self.source_ids)

    def known(self, source_id: str) -> Known:
        """The known state read for a source (an extract task's retry fetches with it again)."""
        return self._known[source_id]

    def claim(self, source_id: str) -> Callable[[], Extraction] | None:
        """How to receive the extraction begun for a source: the first time only, so a retry fetches anew."""
        with self._claims:
            future = self._futures.pop(source_id, None)
        return future.result if future else None
