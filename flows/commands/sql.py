"""`unionwatch sql`: run a query against the warehouse, read-only, and print the result as a table, CSV or JSON."""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
from datetime import date, time, timedelta
from decimal import Decimal

from flows.commands.common import EXIT_OK, EXIT_USAGE, add_reader_options, fail, reading

FORMATS = ("table", "csv", "json")
DEFAULT_MAX_ROWS = 40


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `sql` subcommand."""
    parser = commands.add_parser(
        "sql", help="run a read-only SQL query and print the result",
        description="Run SQL against the warehouse, read-only: the views documented in docs/schema.md, "
                    "search_documents('words'), any DuckDB function. Reads the published snapshot when there is "
                    "one, so it never waits for (or blocks) a run.",
        epilog="example: unionwatch sql \"SELECT month, topic, sum(mentions) FROM mentions_monthly GROUP BY ALL "
               "ORDER BY 1\" --format csv > mentions.csv")
    parser.add_argument("query", metavar="SQL", help="the query (several statements: the last one's result)")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    parser.add_argument("--max-rows", type=int, default=DEFAULT_MAX_ROWS, metavar="N",
                        help=f"rows a table shows before eliding the middle (default: {DEFAULT_MAX_ROWS}; "
                             "csv and json print every row)")
    add_reader_options(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Open the warehouse read-only, run the query, print the result."""
    import duckdb

    from warehouse.db import connect

    source = reading(args)
    with connect(source, read_only=True) as con:
        try:
            result = con.sql(args.query)
            if result is None:
                print("OK (the statement returned no rows)", file=sys.stderr)
            elif args.format == "table":
                result.show(max_rows=args.max_rows, max_width=shutil.get_terminal_size().columns)
            else:
                columns, rows = result.columns, result.fetchall()
                write = write_csv if args.format == "csv" else write_json
                write(columns, rows)
        except duckdb.Error as exc:
            hint = " (the warehouse is opened read-only)" if "read-only" in str(exc) else ""
            return fail(f"SQL error{hint}: {exc}", EXIT_USAGE)
    return EXIT_OK


def write_csv(columns: list[str], rows: list[tuple]) -> None:
    """Rows as CSV with a header; lists and structs as JSON text."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_value(value) for value in row])


def write_json(columns: list[str], rows: list[tuple]) -> None:
    """Rows as a JSON array of objects."""
    json.dump([dict(zip(columns, row, strict=True)) for row in rows], sys.stdout, default=_json_value,
              ensure_ascii=False, indent=2)
    print()


def _csv_value(value: object) -> object:
    """A value as a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, list | dict | tuple):
        return json.dumps(value, default=_json_value, ensure_ascii=False)
    return _json_value(value) if isinstance(value, date | time | timedelta | Decimal | bytes) else value


def _json_value(value: object) -> object:
    """What JSON cannot hold natively: times as ISO 8601, durations in seconds, decimals and bytes as text."""
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)
