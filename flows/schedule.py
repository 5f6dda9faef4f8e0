"""Scheduled operation: which deployments run when, and the flow each of them runs.

Blogs and feeds are ingested every 30 minutes, the motions database daily; per-source `schedule` keys
override the defaults. Each ingest deployment's minute is offset by a hash of its name, so a restart of
`serve` does not fire every source at once. Every run also rechecks its share of the known pages its walk
did not reach, so all of them are rechecked within `revalidate_days` (extractors/crawl/cadence.py).

Digest subscriptions get a `digest` deployment per time zone, at minute 0 of each digest hour there: the
alerts pass it runs sends every digest that is due, whether or not an ingest runs at that hour.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner

from alerts import AlertReport, run_alerts
from alerts.config import load_alert_config
from config.sources import load_config
from extractors.crawl.cadence import cron_line, recheck
from flows.head_start import MAX_PARALLEL_SOURCES
from flows.ingest import RunSummary, ingest
from warehouse.db import WarehouseError
from warehouse.lock import run_lock
from warehouse.state import known_counts

LOGGER = logging.getLogger("unionwatch")
LOCK_WAIT_SECONDS = 1800.0  # a scheduled run queues behind a running one instead of failing
INGEST_FLOW, DIGEST_FLOW = "scheduled-ingest", "scheduled-digest"
RECHECKING_KINDS = ("unison_motions", "blogger")  # kinds whose unreached known pages are rechecked by quota


@dataclass(frozen=True)
class Planned:
    """One deployment `serve` will run: its flow, its cron line (in `timezone`, UTC when None)."""

    name: str
    cron: str
    parameters: dict = field(default_factory=dict)
    flow: str = INGEST_FLOW
    timezone: str | None = None
    notes: tuple[str, ...] = ()  # what --plan prints under it


def spread(name: str, schedule: str) -> str:
    """A named schedule's cron line, its minute offset by a stable hash of the deployment name (0-29)."""
    minute = int(hashlib.sha256(name.encode()).hexdigest(), 16) % 30
    return cron_line(schedule, minute)


def plan(sources_path: str, db_path: str) -> list[Planned]:
    """Deployments for the sources file: one per schedule group, one per time zone of digest subscriptions.

    The notes give each source's revalidation pace, from the known pages of the warehouse's snapshot.
    """
    sources, crawler = load_config(sources_path)
    alerts = load_alert_config(sources_path)
    counts = known_counts(db_path)
    groups: dict[str, list] = {}
    for source in sources:
        if source.enabled:
            groups.setdefault(source.schedule, []).append(source)
    paths = {"sources_path": sources_path, "db_path": db_path}
    planned = []
    for schedule, members in sorted(groups.items()):
        name = f"ingest-{schedule}" if cron_line(schedule) != schedule else f"ingest-{members[0].id}"
        notes = tuple(f"{source.id}: " + recheck(source.schedule, crawler.revalidate_days, source.delay,
                                                 counts.get(source.id, 0)).describe()
                      for source in members if source.kind in RECHECKING_KINDS)
        planned.append(Planned(name, spread(name, schedule), paths | {"source_ids": [s.id for s in members]},
                               notes=notes))
    hours: dict[str, set[int]] = {}
    for subscription in alerts.subscriptions:
        if subscription.mode == "digest":
            hours.setdefault(subscription.timezone, set()).add(subscription.hour)
    for zone, zone_hours in sorted(hours.items()):
        name = "digest" if len(hours) == 1 else f"digest-{re.sub(r'[^a-z0-9]+', '-', zone.lower())}"
        planned.append(Planned(name, f"0 {','.join(map(str, sorted(zone_hours)))} * * *", paths,
                               flow=DIGEST_FLOW, timezone=zone))
    return planned


@flow(name=INGEST_FLOW, task_runner=ThreadPoolTaskRunner(max_workers=MAX_PARALLEL_SOURCES))
def scheduled_ingest(sources_path: str, db_path: str, source_ids: list[str] | None = None) -> RunSummary:
    """One scheduled ingestion of some sources (all enabled ones without `source_ids`).

    The ingest flow's body runs in this flow run, its tasks under it: a nested flow run would cost every
    scheduled run another flow run's creation, state changes and heartbeat thread.
    """
    sources, crawler = load_config(sources_path)
    chosen = [s for s in sources if s.enabled and (source_ids is None or s.id in source_ids)]
    summary = ingest.fn(chosen, db_path, command="schedule", crawler=crawler, lock_wait=LOCK_WAIT_SECONDS,
                     alerts_config=sources_path)
    if summary.fatal:  # a scheduled run refused by the warehouse must show as failed in the Prefect UI
        raise RuntimeError(summary.fatal)
    return summary


@flow(name=DIGEST_FLOW)
def scheduled_digest(sources_path: str, db_path: str) -> AlertReport | None:
    """The alerts pass at a digest hour: due digests go out, as `unionwatch alerts send` would send them.

    It waits behind a running ingest for the run lock. Being the whole pass, it also sends immediate items
    still waiting after a failed delivery and maintainer notices; each item still goes out at most once.
    """
    if not Path(db_path).exists():
        LOGGER.warning("%s: no warehouse yet, so no digest: the first ingest creates it", db_path)
        return None
    try:
        with run_lock(db_path, wait=LOCK_WAIT_SECONDS):
            report = run_alerts(db_path, sources_path, now=datetime.now(UTC))
    except WarehouseError as exc:  # shown as a failed run in the Prefect UI, in one line
        raise RuntimeError(str(exc)) from None
    digests = [delivery for delivery in report.sent if delivery.kind == "digest"]
    LOGGER.info("digest pass: %d digest(s) and %d other message(s) sent", len(digests),
                len(report.sent) - len(digests))
    for problem in report.problems:
        LOGGER.error("digest pass: %s", problem)
    return report
