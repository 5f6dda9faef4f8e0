"""Arguments and output helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

DEFAULT_DB = "data/unionwatch.duckdb"
DEFAULT_DEMO_DB = "data/demo.duckdb"
DEFAULT_SOURCES = "sources.toml"
EXIT_OK, EXIT_SOURCE_FAILED, EXIT_USAGE, EXIT_WAREHOUSE, EXIT_PREFECT = 0, 1, 2, 3, 4


def add_db(parser: argparse.ArgumentParser, default: str = DEFAULT_DB) -> None:
    """The --db option every command takes."""
    parser.add_argument("--db", default=default, help=f"DuckDB warehouse file (default: {default})")


def add_sources(parser: argparse.ArgumentParser) -> None:
    """The --sources option of commands that read the sources file."""
    parser.add_argument("--sources", default=DEFAULT_SOURCES, help=f"sources file (default: {DEFAULT_SOURCES})")


def fail(message: str, code: int) -> int:
    """Print an error for people and return the exit code."""
    print(f"unionwatch: {message}", file=sys.stderr)
    return code


def configure_logging(quiet: bool) -> None:
    """Progress lines on stderr; Prefect's own logs stay at WARNING."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(message)s", "%H:%M:%S"))
    for name in ("unionwatch", "extractors", "alerts", "expectations"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.WARNING if quiet else logging.INFO)
        logger.addHandler(handler)
        logger.propagate = False
    logging.getLogger("great_expectations").setLevel(logging.WARNING)  # it announces temporary folders at INFO


def add_reader_options(parser: argparse.ArgumentParser) -> None:
    """--db and --live, for commands that only read the warehouse."""
    add_db(parser)
    parser.add_argument("--live", action="store_true", help="read the live warehouse, not its snapshot")


def reading(args: argparse.Namespace) -> Path:
    """The file a read-only command should open (the snapshot unless --live), said on stderr."""
    from warehouse.snapshot import read_target

    target = read_target(args.db, live=args.live)
    print(f"Reading {target.describe()}", file=sys.stderr)
    return target.path
