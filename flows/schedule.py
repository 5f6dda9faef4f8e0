"""Scheduled operation: which deployments run when, and the flow each of them runs.

Blogs and feeds run every 30 minutes, the motions database daily, every source is revalidated weekly,
and per-source `schedule` keys override the defaults. Each deployment's minute is offset by a hash of
its name, so a restart of `serve` does not fire every source at once.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field

from prefect import flow

from extractors.config import load_config
from flows.ingest import RunSummary, ingest

LOCK_WAIT_SECONDS = 1800.0  # a scheduled run queues behind a running one instead of failing
CRONS = {
    "frequent": "{m} ,{m30} * * * *",
    "hourly": "{m} * * * *",
    "daily": "{m} 5 * * *",
    "weekly": "{m} 4 * * 0",
}


@dataclass(frozen=True)
class Planned:
    """One deployment `serve` will run."""

    name: str
    cron: str
    parameters: dict = field(default_factory=dict)


def spread(name: str, template: str) -> str:
    """A cron line from a template, its minute offset by a stable hash of the deployment name."""
    minute = int(hashlib.sha256(name.encode()).hexdigest(), 16) % 30
    return template.format(m=minute, m30=minute + 30).replace(" ,", ",")


def plan(sources_path: str, db_path: str) -> list[Planned]:
    """Deployments for the sources file: one per schedule group, one weekly revalidation."""
    sources, _ = load_config(sources_path)
    enabled = [source for source in sources if source.enabled]
    groups: dict[str, list[str]] = {}
    for source in enabled:
        groups.setdefault(source.schedule, []).append(source.id)
    planned = []
    for schedule, ids in sorted(groups.items()):
        name = f"ingest-{schedule}" if schedule in CRONS else f"ingest-{ids[0]}"
        cron = spread(name, CRONS[schedule]) if schedule in CRONS else schedule
        planned.append(Planned(name, cron, {"sources_path": sources_path, "db_path": db_path, "source_ids": ids}))
    if enabled:
        planned.append(Planned("revalidate-weekly", spread("revalidate-weekly", CRONS["weekly"]),
                               {"sources_path": sources_path, "db_path": db_path, "revalidate_all": True}))
    return planned


@flow(name="scheduled-ingest")
def scheduled_ingest(sources_path: str, db_path: str, source_ids: list[str] | None = None,
                     revalidate_all: bool = False) -> RunSummary:
    """One scheduled ingestion of some sources (all enabled ones without `source_ids`)."""
    sources, crawler = load_config(sources_path)
    chosen = [s for s in sources if s.enabled and (source_ids is None or s.id in source_ids)]
    if revalidate_all:
        crawler = dataclasses.replace(crawler, revalidate_days=0)
    summary = ingest(chosen, db_path, command="schedule", crawler=crawler, lock_wait=LOCK_WAIT_SECONDS,
                     alerts_config=sources_path)
    if summary.fatal:  # a scheduled run refused by the warehouse must show as failed in the Prefect UI
        raise RuntimeError(summary.fatal)
    return summary
