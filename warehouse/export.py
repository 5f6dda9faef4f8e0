"""Every analyst view written to a folder as Parquet or CSV, one file per view.

Parquet keeps the views' column names and types (lists as lists, times as UTC instants). CSV has a header row,
lists as JSON arrays (as `unionwatch sql --format csv` writes them) and times in UTC (`2024-01-15 09:30:00+00`),
whatever the machine's time zone. Each file is written whole under a temporary name before it takes its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from warehouse.db import connect

COPY_OPTIONS = {"parquet": "(FORMAT parquet, COMPRESSION zstd)", "csv": "(FORMAT csv, HEADER true)"}
COLUMNS_SQL = """
SELECT column_name, data_type FROM information_schema.columns
WHERE table_catalog = current_database() AND table_schema = 'main' AND table_name = ?
ORDER BY ordinal_position
"""
VIEWS_SQL = """
SELECT table_name FROM information_schema.tables
WHERE table_catalog = current_database() AND table_schema = 'main' AND table_type = 'VIEW'
ORDER BY table_name
"""


def export_views(db_path: Path | str, folder: Path, fmt: str) -> Iterator[tuple[Path, int]]:
    """Write each view of the warehouse at `db_path` to `folder`/<view>.<fmt>; yields each file and its rows."""
    folder.mkdir(parents=True, exist_ok=True)
    with connect(db_path, read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        for (view,) in con.execute(VIEWS_SQL).fetchall():
            path = folder / f"{view}.{fmt}"
            partial = path.with_name(f".{path.name}.partial")
            columns = con.execute(COLUMNS_SQL, [view]).fetchall()
            select = ", ".join(_column(name, kind, fmt) for name, kind in columns)
            # Names come from the catalogue and are quoted as identifiers; the path is a parameter.
            copy = f"COPY (SELECT {select} FROM {quote_identifier(view)}) TO ? {COPY_OPTIONS[fmt]}"  # noqa: S608
            rows = con.execute(copy, [str(partial)]).fetchone()[0]
            os.replace(partial, path)
            yield path, rows


def _column(name: str, kind: str, fmt: str) -> str:
    """One view column as written to `fmt`: nested values become JSON text in CSV, everything else as it is."""
    column = quote_identifier(name)
    if fmt == "csv" and (kind.endswith("]") or kind.startswith(("STRUCT", "MAP", "UNION"))):
        return f"CAST(to_json({column}) AS VARCHAR) AS {column}"
    return column


def quote_identifier(name: str) -> str:
    """`name` as a double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'
