"""Scale-out ingestion: extraction fans out to Prefect workers by host, loading stays one writer.

`ingest_distributed` (the parent) takes the run lock, stages each source's known state, starts one
`extract_partition` deployment run per partition, and loads each staged batch as soon as it is complete,
in one transaction per source, exactly as `ingest` does. All sources of a host fall into the same
partition, so the per-host politeness (one request at a time, minimum delay) holds across workers.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.deployments import run_deployment
from prefect.task_runners import ThreadPoolTaskRunner

from alerts import register_subscriptions
from config.sources import load_config
from extractors.registry import run_extractor
from flows.arrivals import Arrivals
from flows.ingest import MAX_PARALLEL_SOURCES, RunSummary, alerts_task, load_all
from flows.locked_run import locked_run
from flows.settings import load_settings
from records import SourceConfig
from transforms.classify import load_rules
from warehouse.staged_watch import staged_batches
from warehouse.staging import (
    discard_run,
    read_known,
    write_batch,
    write_known,
    write_slice,
)
from warehouse.state import known_states

LOGGER = logging.getLogger("unionwatch")
PARTITION_DEPLOYMENT = "extract-partition/extract-partition"


def partition_of(source: SourceConfig, partitions: int) -> int:
    """A stable partition for the source's host (all sources of a host share one)."""
    host = (urlsplit(source.url).hostname or "").lower()
    return int(hashlib.sha256(host.encode()).hexdigest(), 16) % partitions


@task(name="extract-and-stage", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE,
      task_run_name="extract-{source.id}")
def extract_and_stage(source: SourceConfig, sources_path: str, staging: str, run_id: str) -> str:
    """Extract one source and write its batch to the staging folder."""
    _, crawler = load_config(sources_path)
    known = read_known(staging, run_id, source.id)
    # A backfill stages its documents in slices as they come, as `ingest` hands them to its writer: the
    # loader takes them while the host is still being walked, and this process never holds it all.
    sink = (lambda part: write_slice(staging, run_id, part)) if known.backfill else None
    return str(write_batch(staging, run_id, run_extractor(source, known, crawler, sink)))


@flow(name="extract-partition", task_runner=ThreadPoolTaskRunner(max_workers=MAX_PARALLEL_SOURCES))
def extract_partition(sources_path: str, staging: str, run_id: str, partition: int, partitions: int) -> list[str]:
    """Extract and stage the enabled sources of one partition (runs on any worker that sees `staging`)."""
    sources, _ = load_config(sources_path)
    mine = [s for s in sources if s.enabled and partition_of(s, partitions) == partition]
    futures = [extract_and_stage.submit(source, sources_path, staging, run_id) for source in mine]
    return [future.result() for future in futures]


@task(name="run-partition", cache_policy=NO_CACHE, task_run_name="partition-{partition}")
def run_partition(deployment: str, parameters: dict, partition: int) -> str:
    """Start one partition's deployment run on the work pool and wait for it to end."""
    flow_run = run_deployment(deployment, parameters=parameters | {"partition": partition}, as_subflow=True)
    return flow_run.state.type.value if flow_run.state else "UNKNOWN"


@flow(name="ingest-distributed", task_runner=ThreadPoolTaskRunner(max_workers=16))
def ingest_distributed(sources_path: str, db_path: str, staging: str, partitions: int = 2,
                       deployment: str = PARTITION_DEPLOYMENT, backfill: bool = False) -> RunSummary:
    """One ingestion whose extraction runs on the work pool's workers, loaded here by a single writer."""
    sources = load_settings(sources_path).sources  # the whole file is checked before any request
    enabled = [source for source in sources if source.enabled]
    rules = load_rules()
    with locked_run(db_path, "distributed-backfill" if backfill else "distributed", sources) as run_id:
        register_subscriptions(db_path, sources_path, now=datetime.now(UTC))
        for source_id, known in known_states(db_path, [source.id for source in enabled], backfill=backfill).items():
            write_known(staging, run_id, source_id, known)
        parameters = {"sources_path": str(Path(sources_path).resolve()), "staging": str(Path(staging).resolve()),
                      "run_id": run_id, "partitions": partitions}
        runs = [run_partition.submit(deployment, parameters, n) for n in range(partitions)]
        ends = {source.id: runs[partition_of(source, partitions)].wrapped_future for source in enabled}
        arrivals = Arrivals()
        summary = load_all(enabled, staged_batches(staging, run_id, ends, arrivals.put_slice), rules, db_path, run_id,
                           sighting=True, volume_runs=None if backfill else "distributed", arrivals=arrivals)
        LOGGER.info("partitions ended: %s", [run.result() for run in runs])
        summary.alerts = alerts_task(db_path, sources_path)  # what a backfill discovers is not news
    if summary.ok:
        discard_run(staging, run_id)  # failed runs keep their batches for inspection
    return summary
