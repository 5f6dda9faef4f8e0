"""`unionwatch export`: write every analyst view to a folder as Parquet or CSV (warehouse/export.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from flows.commands.common import EXIT_OK, add_reader_options, reading

FORMATS = ("csv", "parquet")  # the keys of warehouse.export.COPY_OPTIONS; `--help` imports no DuckDB


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `export` subcommand."""
    parser = commands.add_parser(
        "export", help="write every analyst view to DIR as Parquet or CSV",
        description="Write each view (documents, flagged_documents, mentions_monthly, ...) to DIR/<view>.parquet "
                    "or .csv, for spreadsheets, notebooks and BI tools. Parquet keeps the views' types (lists, "
                    "UTC timestamps); CSV has a header, lists as JSON arrays and times in UTC. Reads the published "
                    "snapshot when there is one.")
    parser.add_argument("dir", metavar="DIR", type=Path, help="folder to write into (created if missing)")
    parser.add_argument("--format", choices=FORMATS, default="parquet",
                        help="file format (default: parquet)")
    add_reader_options(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Copy each view to its file, each written whole before it takes its name."""
    from warehouse.export import export_views

    for path, rows in export_views(reading(args), args.dir, args.format):
        print(f"{path}  {rows:,} rows")
    return EXIT_OK
