"""`unionwatch run`: one ingestion over the configured sources."""

from __future__ import annotations

import argparse
import textwrap

from flows.commands.common import EXIT_OK, EXIT_SOURCE_FAILED, add_db, add_sources


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `run` subcommand."""
    parser = commands.add_parser(
        "run", help="run one ingestion over the configured sources",
        description="Fetch every enabled source once, load new and changed documents, flag mentions, then "
                    "alert the [[subscriptions]] about what is news: items this run saw for the first time "
                    "(whatever their date) and known items an edit newly flagged. A source's first complete "
                    "run is its baseline and alerts nothing. The whole sources file is checked before the "
                    "first request. Safe to rerun: nothing new on the sites means nothing added or sent. "
                    "See docs/alerts.md.")
    add_sources(parser)
    add_db(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Load the sources file, run the flow, print the summary."""
    from flows.head_start import HeadStart
    from flows.prefect_server import import_flows, prefect_api
    from flows.settings import load_settings

    settings = load_settings(args.sources)  # every mistake in the file stops the run before any request
    sources, crawler = settings.sources, settings.crawler
    print(f"Ingesting {sum(s.enabled for s in sources)} enabled sources from {args.sources} into {args.db}...")
    # Fetching starts at once; Prefect and its server get ready meanwhile, and the flow takes it over.
    with HeadStart(sources, args.db, crawler) as head_start, prefect_api(while_starting=import_flows):
        from flows.ingest import ingest

        summary = ingest(sources, args.db, command="run", crawler=crawler, alerts_config=args.sources,
                         head_start=head_start)
    print_summary(summary, args.db)
    return EXIT_OK if summary.ok else EXIT_SOURCE_FAILED


def print_summary(summary, db: str) -> None:
    """Per-source results and the latest flagged items; a refused run raises WarehouseError (exit code 3)."""
    from warehouse.db import WarehouseError

    if summary.fatal:
        raise WarehouseError(summary.fatal)
    from warehouse.queries import latest_flags, sources_overview

    print(f"\nRun {summary.run_id}: {'all sources succeeded' if summary.ok else 'SOME SOURCES FAILED'}")
    print(f"{'source':<24} {'status':<7} {'new':>5} {'changed':>7} {'same':>5} {'gone':>5} {'held':>5} "
          f"{'flags+':>6} {'requests':>8}  error")
    for outcome in summary.outcomes:
        load = outcome.load
        counts = (load.documents_new, load.documents_changed, load.documents_unchanged, load.documents_removed,
                  load.quarantined, load.flags_new) if load else (0, 0, 0, 0, 0, 0)
        print(f"{outcome.source_id:<24} {'ok' if outcome.ok else 'FAILED':<7} "
              + " ".join(f"{count:>{width}}" for count, width in zip(counts, (5, 7, 5, 5, 5, 6), strict=True))
              + f" {outcome.requests:>8}  {outcome.error or ''}")
    if any(outcome.load and outcome.load.quarantined for outcome in summary.outcomes):
        print("held = rows kept in quarantine by the quality checks: `unionwatch quality` says why")
    if summary.alerts is not None:
        report = summary.alerts
        print(f"\nAlerts: {report.queued} queued, {len(report.sent)} message(s) delivered"
              + "".join(f"\n  problem: {problem}" for problem in report.problems))
    print(f"\nWarehouse {db}:")
    for row in sources_overview(db):
        print(f"  {row.source_id:<24} {row.kind:<15} {row.documents:>5} documents, {row.flagged:>4} flagged")
    flags = latest_flags(db, limit=8)
    if flags:
        print("\nLatest flagged items:")
    for flag in flags:
        date = flag.published_at.date().isoformat() if flag.published_at else "undated"
        print(f"  [{', '.join(flag.topics)}] {date} {flag.title}\n    {flag.url}")
        print(textwrap.indent(textwrap.fill(flag.snippet, 100), "    > "))
