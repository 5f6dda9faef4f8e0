"""`unionwatch report`: write the campaign report, one self-contained HTML page."""

from __future__ import annotations

import argparse
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flows.commands.common import EXIT_OK, EXIT_USAGE, add_reader_options, fail, reading

DEFAULT_FLAGS = 25


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `report` subcommand."""
    parser = commands.add_parser(
        "report", help="write an HTML report: mentions over time, latest flags, source health, last run",
        description="Write one self-contained HTML page (no script, nothing fetched when opened) for campaign "
                    "staff. Reads the published snapshot when there is one, so it never waits for a run.")
    parser.add_argument("out", metavar="OUT.html", type=Path, help="where to write the page")
    parser.add_argument("--flags", type=int, default=DEFAULT_FLAGS, metavar="N",
                        help=f"how many of the latest flagged items to show (default: {DEFAULT_FLAGS})")
    add_reader_options(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Read the report's data, render it and write the page in one step."""
    from report.html import render
    from warehouse.report_data import load

    if args.flags < 1:
        return fail("--flags must be at least 1", EXIT_USAGE)
    source = reading(args)
    data = load(source, flag_limit=args.flags)
    page = render(data, str(source), datetime.now(ZoneInfo("Europe/London")))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    partial = args.out.with_name(f".{args.out.name}.partial")
    partial.write_text(page, encoding="utf-8")
    os.replace(partial, args.out)  # a browser refreshing the page never sees half of it
    print(f"Wrote {args.out}: {len(data.flags)} latest flagged items, {len(data.sources)} sources.")
    return EXIT_OK
