"""The run suite: batch-level checks of one source's run, against that source's own history.

Volume: with at least MIN_HISTORY earlier successful runs of the same kind (a scheduled run against the
source's earlier scheduled runs, a one-off `run` against earlier `run`s; never a backfill, a reparse or
the source's first run), a run fails when it yields fewer than
LOW_FRACTION of the median of those runs (checked only when that median is at least LOW_MEDIAN, so
quiet sources may yield nothing), or more than HIGH_FACTOR times their maximum (never below HIGH_FLOOR,
so a tiny source may grow). A source that yielded 25 items a run fails at 0-4 and at 251 or more.
Parse failures: a run fails when more than MAX_FAILURE_RATE of its requests failed, once it made at least
MIN_REQUESTS requests and the source has published before: a source that parsed and now mostly fails has
changed its template. Until a source has published, its failures hold back only themselves, so the pages
that did parse are published (a site whose theme is half understood is not all lost).
Empty bodies: a run fails when more than MAX_EMPTY_SHARE of its items have no text at all, once it has
MIN_BODIES items: a few photo or video posts are normal, most of a batch suddenly empty is a template change.
Any of these stops that source's publish for the run, and the reason says the template seems to have changed.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.expectations import Expectation

NAME = "run"

MIN_HISTORY = 3
HISTORY_RUNS = 10  # newest runs the bounds are computed from
LOW_FRACTION = 0.2
LOW_MEDIAN = 5
HIGH_FACTOR = 10
HIGH_FLOOR = 50
MAX_FAILURE_RATE = 0.5
MIN_REQUESTS = 10
MAX_EMPTY_SHARE = 0.5
MIN_BODIES = 5
TEMPLATE_CHANGED = "the site's template seems to have changed"

ITEMS_MIN, ITEMS_MAX = "items_min", "items_max"  # suite parameters, from the source's history


class RunFigures(Protocol):
    """What the run suite needs of expectations.gate.BatchStats."""

    items: int
    failures: int
    requests: int
    history: list[int]
    empty_bodies: int


@dataclass(frozen=True)
class VolumeBounds:
    """How many items this run may yield, and why."""

    low: int
    high: int | None
    basis: str  # e.g. "median 25, max 25 over 6 runs"


def volume_bounds(history: list[int]) -> VolumeBounds:
    """The allowed item count for a run, given earlier runs' counts (newest first)."""
    recent = history[:HISTORY_RUNS]
    if len(recent) < MIN_HISTORY:
        return VolumeBounds(0, None, f"not checked: {len(recent)} earlier runs, {MIN_HISTORY} needed")
    median = statistics.median(recent)
    low = math.ceil(median * LOW_FRACTION) if median >= LOW_MEDIAN else 0
    high = max(HIGH_FACTOR * max(recent), HIGH_FLOOR)
    return VolumeBounds(low, high, f"median {median:g}, max {max(recent)} over {len(recent)} runs")


def failure_rate(stats: RunFigures) -> float | None:
    """Failed requests as a share of requests; None below MIN_REQUESTS, where one failure means little, and
    before the source has published (no template to have changed)."""
    return stats.failures / stats.requests if stats.requests >= MIN_REQUESTS and _published(stats) else None


def _published(stats: RunFigures) -> bool:
    """True when the source published in an earlier run (its volume history holds runs of one kind only)."""
    published = getattr(stats, "published", None)
    return bool(stats.history) if published is None else published


def empty_share(stats: RunFigures) -> float | None:
    """Items without any body text as a share of items; None below MIN_BODIES items."""
    return stats.empty_bodies / stats.items if stats.items >= MIN_BODIES else None


def expectations() -> list[Expectation]:
    """Volume within the history's bounds; parse-failure rate under the limit."""
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="items", min_value={"$PARAMETER": ITEMS_MIN}, max_value={"$PARAMETER": ITEMS_MAX},
            description="items within the source's usual volume"),
        gxe.ExpectColumnValuesToBeBetween(
            column="parse_failure_rate", min_value=0, max_value=MAX_FAILURE_RATE,
            description=f"at most {MAX_FAILURE_RATE:.0%} of requests failed (from {MIN_REQUESTS} requests, "
                        "once the source has published)"),
        gxe.ExpectColumnValuesToBeBetween(
            column="empty_body_share", min_value=0, max_value=MAX_EMPTY_SHARE,
            description=f"at most {MAX_EMPTY_SHARE:.0%} of items have an empty body (from {MIN_BODIES} items)"),
    ]


def frame(stats: RunFigures) -> pd.DataFrame:
    """The run as the one-row table this suite validates."""
    import pandas as pd

    return pd.DataFrame({"items": [stats.items],
                         "parse_failure_rate": pd.array([failure_rate(stats)], dtype="Float64"),
                         "empty_body_share": pd.array([empty_share(stats)], dtype="Float64")})


def parameters(stats: RunFigures) -> dict[str, Any]:
    """Suite parameter values for this run."""
    bounds = volume_bounds(stats.history)
    return {ITEMS_MIN: bounds.low, ITEMS_MAX: bounds.high}


def observed(column: str, stats: RunFigures) -> str:
    """What a person should read for a batch expectation on `column`."""
    if column == "items":
        bounds = volume_bounds(stats.history)
        if bounds.high is None:
            return f"{stats.items} items; {bounds.basis}"
        return f"{stats.items} items; allowed {bounds.low}–{bounds.high} ({bounds.basis})"
    if column == "empty_body_share":
        share = empty_share(stats)
        if share is None:
            return f"{stats.empty_bodies} of {stats.items} bodies empty (not checked below {MIN_BODIES} items)"
        text = f"{stats.empty_bodies} of {stats.items} bodies empty ({share:.0%}); allowed ≤ {MAX_EMPTY_SHARE:.0%}"
        return text + (f": {TEMPLATE_CHANGED}" if share > MAX_EMPTY_SHARE else "")
    rate = failure_rate(stats)
    if rate is None:
        why = f"below {MIN_REQUESTS} requests" if _published(stats) else "the source has not published yet"
        return f"{stats.failures} of {stats.requests} requests failed (not checked: {why})"
    text = f"{stats.failures} of {stats.requests} requests failed ({rate:.0%}); allowed ≤ {MAX_FAILURE_RATE:.0%}"
    return text + (f": {TEMPLATE_CHANGED}" if rate > MAX_FAILURE_RATE else "")
