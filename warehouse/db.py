"""Opens the DuckDB warehouse offline, with a clear error when another process holds it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path

import duckdb

# Never download extensions at run time: the warehouse must work without internet.
OFFLINE_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
# The writer's cache of written blocks is capped (DuckDB's default is a share of RAM); evicted blocks are read
# back from the file when needed. Read-only use keeps the default.
WRITER_MEMORY_LIMIT = "128MB"
MEMORY_LIMIT_ENV = "UNIONWATCH_DUCKDB_MEMORY_LIMIT"
STORAGE_ENV = "UNIONWATCH_SNAPSHOT_STORAGE"
# The oldest storage version whose files DuckDB opens, views and macros working, in every release since it
# (measured per release in benchmarks/RESULTS.md; a v1.0.0 file fails to open in DuckDB 1.0: its primary keys).
# New warehouses are created in it too, so publishing a snapshot stays a file copy.
SNAPSHOT_STORAGE = "v1.1.0"


class WarehouseError(RuntimeError):
    """The warehouse file cannot be opened or written; the message says what to do."""


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse file, creating its folder when writing."""
    path = Path(path)
    if read_only and not path.exists():
        raise WarehouseError(f"{path}: no warehouse here yet; run `unionwatch run` (or `unionwatch demo`) first")
    if not read_only:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WarehouseError(f"{path}: cannot create its folder ({exc.strerror})") from None
    try:
        return duckdb.connect(str(path), read_only=read_only, config=_config(read_only))
    except duckdb.ParserException as exc:
        raise WarehouseError(f"{MEMORY_LIMIT_ENV}={os.environ.get(MEMORY_LIMIT_ENV)!r}: {exc}") from None
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseError(f"{path}: another process has the warehouse open ({_holder(str(exc))}); "
                                 "wait for it to finish, or query a snapshot") from None
        raise WarehouseError(f"{path}: cannot open the warehouse ({exc})") from None


@contextmanager
def kept_open(path: Path | str) -> Iterator[None]:
    """Hold the warehouse open for the block, so every `connect` in it is cheap.

    DuckDB shares one open database among a process's connections to a file; without one held, each
    `connect` reads the file again and each close checkpoints it (15 ms or more, a dozen times a run).
    Read-only connections to the same file cannot be opened inside the block.
    """
    con = connect(path)
    try:
        yield
    finally:
        con.close()


def storage_version() -> str:
    """The snapshot's DuckDB storage version: $UNIONWATCH_SNAPSHOT_STORAGE, else SNAPSHOT_STORAGE.

    Checked against the versions this DuckDB can write (WarehouseError naming the setting when it cannot).
    """
    return _checked_storage(os.environ.get(STORAGE_ENV, "").strip() or SNAPSHOT_STORAGE)


@cache
def _checked_storage(version: str) -> str:
    """`version` once DuckDB has accepted it as a storage version."""
    with duckdb.connect() as con:
        try:
            con.execute("ATTACH ':memory:' AS probe (STORAGE_VERSION ?)", [version])
        except duckdb.Error as exc:
            raise WarehouseError(
                f"{STORAGE_ENV}={version!r}: DuckDB {duckdb.__version__} cannot write this storage version "
                f"({str(exc).splitlines()[0].split(', valid options')[0]}); set it to a release such as "
                f"'{SNAPSHOT_STORAGE}' (opened by DuckDB {SNAPSHOT_STORAGE[1:]} and later) or 'latest', or unset "
                "it") from None
    return version


def _config(read_only: bool) -> dict[str, str | bool]:
    """DuckDB settings: always offline; when writing, the memory cap ($UNIONWATCH_DUCKDB_MEMORY_LIMIT wins) and
    the storage version a new file is created in."""
    if read_only:
        return OFFLINE_CONFIG
    return {**OFFLINE_CONFIG, "memory_limit": os.environ.get(MEMORY_LIMIT_ENV, WRITER_MEMORY_LIMIT),
            "storage_compatibility_version": storage_version()}


def _holder(message: str) -> str:
    """The 'PID n' part of DuckDB's lock error, when present."""
    start = message.find("PID")
    return message[start:].split(")")[0] if start >= 0 else "lock held"


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block in one transaction: committed when it ends, rolled back if it (or the commit) fails.

    A COMMIT that fails (disk full) leaves no transaction to roll back; that second error must not hide
    the first, which is reported as a WarehouseError when it is about the file itself.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException as exc:
        with suppress(duckdb.Error):
            con.execute("ROLLBACK")
        if isinstance(exc, duckdb.IOException):
            raise WarehouseError(f"cannot write the warehouse: {exc}; nothing of this batch was stored") from exc
        raise
    try:
        con.execute("COMMIT")
    except duckdb.Error as exc:
        with suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise WarehouseError(f"cannot write the warehouse: {exc}; nothing of this batch was stored") from exc
