"""The frame of every run that writes the warehouse: lock, record the run, and publish the snapshot at the end."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path

from records import SourceConfig
from warehouse.load import start_run
from warehouse.lock import run_lock
from warehouse.snapshot import publish_snapshot


@contextmanager
def locked_run(db_path: Path | str, command: str, sources: Sequence[SourceConfig], *,
               wait: float = 0.0, held: bool = False) -> Iterator[str]:
    """Hold the run lock, open a run of `command` and yield its id; when the body returns, publish the snapshot.

    The snapshot is published still under the lock, so readers get a run whole or not at all; a body that
    raises publishes nothing. `held`: the caller holds the run lock already (a run's head start).
    """
    with nullcontext() if held else run_lock(db_path, wait=wait):
        run_id = start_run(db_path, command, sources)
        yield run_id
        publish_snapshot(db_path)
