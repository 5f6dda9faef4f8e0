"""Extractions, slices of backfills and staged batches, handed to the single warehouse writer as they are ready."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future

from prefect.futures import PrefectConcurrentFuture, PrefectFuture

from records import Extraction, SourceConfig
from records.runs import WriterStopped
from warehouse.staged_watch import Receive

# Slices waiting for the writer before extract threads pause: a backfill's memory then stays flat however
# large its sources are (at most one slice per source being gathered, plus these).
SLICES_WAITING = 2

Arrival = tuple[SourceConfig, Receive, bool]  # a source, how to receive it, and whether it is final
Pending = PrefectFuture | Future[Receive]  # an extract task, or a batch that another process is staging


class Arrivals:
    """Hands each source's slices, then its final extraction, to the writer in the order they are ready."""

    def __init__(self, slices_waiting: int = SLICES_WAITING) -> None:
        self._ready: queue.SimpleQueue[tuple[str, Extraction | None]] = queue.SimpleQueue()
        self._room = threading.Condition()
        self._waiting = 0
        self._limit = slices_waiting
        self._stopped = False

    def put_slice(self, part: Extraction) -> None:
        """Queue one slice from an extract thread, first waiting while the writer is behind."""
        with self._room:
            self._room.wait_for(lambda: self._stopped or self._waiting < self._limit)
            if self._stopped:
                raise WriterStopped(f"{part.source_id}: the run stopped loading, so extraction stops too")
            self._waiting += 1
        self._ready.put((part.source_id, part))

    def stop(self) -> None:
        """The writer is done (or failed): wake any extract thread waiting to hand over a slice."""
        with self._room:
            self._stopped = True
            self._room.notify_all()

    def each(self, sources: list[SourceConfig], extractions: dict[str, Pending]) -> Iterator[Arrival]:
        """Slices and extractions in the order they are ready (futures of other task runners last, in config order).

        `extractions` maps each source to its extract task's future, or to a plain future that resolves to
        a callable reading the source's batch once it is ready (a staged batch stays on disk until the
        writer takes it). Entries are dropped as they are handed out, so an extraction is freed once its
        source is loaded (prefect's as_completed would keep every finished future, and so every
        extraction, to the end).
        """
        by_id = {source.id: source for source in sources}
        running: dict[str, PrefectConcurrentFuture | Future[Receive]] = {}
        for source_id, entry in list(extractions.items()):
            done = entry.wrapped_future if isinstance(entry, PrefectConcurrentFuture) else entry
            if isinstance(done, Future):
                running[source_id] = extractions.pop(source_id)
                done.add_done_callback(self._finished(source_id))
        while running:
            source_id, part = self._ready.get()
            if part is None:  # a source's extraction is ready; its slices, if any, came before
                entry = running.pop(source_id)  # a task's result is the extraction; a staged batch's, its reader
                yield by_id[source_id], entry.result if isinstance(entry, PrefectFuture) else entry.result(), True
                continue
            yield by_id[source_id], lambda part=part: part, False
            del part  # loaded: let it go before waiting for the next arrival
            with self._room:
                self._waiting -= 1
                self._room.notify_all()
        for source in sources:
            if source.id in extractions:
                yield source, extractions.pop(source.id).result, True

    def _finished(self, source_id: str) -> Callable[[Future], None]:
        """A done-callback that queues the end of `source_id`'s extraction (never waits)."""
        return lambda _: self._ready.put((source_id, None))
