"""`unionwatch export`: write every analyst view to a folder as Parquet or CSV files, one file per view.

Parquet keeps the views' column names and types (lists as lists, times as UTC instants). CSV has a header row,
lists as JSON arrays (as `unionwatch sql --format csv` writes them) and times in UTC (`2024-01-15 09:30:00+00`),
whatever the machine's time zone.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from flows.commands.common import EXIT_OK, add_reader_options, reading

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


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `export` subcommand."""
    parser = commands.add_parser(
        "export", help="write every analyst view to DIR as Parquet or CSV",
        description="Write each view (documents, flagged_documents, mentions_monthly, ...) to DIR/<view>.parquet "
                    "or .csv, for spreadsheets, notebooks and BI tools. Parquet keeps the views' types (lists, "
                    "UTC timestamps); CSV has a header, lists as JSON arrays and times in UTC. Reads the published "
                    "snapshot when there is one.")
    parser.add_argument("dir", metavar="DIR", type=Path, help="folder to write into (created if missing)")
    parser.add_argument("--format", choices=sorted(COPY_OPTIONS), default="parquet",
                        help="file format (default: parquet)")
    add_reader_options(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Copy each view to its file, each written whole before it takes its name."""
    from warehouse.db import connect

    source = reading(args)
    args.dir.mkdir(parents=True, exist_ok=True)
    with connect(source, read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        for (view,) in con.execute(VIEWS_SQL).fetchall():
            path = args.dir / f"{view}.{args.format}"
            partial = path.with_name(f".{path.name}.partial")
            columns = con.execute(COLUMNS_SQL, [view]).fetchall()
            select = ", ".join(_column(name, kind, args.format) for name, kind in columns)
            # Names come from the catalogue and are quoted as identifiers; the path is a parameter.
            copy = f"COPY (SELECT {select} FROM {quote_identifier(view)}) TO ? {COPY_OPTIONS[args.format]}"  # noqa: S608
            rows = con.execute(copy, [str(partial)]).fetchone()[0]
            os.replace(partial, path)
            print(f"{path}  {rows:,} rows")
    return EXIT_OK


def _column(name: str, kind: str, fmt: str) -> str:
    """One view column as written to `fmt`: nested values become JSON text in CSV, everything else as it is."""
    column = quote_identifier(name)
    if fmt == "csv" and (kind.endswith("]") or kind.startswith(("STRUCT", "MAP", "UNION"))):
        return f"CAST(to_json({column}) AS VARCHAR) AS {column}"
    return column


def quote_identifier(name: str) -> str:
    """`name` as a double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'
