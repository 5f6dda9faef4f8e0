"""The `unionwatch` command: run ingestion, or the offline demo when called with no arguments."""

from __future__ import annotations

import argparse
import logging
import sys
import textwrap

from flows import environment

DEFAULT_DB = "data/unionwatch.duckdb"
DEFAULT_DEMO_DB = "data/demo.duckdb"
DEFAULT_SOURCES = "sources.toml"
EXIT_SOURCE_FAILED, EXIT_USAGE, EXIT_WAREHOUSE = 1, 2, 3

DESCRIPTION = """\
Watch UK trade-union publications for shared services and back-office cuts.

With no command, runs `unionwatch demo`: serves bundled sample sites on 127.0.0.1,
ingests them into data/demo.duckdb and shows what was flagged. No internet needed."""

EPILOG = """\
examples:
  unionwatch demo                         # offline demo against bundled sample sites
  unionwatch run                          # ingest sources.toml into data/unionwatch.duckdb
  unionwatch run --sources my.toml --db /srv/uw.duckdb

exit codes: 0 ok, 1 a source failed (others were still loaded), 2 bad config or usage, 3 warehouse busy/unwritable"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="unionwatch", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the summary and errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser("run", help="run one ingestion over the configured sources",
                              description="Fetch every enabled source once, load new and changed documents, "
                                          "flag mentions. Safe to rerun: nothing new means nothing added.")
    run.add_argument("--sources", default=DEFAULT_SOURCES, help=f"sources file (default: {DEFAULT_SOURCES})")
    run.add_argument("--db", default=DEFAULT_DB, help=f"DuckDB warehouse file (default: {DEFAULT_DB})")
    demo = commands.add_parser("demo", help="ingest the bundled sample sites (offline)",
                               description="Serve sample union sites on 127.0.0.1 and run the real ingest "
                                           "flow against them. Run it twice: the second run adds nothing.")
    demo.add_argument("--db", default=DEFAULT_DEMO_DB, help=f"DuckDB warehouse file (default: {DEFAULT_DEMO_DB})")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    environment.configure()
    _configure_logging(args.quiet)
    command = args.command or "demo"
    db = getattr(args, "db", DEFAULT_DEMO_DB)
    # Imported late: the environment above must be in place before Prefect loads.
    from extractors.config import ConfigError, load_sources
    from warehouse.db import WarehouseError

    try:
        if command == "demo":
            from flows.demo import run_demo

            print("Serving sample union sites on 127.0.0.1 and ingesting them (about 20 s on first use)...")
            summary = run_demo(db, lambda path: _ingest(load_sources(path), db, "demo"))
        else:
            sources = load_sources(args.sources)
            print(f"Ingesting {sum(s.enabled for s in sources)} enabled sources from {args.sources} into {db}...")
            summary = _ingest(sources, db, "run")
    except ConfigError as exc:
        print(f"unionwatch: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except WarehouseError as exc:
        print(f"unionwatch: {exc}", file=sys.stderr)
        return EXIT_WAREHOUSE
    _print_summary(summary, db, demo=command == "demo")
    return 0 if summary.ok else EXIT_SOURCE_FAILED


def _ingest(sources, db: str, command: str):
    """Run the Prefect flow."""
    from flows.ingest import ingest

    return ingest(sources, db, command=command)


def _configure_logging(quiet: bool) -> None:
    """Progress lines on stderr; Prefect's own logs stay at WARNING."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(message)s", "%H:%M:%S"))
    for name in ("unionwatch", "extractors"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.WARNING if quiet else logging.INFO)
        logger.addHandler(handler)
        logger.propagate = False


def _print_summary(summary, db: str, *, demo: bool) -> None:
    """Per-source results, the latest flagged items, and queries to try."""
    from flows.demo import TRY_QUERIES
    from warehouse.queries import latest_flags, sources_overview

    print(f"\nRun {summary.run_id}: {'all sources succeeded' if summary.ok else 'SOME SOURCES FAILED'}")
    print(f"{'source':<22} {'status':<7} {'new':>5} {'changed':>7} {'flags+':>6} {'requests':>8}  error")
    for outcome in summary.outcomes:
        load = outcome.load
        print(f"{outcome.source_id:<22} {'ok' if outcome.ok else 'FAILED':<7} "
              f"{load.documents_new if load else 0:>5} {load.documents_changed if load else 0:>7} "
              f"{load.flags_new if load else 0:>6} {outcome.requests:>8}  {outcome.error or ''}")
    print(f"\nWarehouse {db}:")
    for row in sources_overview(db):
        print(f"  {row.source_id:<22} {row.kind:<15} {row.documents:>5} documents, {row.flagged:>4} flagged")
    flags = latest_flags(db, limit=8)
    if flags:
        print("\nLatest flagged items:")
    for flag in flags:
        date = flag.published_at.date().isoformat() if flag.published_at else "undated"
        print(f"  [{', '.join(flag.topics)}] {date} {flag.title}\n    {flag.url}")
        print(textwrap.indent(textwrap.fill(flag.snippet, 100), "    > "))
    if demo:
        print(f"\nTry these in any DuckDB client (duckdb {db}):")
        for query in TRY_QUERIES:
            print(f"  {query}")
        print("\nRun `unionwatch demo` again: with nothing new on the sites, nothing is added or flagged.")


if __name__ == "__main__":
    sys.exit(main())
