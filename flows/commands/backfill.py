"""`unionwatch backfill`: walk a source's whole history instead of stopping at what is known."""

from __future__ import annotations

import argparse

from flows.commands.common import EXIT_OK, EXIT_SOURCE_FAILED, EXIT_USAGE, add_db, add_sources, fail


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `backfill` subcommand."""
    parser = commands.add_parser(
        "backfill", help="fetch a source's full history (every motions year, every feed/API page)",
        description="Walk the full history of one source, or of every enabled source: every year of the "
                    "motions database since 2006 (or --since), every feed and API page. Known documents are "
                    "not duplicated; changed ones get new versions. Nothing a backfill discovers is alerted "
                    "(it is history, even a post dated today), unless --notify-backfill is given. "
                    "See docs/alerts.md.")
    parser.add_argument("--source", action="append", metavar="ID", help="source id (repeatable; default: all enabled)")
    parser.add_argument("--since", type=int, metavar="YEAR", help="first year to walk (motions database)")
    parser.add_argument("--notify-backfill", action="store_true",
                        help="alert subscribers about the flagged items this backfill discovers (each once; "
                             "default: they count as history and nothing is sent)")
    add_sources(parser)
    add_db(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run the ingest flow in backfill mode over the chosen sources."""
    from flows.commands.run import print_summary
    from flows.prefect_server import import_flows, prefect_api
    from flows.settings import load_settings

    settings = load_settings(args.sources)  # every mistake in the file stops the run before any request
    sources, crawler = settings.sources, settings.crawler
    chosen = select(sources, args.source)
    if chosen is None:
        return fail(f"unknown source id in {args.source}; known: {', '.join(s.id for s in sources)}", EXIT_USAGE)
    print(f"Backfilling {', '.join(s.id for s in chosen)} into {args.db}"
          + (f" from {args.since}" if args.since else "") + "...")
    with prefect_api(while_starting=import_flows):
        from flows.ingest import ingest

        summary = ingest(chosen, args.db, command="backfill", crawler=crawler, backfill=True,
                         since_year=args.since, alerts_config=args.sources, notify_backfill=args.notify_backfill)
    print_summary(summary, args.db)
    return EXIT_OK if summary.ok else EXIT_SOURCE_FAILED


def select(sources: list, ids: list[str] | None) -> list | None:
    """The sources named by `ids` (enabled or not), all enabled ones without ids, None for an unknown id."""
    if not ids:
        return [source for source in sources if source.enabled]
    by_id = {source.id: source for source in sources}
    if any(source_id not in by_id for source_id in ids):
        return None
    return [by_id[source_id] for source_id in ids]
