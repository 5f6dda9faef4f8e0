"""`unionwatch serve`: run the flows on their schedules with Prefect, starting a local server if needed."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from flows.commands.common import EXIT_OK, EXIT_USAGE, add_db, add_sources, fail

if TYPE_CHECKING:
    from flows.schedule import Planned


SCHEDULE_SECONDS_ENV = "UNIONWATCH_SCHEDULE_SECONDS"


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `serve` subcommand."""
    parser = commands.add_parser(
        "serve", help="run ingestion and digests on their schedules (Prefect serve; local server if none configured)",
        description="Serve the scheduled deployments: blogs and feeds every 30 minutes, the motions database "
                    "daily, a source's `schedule` key overriding its group (minutes spread by a hash of each "
                    "deployment's name); every run also rechecks its share of the known pages, so all are "
                    "rechecked within [crawler] revalidate_days. Digest subscriptions get a `digest` "
                    "deployment at their hours (in their time zone) that waits for a running ingest and sends "
                    "what is due. Uses PREFECT_API_URL when set; otherwise starts a Prefect server on "
                    "127.0.0.1 (UI included) and stops it on exit. Ctrl-C stops cleanly. "
                    f"{SCHEDULE_SECONDS_ENV}=N runs every deployment every N seconds instead (to try it out).")
    add_sources(parser)
    add_db(parser)
    parser.add_argument("--plan", action="store_true",
                        help="print the deployments, their schedules and each source's revalidation pace, then exit")
    parser.add_argument("--port", type=int, default=4200,
                        help="port of the local Prefect server (default 4200; 0 picks a free one)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Print the plan, or serve it until interrupted."""
    from flows.schedule import plan

    every = os.environ.get(SCHEDULE_SECONDS_ENV)
    try:
        seconds = float(every) if every else None
    except ValueError:
        seconds = -1.0
    if seconds is not None and not seconds > 0:
        return fail(f"{SCHEDULE_SECONDS_ENV}={every!r} is not a number of seconds > 0; unset it to use the crons",
                    EXIT_USAGE)
    sources_path, db_path = str(Path(args.sources).resolve()), str(Path(args.db).resolve())
    planned = plan(sources_path, db_path)
    for item in planned:
        print(describe(item, seconds))
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
        _serve(planned, seconds)
    return EXIT_OK


def describe(item: Planned, seconds: float | None) -> str:
    """A deployment's lines in the plan: name, schedule, what it runs, then its notes."""
    from flows.schedule import DIGEST_FLOW

    when = f"every {seconds:g} s" if seconds else f"{item.cron} {item.timezone or 'UTC'}"
    ids = item.parameters.get("source_ids")
    what = "digests due at these hours (a full alerts pass)" if item.flow == DIGEST_FLOW else ", ".join(ids or [])
    return "\n".join([f"{item.name:<24} {when:<32} {what}", *(f"    {note}" for note in item.notes)])


def _serve(planned: list[Planned], seconds: float | None) -> None:
    """Hand the deployments to Prefect's runner until interrupted."""
    from prefect import serve
    from prefect.schedules import Cron, Interval

    from flows.schedule import DIGEST_FLOW, scheduled_digest, scheduled_ingest

    deployments = [
        (scheduled_digest if item.flow == DIGEST_FLOW else scheduled_ingest).to_deployment(
            name=item.name, parameters=item.parameters, concurrency_limit=1,  # a late run waits; runs never pile up
            schedules=[Interval(seconds) if seconds else Cron(item.cron, timezone=item.timezone or "UTC")])
        for item in planned]
    try:
        serve(*deployments, print_starting_message=False)
    except KeyboardInterrupt:
        print("Stopped.")
