"""One writer at a time: an advisory lock file beside the warehouse, held for a whole run."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from warehouse.db import WarehouseError


@contextmanager
def run_lock(db_path: Path | str) -> Iterator[None]:
    """Hold `<db>.lock` or fail at once, naming the process that holds it."""
    lock_path = Path(f"{db_path}.lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+")  # noqa: SIM115 - held open for the lifetime of the lock
    except OSError as exc:
        raise WarehouseError(f"{lock_path}: cannot create the run lock ({exc.strerror})") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise WarehouseError(f"{db_path}: another unionwatch run is writing this warehouse (pid {holder}); "
                                 "it will finish on its own, try again later") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the flock, also when the process is killed
