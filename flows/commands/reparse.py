"""`unionwatch reparse`: rebuild documents and flags from the raw archive, without network."""

from __future__ import annotations

import argparse

from flows.commands.backfill import select
from flows.commands.common import EXIT_OK, EXIT_SOURCE_FAILED, EXIT_USAGE, add_db, add_sources, fail


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `reparse` subcommand."""
    parser = commands.add_parser(
        "reparse", help="rebuild documents, flags and relatedness scores from archived responses (no network)",
        description="Parse every archived response again with the current parsers, topic rules and labelled "
                    "examples (transforms/related_examples.toml), so a parser fix, a rules change or new "
                    "examples apply to history. Documents whose parsed content is unchanged are left alone; "
                    "changed ones get a new version. Nothing a reparse flags is "
                    "alerted: it reads no new pages.")
    parser.add_argument("--source", action="append", metavar="ID", help="source id (repeatable; default: all)")
    parser.add_argument("--rules", metavar="TOML", help="topic rules file (default: the bundled topics.toml)")
    add_sources(parser)
    add_db(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run the reparse flow over the chosen sources."""
    from flows.commands.run import print_summary
    from flows.prefect_server import import_flows, prefect_api
    from flows.settings import load_settings

    sources = load_settings(args.sources).sources
    chosen = select(sources, args.source) if args.source else sources
    if chosen is None:
        return fail(f"unknown source id in {args.source}; known: {', '.join(s.id for s in sources)}", EXIT_USAGE)
    print(f"Reparsing {', '.join(s.id for s in chosen)} from the archive in {args.db}...")
    with prefect_api(while_starting=import_flows):
        from flows.ingest import reparse

        summary = reparse(chosen, args.db, rules_path=args.rules)
    print_summary(summary, args.db)
    return EXIT_OK if summary.ok else EXIT_SOURCE_FAILED
