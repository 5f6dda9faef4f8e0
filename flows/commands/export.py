"""`unionwatch export`: write every analyst view to a folder as Parquet or CSV files, one file per view."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from flows.commands.common import EXIT_OK, add_reader_options, reading

COPY_OPTIONS = {"parquet": "(FORMAT parquet, COMPRESSION zstd)", "csv": "(FORMAT csv, HEADER true)"}
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
                    "or .csv, for spreadsheets, notebooks and BI tools. Reads the published snapshot when there "
                    "is one.")
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
        for (view,) in con.execute(VIEWS_SQL).fetchall():
            path = args.dir / f"{view}.{args.format}"
            partial = path.with_name(f".{path.name}.partial")
            # The view name comes from the catalogue and is quoted as an identifier; the path is a parameter.
            copy = f"COPY (SELECT * FROM {quote_identifier(view)}) TO ? {COPY_OPTIONS[args.format]}"  # noqa: S608
            rows = con.execute(copy, [str(partial)]).fetchone()[0]
            os.replace(partial, path)
            print(f"{path}  {rows:,} rows")
    return EXIT_OK


def quote_identifier(name: str) -> str:
    """`name` as a double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'
