"""Re-validates quarantined rows with the current suites and bounds, so rows held for a since-fixed reason
can be published without refetching.

Each held batch is checked again as its gate saw it (same items, failures, requests and history), so a
row passes when the suite or a bound has changed, or when a maintainer accepts a source's batch
(`accept_batch`, e.g. after confirming a volume jump was a real archive import). Nothing here writes:
a publisher loads RecheckReport.rows and calls warehouse.quality.apply_recheck in its transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from expectations.gate import BatchStats, check_frame
from warehouse.db import connect
from warehouse.quality import STAGE_COLUMNS, pending_quarantine
from warehouse.state import published_before


@dataclass
class RecheckReport:
    """What a recheck found: rows that pass now, rows that still fail and why, rows a later run replaced."""

    rows: pd.DataFrame  # run_id plus the stage columns, one row per document, ready to publish
    failing: dict[str, list[str]] = field(default_factory=dict)  # document_id -> reasons under the current suites
    superseded: list[tuple[str, str]] = field(default_factory=list)  # (run_id, document_id)
    unblocked: list[tuple[str, str]] = field(default_factory=list)  # (run_id, source_id) batches that pass now
    checked: int = 0  # held rows looked at, superseded ones included

    @property
    def releases(self) -> list[tuple[str, str]]:
        """(run_id, document_id) of every row that may be published."""
        return list(zip(self.rows["run_id"], self.rows["document_id"], strict=True))


def recheck(db_path: Path | str, *, now: datetime, accept_batch: Collection[str] = ()) -> RecheckReport:
    """Re-validate held rows with the current suites; `accept_batch`: sources whose batch checks are waived."""
    pending = pending_quarantine(db_path)
    columns = ["run_id", *STAGE_COLUMNS]
    stale = pending[pending["superseded"]]
    report = RecheckReport(pending.loc[[], columns], checked=len(pending),
                           superseded=list(zip(stale["run_id"], stale["document_id"], strict=True)))
    passing = []
    for (run_id, source_id), group in pending[~pending["superseded"]].groupby(["run_id", "source_id"], sort=True):
        first = group.iloc[0]
        with connect(db_path, read_only=True) as con:  # the history holds runs of one kind only
            published = published_before(con, source_id, run_id)
        stats = BatchStats(source_id, first["gate_kind"], int(first["items"]), int(first["failures"]),
                           int(first["requests"]), [int(items) for items in first["history"]], published=published)
        gate = check_frame(group, stats, now=now, accept_batch=source_id in accept_batch)
        ok = group["document_id"].map(gate.passed).astype(bool)
        passing.append(group.loc[ok, columns])
        report.failing.update({doc: gate.quarantine_reasons(doc) for doc in group.loc[~ok, "document_id"]})
        if gate.batch_ok and not first["batch_ok"]:
            report.unblocked.append((run_id, source_id))
    if passing:
        report.rows = pd.concat(passing, ignore_index=True)
    return report
