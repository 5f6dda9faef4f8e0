"""Publishes a read-only copy of the warehouse after each run, so analysts never wait for or block the writer.

DuckDB lets one process hold a file: while a run writes, nobody else can open it, not even read-only. The run
therefore ends by copying the finished warehouse to `<stem>.snapshot.duckdb` beside it. The copy is written to a
temporary file in the same folder and renamed over the snapshot in one step, so a reader opens either the old
snapshot or the new one, never a half-written file, and a reader that already has the old one open keeps reading
it (its open file survives the rename). Readers hold only the snapshot; the writer holds only the live file.

The snapshot is in an older storage format than DuckDB 2.0's own ($UNIONWATCH_SNAPSHOT_STORAGE, default
warehouse.db.SNAPSHOT_STORAGE), so the DuckDB clients analysts already have (CLI, JDBC, R, BI connectors) open it,
views and macros included. A warehouse created by this version is already in that format and is copied as it is;
one in a newer format (created before, or with another setting) is rewritten into it table by table.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.db import WarehouseError, connect, storage_version, transaction
from warehouse.search import order_index

SNAPSHOT_SUFFIX = ".snapshot.duckdb"


@dataclass(frozen=True)
class ReadTarget:
    """The file a reading command opens, and whether it is the published snapshot."""

    path: Path
    is_snapshot: bool
    live_path: Path

    def describe(self) -> str:
        """One line telling the user which file, and how fresh, they are reading."""
        if self.is_snapshot:
            published = datetime.fromtimestamp(self.path.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M UTC")
            return f"snapshot {self.path} (published {published}; --live reads {self.live_path})"
        if snapshot_path(self.live_path).exists():
            return f"live warehouse {self.path} (--live)"
        return f"live warehouse {self.path} (no snapshot published yet)"


def snapshot_path(db_path: Path | str) -> Path:
    """Where the snapshot of the warehouse at `db_path` lives."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.stem + SNAPSHOT_SUFFIX)


def read_target(db_path: Path | str, live: bool = False) -> ReadTarget:
    """The snapshot when one is published (unless `live`), else the live warehouse."""
    db_path = Path(db_path)
    snapshot = snapshot_path(db_path)
    if not live and snapshot.exists():
        return ReadTarget(snapshot, True, db_path)
    return ReadTarget(db_path, False, db_path)


def publish_snapshot(db_path: Path | str) -> Path:
    """Copy the warehouse, consistently, over its snapshot in one atomic rename; returns the snapshot path.

    Call it after the run has finished writing: it opens the warehouse read-write, so it waits for no one and
    fails at once (WarehouseError) when another process holds the file. The search index is first put back in
    term order when enough postings were added since it last was (warehouse.search.order_index).
    """
    db_path = Path(db_path)
    if not db_path.exists():
        raise WarehouseError(f"{db_path}: no warehouse here yet; nothing to snapshot")
    version = storage_version()
    snapshot = snapshot_path(db_path)
    partial = snapshot.with_name(f".{snapshot.name}.{os.getpid()}.partial")
    try:
        # Holding the read-write connection keeps every other process out while the file is copied. The checkpoint
        # folds the write-ahead log into the file, so the file alone is the whole, committed state.
        with connect(db_path) as con:
            with transaction(con):
                order_index(con)
            con.execute("CHECKPOINT")
            if _readable_as(con, version):
                shutil.copyfile(db_path, partial)
            else:
                live = con.execute("SELECT current_database()").fetchone()[0]
                con.execute("SET enable_progress_bar = false")  # a long copy would draw one into the run's output
                con.execute("ATTACH ? AS snapshot_copy (STORAGE_VERSION ?)", [str(partial), version])
                try:
                    con.execute(f"COPY FROM DATABASE {_identifier(live)} TO snapshot_copy")
                finally:
                    con.execute("DETACH snapshot_copy")
        _sync(partial)
        _check(partial)
        os.replace(partial, snapshot)
        _sync(snapshot.parent)
    except OSError as exc:
        raise WarehouseError(f"{snapshot}: cannot publish the snapshot ({exc.strerror or exc})") from None
    except duckdb.IOException as exc:
        raise WarehouseError(f"{snapshot}: cannot publish the snapshot ({str(exc).splitlines()[0]})") from None
    finally:
        partial.unlink(missing_ok=True)
        partial.with_name(partial.name + ".wal").unlink(missing_ok=True)
    return snapshot


def _readable_as(con: duckdb.DuckDBPyConnection, version: str) -> bool:
    """Whether the open warehouse's file is in `version`'s storage format or an older one."""
    tag = con.execute("SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = "
                      "current_database()").fetchone()[0]
    return version == "latest" or _release(tag.rstrip("+")) <= _release(version)


def _release(version: str) -> tuple[int, ...]:
    """'v1.2.0' as (1, 2, 0)."""
    return tuple(int(part) for part in version.lstrip("v").split("."))


def _identifier(name: str) -> str:
    """`name` as a double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _check(path: Path) -> None:
    """Open the copy before it replaces anything, so a bad copy never reaches readers."""
    with connect(path, read_only=True) as con:
        con.execute("SELECT count(*) FROM schema_migrations").fetchone()


def _sync(path: Path) -> None:
    """Flush a file or folder to disk, so the rename is not seen before the data it names."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
