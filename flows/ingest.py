"""The `ingest` and `reparse` flows: extract sources in parallel, then refine, check and load one batch at a time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.states import State
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from alerts import AlertReport, register_subscriptions, run_alerts
from expectations import gate
from expectations.gate import BatchStats
from extractors.registry import run_extractor
from flows.arrivals import Arrivals, Pending, WriterStopped
from flows.head_start import MAX_PARALLEL_SOURCES, HeadStart
from flows.locked_run import locked_run
from flows.parse_pool import RefinedExtraction, parse_pool, rebuild
from flows.settings import load_settings
from records import CrawlerSettings, Extraction, Known, SourceConfig, UnsupportedFormat
from records.sources import RECORD_KINDS
from transforms.classify import Rules, load_rules, rules_fingerprint
from transforms.pipeline import deduped, refine
from transforms.related import examples_fingerprint, load_examples
from warehouse.archive import archived_responses
from warehouse.db import WarehouseError, kept_open
from warehouse.load import SourceLoad, finish_run, load_source, record_source_failure
from warehouse.state import known_states, published_sources, scored_contents, volume_histories
from warehouse.stories import StoryRefresh, refresh_stories

LOGGER = logging.getLogger("unionwatch")


@dataclass
class SourceOutcome:
    """How one source fared in a run."""

    source_id: str
    ok: bool
    load: SourceLoad | None = None
    requests: int = 0
    failures: int = 0
    discovered_via: str = ""
    error: str | None = None


@dataclass
class RunSummary:
    """The result of one run, for the CLI and for callers."""

    run_id: str
    outcomes: list[SourceOutcome] = field(default_factory=list)
    alerts: AlertReport | None = None
    fatal: str | None = None  # the warehouse could not be locked or written: nothing of the run was stored

    @property
    def ok(self) -> bool:
        """True when every source succeeded."""
        return self.fatal is None and all(outcome.ok for outcome in self.outcomes)


def _worth_retrying(task: object, task_run: object, state: State) -> bool:
    """A source is fetched again after a failure, unless the run itself stopped loading."""
    return not isinstance(state.result(raise_on_failure=False), WriterStopped)


@task(name="extract", retries=2, retry_delay_seconds=5, retry_condition_fn=_worth_retrying, cache_policy=NO_CACHE,
      task_run_name="extract-{source.id}")
def extract_task(source: SourceConfig, known: Known, crawler: CrawlerSettings,
                 sink: Callable[[Extraction], None] | None = None, head_start: HeadStart | None = None) -> Extraction:
    """Discover, fetch and parse one source; with a `sink`, hand its documents on in slices as they come.

    With a `head_start`, its first attempt receives the extraction the head start began for the source.
    """
    begun = head_start.claim(source.id) if head_start else None
    return begun() if begun else run_extractor(source, known, crawler, sink)


@task(name="rebuild", cache_policy=NO_CACHE, task_run_name="rebuild-{source.id}")
def rebuild_task(source: SourceConfig, db_path: str, pool: ProcessPoolExecutor, rules: Rules,
                 examples_fingerprint: str) -> Extraction:
    """Parse and refine one source's archived responses again, without network, in the pool's processes.

    A document whose content is unchanged keeps the relatedness stored for it under the same examples.
    """
    return rebuild(pool, source, archived_responses(db_path, source.id), rules=rules,
                   scored=scored_contents(db_path, source.id, examples_fingerprint))


# Batches reach this task wrapped in prefect's quote(): the engine would otherwise walk every document of
# every argument, twice per task, looking for futures (measured in benchmarks/RESULTS.md).
@task(name="load", cache_policy=NO_CACHE, task_run_name="load-{source_id}")
def load_task(source_id: str, db_path: str, run_id: str, extraction: Extraction, rules: Rules, fingerprint: str,
              stats: BatchStats, sighting: bool) -> SourceLoad | WarehouseError:
    """Normalise, dedupe and classify one source's batch (unless the parse workers did), check it at the
    quality gate, then publish what passed and quarantine the rest, in one transaction.

    One task for the three steps, as they always run together and in order: each task run costs the Prefect
    server CPU (its creation and state changes), and separate ones had no retry or cache to gain from.
    """
    refined = (deduped(extraction.refined) if isinstance(extraction, RefinedExtraction)  # rebuilt and refined
               else refine(extraction.documents, rules))
    verdict = gate.check(refined, replace(stats, items=len(refined)), now=datetime.now(UTC))  # less duplicates
    try:
        return load_source(db_path, run_id, extraction, refined, fingerprint, gate=verdict, sighting=sighting)
    except WarehouseError as exc:
        return exc  # the flow reports it in one line; as a task failure Prefect would print a traceback


@task(name="alerts", cache_policy=NO_CACHE)
def alerts_task(db_path: str, config_path: str, backfill_run: str | None = None) -> AlertReport:
    """Queue and deliver alerts for what is news, and maintainer notices, after the loads.

    With `backfill_run`, the flagged items that backfill discovered are sent too (--notify-backfill).
    """
    return run_alerts(db_path, config_path, now=datetime.now(UTC), notify_backfill=backfill_run is not None,
                      backfill_run=backfill_run)


@task(name="stories", cache_policy=NO_CACHE)
def stories_task(db_path: str) -> StoryRefresh:
    """Sign new and changed documents and recompute the story clusters, before any alert is queued."""
    return refresh_stories(db_path)


@task(name="gx-warm-up", cache_policy=NO_CACHE)
def warm_up_task() -> None:
    """Import Great Expectations and build the suites while sources are being fetched."""
    gate.warm_up()


@flow(name="ingest", task_runner=ThreadPoolTaskRunner(max_workers=MAX_PARALLEL_SOURCES))
def ingest(sources: list[SourceConfig], db_path: str, command: str = "run", crawler: CrawlerSettings | None = None,
           backfill: bool = False, since_year: int | None = None, rules_path: str | None = None,
           extract_retry_delay: float | None = None, lock_wait: float = 0.0, alerts_config: str | None = None,
           notify_backfill: bool = False, head_start: HeadStart | None = None) -> RunSummary:
    """One ingestion of the enabled `sources` into the warehouse at `db_path`; `backfill` walks all history.

    `lock_wait` is how long to wait for another run to finish; 0 fails at once (interactive use).
    `alerts_config` is the sources file holding [[subscriptions]]: it is checked whole before any request,
    its subscriptions are recorded before anything loads, and alerts go out after the loads. What a backfill
    discovers is alerted only with `notify_backfill`. A `head_start` (flows/head_start.py) already holds the
    run lock and fetches the same sources; the flow takes its extractions instead of starting its own.
    """
    if head_start and (backfill or head_start.source_ids != [s.id for s in sources if s.enabled]):
        raise ValueError("a head start fetches exactly the run's enabled sources, and never for a backfill")
    if alerts_config:
        load_settings(alerts_config)  # a mistake anywhere in the file stops the run before its first request
    enabled = [source for source in sources if source.enabled]
    rules = load_rules(Path(rules_path) if rules_path else None)
    crawler = crawler or CrawlerSettings()
    extract = extract_task if extract_retry_delay is None else extract_task.with_options(
        retry_delay_seconds=extract_retry_delay)
    try:
        with locked_run(db_path, command, sources, wait=lock_wait, held=head_start is not None) as run_id:
            if alerts_config:
                register_subscriptions(db_path, alerts_config, now=datetime.now(UTC))
            if backfill:  # sure to validate: import GX while pages are fetched (a quiet run may never need it)
                warm_up_task.submit()
            with kept_open(db_path):
                known = ({source.id: head_start.known(source.id) for source in enabled} if head_start else
                         known_states(db_path, [source.id for source in enabled], backfill=backfill,
                                      since_year=since_year))
                # A backfill loads sources in slices while they are extracted; a scheduled run's batch stays
                # whole, as its volume check judges it.
                arrivals = Arrivals()
                sink = quote(arrivals.put_slice) if backfill else None
                # quote(): a source's known state (thousands of keys and validators) is not walked by Prefect
                # at submit.
                futures = {source.id: extract.submit(source, quote(known.pop(source.id)), crawler, sink,
                                                     quote(head_start))
                           for source in enabled}
                summary = load_all(enabled, futures, rules, db_path, run_id, sighting=True,
                                   volume_runs=None if backfill else command, arrivals=arrivals)
            if alerts_config:
                summary.alerts = alerts_task(db_path, alerts_config, run_id if backfill and notify_backfill else None)
        return summary
    except WarehouseError as exc:  # returned, not raised: Prefect would print a traceback before our one line
        return RunSummary(run_id="", fatal=str(exc))


@flow(name="reparse", task_runner=ThreadPoolTaskRunner(max_workers=3))  # 2 sources feed the pool, + GX warm-up
def reparse(sources: list[SourceConfig], db_path: str, rules_path: str | None = None) -> RunSummary:
    """Rebuild documents and flags of `sources` from the raw archive; unchanged parsers change nothing."""
    rules = load_rules(Path(rules_path) if rules_path else None)
    try:
        with locked_run(db_path, "reparse", sources) as run_id:
            if sources:
                warm_up_task.submit()  # every rebuilt batch is validated: import GX while the workers parse
            with kept_open(db_path), parse_pool() as pool:
                examples = examples_fingerprint(load_examples())
                futures = {source.id: rebuild_task.submit(source, db_path, quote(pool), quote(rules), examples)
                           for source in sources}
                summary = load_all(sources, futures, rules, db_path, run_id, sighting=False, volume_runs=None)
        return summary
    except WarehouseError as exc:
        return RunSummary(run_id="", fatal=str(exc))


def load_all(sources: list[SourceConfig], extractions: dict[str, Pending],
             rules: Rules, db_path: str, run_id: str, *, sighting: bool, volume_runs: str | None,
             arrivals: Arrivals | None = None) -> RunSummary:
    """Refine, check and load each source as its extraction arrives; the warehouse has a single writer.

    `extractions` maps source ids to futures of extract tasks, or of staged batches, each loaded as it
    finishes (so a finished batch does not wait behind a slower source).
    Slices that extract tasks hand to `arrivals` are loaded as they come, each in its own transaction.
    The volume check compares each source's batch with its earlier successful runs of the command
    `volume_runs` (this run's own); backfills and reparses pass None and skip it, as their size says nothing
    about a source's health.
    """
    summary = RunSummary(run_id)
    fingerprint = rules_fingerprint(rules)
    ids = [source.id for source in sources]
    histories = volume_histories(db_path, ids, volume_runs) if volume_runs else {}
    published = published_sources(db_path, ids) if volume_runs else set()
    arrivals = arrivals or Arrivals()
    outcomes: dict[str, SourceOutcome] = {}
    try:
        for source, receive, final in arrivals.each(sources, extractions):
            earlier = outcomes.get(source.id)
            outcomes[source.id] = _finish_source(source, receive, rules, fingerprint, db_path, run_id, sighting,
                                                 histories.get(source.id, []), source.id in published,
                                                 final=final, earlier=earlier.load if earlier else None)
            del receive  # an arrival's extraction is freed before waiting for the next
    finally:
        arrivals.stop()
    stories = stories_task(db_path)
    LOGGER.info("stories: %d documents signed; %d documents in %d stories", stories.signed, stories.documents,
                stories.stories)
    order = {source.id: index for index, source in enumerate(sources)}
    summary.outcomes = sorted(outcomes.values(), key=lambda outcome: order[outcome.source_id])
    finish_run(db_path, run_id, "succeeded" if summary.ok else "failed")
    return summary


def _finish_source(source: SourceConfig, receive: Callable[[], Extraction], rules: Rules, fingerprint: str,
                   db_path: str, run_id: str, sighting: bool, history: list[int], published: bool, *,
                   final: bool, earlier: SourceLoad | None) -> SourceOutcome:
    """Receive one source's extraction (or a slice of it), then refine, check and load it.

    A failure stays with that source. `earlier` sums the slices of it already loaded in this run.
    """
    try:
        extraction = receive()
        if extraction.fatal:
            raise UnsupportedFormat(extraction.fatal)
    except Exception as exc:  # one broken source must not stop the others
        error = str(exc) if isinstance(exc, UnsupportedFormat) else f"{type(exc).__name__}: {exc}"
        LOGGER.error("%s: failed: %s", source.id, error)
        record_source_failure(db_path, run_id, source.id, error)
        return SourceOutcome(source.id, ok=False, load=earlier, error=error)
    stats = BatchStats(source.id, RECORD_KINDS[source.kind], len(extraction.documents), len(extraction.failures),
                       extraction.requests, history, published=published)
    # Nothing new: record the run and what was rechecked, skip the tasks. The end of a sliced source is still
    # checked, as its request and failure counts come with it.
    if earlier is None and gate.nothing_to_check(stats):
        loaded = load_source(db_path, run_id, extraction, [], fingerprint, sighting=sighting)
    else:
        loaded = load_task(source.id, db_path, run_id, quote(extraction), rules, fingerprint, stats, sighting)
        if isinstance(loaded, WarehouseError):
            raise loaded
    if loaded.blocked and final and earlier is None:
        LOGGER.error("%s: nothing published: %s", source.id, loaded.blocked)
    elif loaded.blocked:
        LOGGER.error("%s: a slice of %d documents not published: %s", source.id, len(extraction.documents),
                     loaded.blocked)
    total = loaded if earlier is None else earlier.plus(loaded)
    outcome = SourceOutcome(source.id, ok=total.blocked is None, load=total, requests=extraction.requests,
                            failures=len(extraction.failures), discovered_via=extraction.discovered_via,
                            error=total.blocked)
    if not final:
        LOGGER.info("%s: %d documents loaded so far", source.id, total.documents_seen)
        return outcome
    LOGGER.info("%s: %d new, %d changed, %d unchanged, %d removed, %d new flags, %d quarantined; %d requests "
                "(%d not modified) via %s; %d failures", source.id, total.documents_new, total.documents_changed,
                total.documents_unchanged, total.documents_removed, total.flags_new, total.quarantined,
                extraction.requests, extraction.not_modified, extraction.discovered_via, len(extraction.failures))
    return outcome
