"""Maintainer alerts from source run history: a source failing run after run, gone silent, or failing to parse.

Each condition is reported once when it starts and once when it clears (warehouse table maintainer_conditions
remembers which are open), never again on every run in between. A run that cannot tell (the source failed,
so its output says nothing about parsing) leaves the state as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import duckdb

from alerts.config import Maintainer
from warehouse.outbox import (
    SourceRunRow,
    clear_condition,
    ever_yielded,
    open_condition,
    open_conditions,
    source_history,
)

SOURCE_FAILING = "source_failing"
SOURCE_SILENT = "source_silent"
PARSE_FAILURES = "parse_failures"
QUALITY_GATE = "quality_gate"


@dataclass(frozen=True)
class Finding:
    """What the latest runs say about one condition of one source."""

    condition: str
    subject: str
    active: bool  # False: the latest run shows the source healthy in this respect
    detail: str


def assess(history: Iterable[SourceRunRow], yielded_before: set[str], settings: Maintainer) -> list[Finding]:
    """Findings for every source from its latest runs (newest first); no finding where a run cannot tell."""
    runs_by_source: dict[str, list[SourceRunRow]] = {}
    for run in history:
        runs_by_source.setdefault(run.source_id, []).append(run)
    findings = []
    for source_id, runs in sorted(runs_by_source.items()):
        latest = runs[0]
        failed_in_a_row = next((i for i, run in enumerate(runs) if run.status != "failed"), len(runs))
        if failed_in_a_row >= settings.failing_runs:
            findings.append(Finding(SOURCE_FAILING, source_id, True, f"failed {failed_in_a_row} runs in a row; "
                                    f"latest error: {latest.error or 'none recorded'}"))
        elif latest.status != "failed":
            findings.append(Finding(SOURCE_FAILING, source_id, False, "the latest run succeeded"))
        if latest.status == "blocked":
            findings.append(Finding(QUALITY_GATE, source_id, True, latest.error or "batch checks failed"))
        elif latest.status == "succeeded":
            findings.append(Finding(QUALITY_GATE, source_id, False, "the latest batch passed its checks"))
        if latest.status != "succeeded":
            continue  # failed, or stopped by a quality gate: says nothing about what the site offers
        # Unchanged items and 304 answers are a quiet site, not a silent one.
        yielded = latest.documents_seen + latest.documents_unchanged
        if yielded == 0 and latest.not_modified == 0 and source_id in yielded_before:
            findings.append(Finding(SOURCE_SILENT, source_id, True, "yielded documents in earlier runs but none in "
                                    f"the run of {latest.started_at:%Y-%m-%d %H:%M} UTC"))
        elif yielded > 0 or latest.not_modified > 0:
            findings.append(Finding(SOURCE_SILENT, source_id, False, f"the latest run yielded {yielded} documents"))
        pages = latest.documents_seen + latest.failures
        if pages >= settings.min_items:
            rate = latest.failures / pages
            too_many = rate > settings.failure_rate
            detail = (f"{latest.failures} of {pages} pages could not be fetched or parsed in the latest run "
                      f"({rate:.0%}; alert above {settings.failure_rate:.0%})")
            findings.append(Finding(PARSE_FAILURES, source_id, too_many,
                                    detail + (": has the page layout changed?" if too_many else "")))
    return findings


def update_conditions(con: duckdb.DuckDBPyConnection, settings: Maintainer, now: datetime) -> None:
    """Open conditions that started and clear those that ended, each with a notice for maintainers."""
    findings = assess(source_history(con, settings.failing_runs), ever_yielded(con), settings)
    already_open = open_conditions(con)
    for finding in findings:
        key = (finding.condition, finding.subject)
        if finding.active and key not in already_open:
            open_condition(con, finding.condition, finding.subject, finding.detail, now)
        elif not finding.active and key in already_open:
            clear_condition(con, finding.condition, finding.subject, finding.detail, now)
