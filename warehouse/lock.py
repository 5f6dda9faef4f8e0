"""One writer at a time: an advisory lock file beside the warehouse, held for a whole run."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from warehouse.db import WarehouseError

POLL_SECONDS = 1.0


@contextmanager
def run_lock(db_path: Path | str, *, wait: float = 0.0) -> Iterator[None]:
    """Hold `<db>.lock`; if another run holds it, wait up to `wait` seconds, then fail naming that process."""
    lock_path = Path(f"{db_path}.lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+")  # noqa: SIM115 - held open for the lifetime of the lock
    except OSError as exc:
        raise WarehouseError(f"{lock_path}: cannot create the run lock ({exc.strerror})") from None
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "unknown"
                    raise WarehouseError(f"{db_path}: another unionwatch run is writing this warehouse "
                                         f"(pid {holder}); it will finish on its own, try again later") from None
                time.sleep(POLL_SECONDS)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the flock, also when the process is killed
