"""Opens the DuckDB warehouse offline, with a clear error when another process holds it."""

from __future__ import annotations

from pathlib import Path

import duckdb

# Never download extensions at run time: the warehouse must work without internet.
OFFLINE_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


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
        return duckdb.connect(str(path), read_only=read_only, config=OFFLINE_CONFIG)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseError(f"{path}: another process has the warehouse open ({_holder(str(exc))}); "
                                 "wait for it to finish, or query a snapshot") from None
        raise WarehouseError(f"{path}: cannot open the warehouse ({exc})") from None


def _holder(message: str) -> str:
    """The 'PID n' part of DuckDB's lock error, when present."""
    start = message.find("PID")
    return message[start:].split(")")[0] if start >= 0 else "lock held"
