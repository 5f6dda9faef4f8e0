"""`unionwatch deploy`: register the scheduled and scale-out deployments on a Prefect work pool."""

from __future__ import annotations

import argparse
import contextlib
import os
from pathlib import Path

from flows.commands.common import EXIT_OK, EXIT_USAGE, add_db, add_sources, fail

ROOT = Path(__file__).resolve().parents[2]


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `deploy` subcommand."""
    parser = commands.add_parser(
        "deploy", help="create the deployments on a Prefect work pool, for `prefect worker start`",
        description="Register on the Prefect server at PREFECT_API_URL the same scheduled deployments that "
                    "`serve` runs, plus `ingest-distributed` (extraction fanned out to workers, loaded by "
                    "one writer) and `extract-partition` (what each worker runs). Creates the process work "
                    "pools if missing. Workers must see this code at the same path, the warehouse (loader "
                    "pool) and the staging folder (all pools). See docs/scaling.md.")
    add_sources(parser)
    add_db(parser)
    parser.add_argument("--pool", default="unionwatch", help="work pool of the loading flows (default: unionwatch)")
    parser.add_argument("--extract-pool", default="unionwatch-extract",
                        help="work pool of the extraction partitions (default: unionwatch-extract)")
    parser.add_argument("--staging", default="data/staging", help="staging folder shared with the workers")
    parser.add_argument("--partitions", type=int, default=2, help="extraction partitions (default: 2)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Create pools and deployments; print what was registered."""
    if not os.environ.get("PREFECT_API_URL"):
        return fail("set PREFECT_API_URL to the Prefect server (e.g. http://127.0.0.1:4200/api); "
                    "`prefect server start` runs one", EXIT_USAGE)
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists
    from prefect.schedules import Cron

    from flows.distributed import extract_partition, ingest_distributed
    from flows.schedule import DIGEST_FLOW, plan, scheduled_digest, scheduled_ingest

    sources_path, db_path = str(Path(args.sources).resolve()), str(Path(args.db).resolve())
    staging = str(Path(args.staging).resolve())
    with get_client(sync_client=True) as client:
        for pool in (args.pool, args.extract_pool):
            with contextlib.suppress(ObjectAlreadyExists):  # deploying again is fine
                client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
    source = str(ROOT)
    for item in plan(sources_path, db_path):
        scheduled = scheduled_digest if item.flow == DIGEST_FLOW else scheduled_ingest
        scheduled.from_source(source, f"flows/schedule.py:{scheduled.fn.__name__}").deploy(
            name=item.name, work_pool_name=args.pool, parameters=item.parameters,
            schedules=[Cron(item.cron, timezone=item.timezone or "UTC")],
            build=False, push=False, concurrency_limit=1, print_next_steps=False)
        print(f"{item.flow}/{item.name:<22} {item.cron:<16} pool {args.pool}")
    ingest_distributed.from_source(source, "flows/distributed.py:ingest_distributed").deploy(
        name="ingest-distributed", work_pool_name=args.pool, build=False, push=False, concurrency_limit=1,
        parameters={"sources_path": sources_path, "db_path": db_path, "staging": staging,
                    "partitions": args.partitions}, print_next_steps=False)
    print(f"ingest-distributed/ingest-distributed  (on demand)    pool {args.pool}")
    extract_partition.from_source(source, "flows/distributed.py:extract_partition").deploy(
        name="extract-partition", work_pool_name=args.extract_pool, build=False, push=False,
        print_next_steps=False)
    print(f"extract-partition/extract-partition    (by the parent) pool {args.extract_pool}")
    return EXIT_OK
