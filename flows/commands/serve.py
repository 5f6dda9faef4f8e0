"""`unionwatch serve`: run the flows on their schedules with Prefect, starting a local server if needed."""

from __future__ import annotations

import argparse
from pathlib import Path

from flows.commands.common import EXIT_OK, add_db, add_sources


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `serve` subcommand."""
    parser = commands.add_parser(
        "serve", help="run ingestion on its schedules (Prefect serve; local server if none configured)",
        description="Serve the scheduled deployments: blogs and feeds every 30 minutes, the motions database "
                    "daily, a weekly revalidation of every known page; a source's `schedule` key overrides "
                    "its group. Minutes are spread by a hash of each deployment's name. Uses PREFECT_API_URL "
                    "when set; otherwise starts a Prefect server on 127.0.0.1 (UI included) and stops it on "
                    "exit. Ctrl-C stops cleanly.")
    add_sources(parser)
    add_db(parser)
    parser.add_argument("--plan", action="store_true", help="print the deployments and schedules, then exit")
    parser.add_argument("--port", type=int, default=4200,
                        help="port of the local Prefect server (default 4200; 0 picks a free one)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Print the plan, or serve it until interrupted."""
    from flows.schedule import plan

    sources_path, db_path = str(Path(args.sources).resolve()), str(Path(args.db).resolve())
    planned = plan(sources_path, db_path)
    for item in planned:
        ids = item.parameters.get("source_ids")
        print(f"{item.name:<24} {item.cron:<18} {', '.join(ids) if ids else 'all enabled sources'}")
    if args.plan:
        return EXIT_OK
    from flows.prefect_server import configured_api, prefect_api, server_log

    starting = configured_api() is None
    if starting:
        print(f"Starting a local Prefect server on 127.0.0.1:{args.port} (log: {server_log()})...")
    # The scheduler runs in the server; one-off commands find it through the announcement.
    with prefect_api(args.port, ui=True, services=True, announce=True) as api_url:
        if starting:
            print(f"Prefect UI: {api_url.removesuffix('/api')}  — Ctrl-C to stop")
        _serve(planned)
    return EXIT_OK


def _serve(planned: list) -> None:
    """Hand the deployments to Prefect's runner until interrupted."""
    from prefect import serve

    from flows.schedule import scheduled_ingest

    deployments = [scheduled_ingest.to_deployment(name=item.name, cron=item.cron, parameters=item.parameters)
                   for item in planned]
    try:
        serve(*deployments, print_starting_message=False)
    except KeyboardInterrupt:
        print("Stopped.")
