"""Watching the staging folder for the batches and slices that extract partitions write, for the single writer.

A thread per run polls the folder (which may be another machine's share) every STAGED_POLL seconds and settles
each source's future once its batch is complete or its partition ended without it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from records import Extraction
from records.runs import WriterStopped
from warehouse.staging import batch_dir, read_batch, staged_slices

STAGED_POLL = 0.5  # seconds between looks at the staging folder, which may be on another machine's share
Receive = Callable[[], Extraction]  # reads a staged batch when the writer takes it


def staged_batches(staging: str, run_id: str, ends: dict[str, Future], put_slice: Callable[[Extraction], None]
                   ) -> dict[str, Future[Receive]]:
    """A future per source id, done once its batch is staged or the partition run in `ends` ended without it.

    Each resolves to a callable that reads the batch, so a batch stays on disk until the writer takes it.
    A backfill's slices go to `put_slice` as they appear, before their source's future is done.
    """
    batches: dict[str, Future[Receive]] = {source_id: Future() for source_id in ends}
    wake = threading.Event()
    for end in set(ends.values()):
        end.add_done_callback(lambda _: wake.set())

    taken: set[Path] = set()

    def hand_over(source_id: str) -> Receive | None:
        """Give the writer the source's new slices; a reader that raises if one of them cannot be read."""
        for folder in _listed(staging, run_id, source_id):
            if folder not in taken:
                try:
                    part = read_batch(folder, source_id)
                except Exception as exc:  # the source fails, and its later slices stay staged for inspection
                    return _failing(f"staged slice {folder} of {source_id} is unreadable: {exc}")
                put_slice(part)  # waits while the writer is behind
                taken.add(folder)
        return None

    def watch(waiting: dict[str, Future], unsettled: dict[str, Future[Receive]]) -> None:
        """Hand over slices as they appear; settle each source once its batch is staged or its partition ended."""
        try:
            while waiting:
                wake.clear()
                for source_id, end in list(waiting.items()):
                    # Both before looking for slices: a partition writes every slice before the batch, and
                    # the batch before it ends.
                    ended, complete = end.done(), _complete(batch_dir(staging, run_id, source_id))
                    damaged = hand_over(source_id)
                    if damaged or ended or complete:
                        unsettled.pop(source_id).set_result(damaged or _staged(staging, run_id, source_id))
                        del waiting[source_id]
                if waiting:
                    wake.wait(STAGED_POLL)
        except WriterStopped:
            pass  # the warehouse failed: nothing more is loaded, and the writer already gave up waiting
        finally:  # after an error the writer must still get an answer for every source, not hang
            for source_id, batch in unsettled.items():  # and no batch may load without slices not handed over
                batch.set_result(_failing(f"{source_id}: the run stopped watching its staged slices and batch"))

    # The writer takes entries out of the returned dict as it loads them; the watcher keeps its own.
    threading.Thread(target=watch, args=(dict(ends), dict(batches)), name="staged-batches", daemon=True).start()
    return batches


def _listed(staging: str, run_id: str, source_id: str) -> list[Path]:
    """A source's staged slices, or none while the share is out of reach (looked at again next time)."""
    try:
        return staged_slices(staging, run_id, source_id)
    except OSError:
        return []


def _complete(folder: Path) -> bool:
    """True once a batch folder is in place (renamed there only when complete)."""
    try:
        return (folder / "meta.json").exists()
    except OSError:  # a share out of reach for a moment: looked at again, and settled when the partition ends
        return False


def _failing(message: str) -> Receive:
    """A reader that fails its source with `message`."""
    def receive() -> Extraction:
        raise RuntimeError(message)
    return receive


def _staged(staging: str, run_id: str, source_id: str) -> Receive:
    """A callable that reads one staged batch, raising when its partition did not produce it."""
    def receive() -> Extraction:
        folder = batch_dir(staging, run_id, source_id)
        if not _complete(folder):
            raise RuntimeError(f"no staged batch for {source_id}: its partition failed (see the worker's log)")
        return read_batch(folder, source_id)
    return receive
