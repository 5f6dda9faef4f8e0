"""Benchmark: how long the quality gate takes on a 10,000-row batch (best of 3), clean and with failures.

Run from the repository root: `python -m benchmarks.gx_validate [--rows N]`. The batch is synthetic motions
with ~2 KB bodies, validated by the motion suite and the run suite exactly as a run would (expectations.gate).
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

import pandas as pd

from expectations import gate
from records import MOTION

ROWS = 10_000
REPEATS = 3
FAILING_SHARE = 10  # every 10th row of the "with failures" batch carries sidebar text
PARAGRAPH = ("Conference notes that councils are moving payroll, HR and finance into shared service centres, "
             "and that back office cuts fall hardest on low-paid staff in every region. ")
NOW = datetime(2026, 11, 23, tzinfo=UTC)


def synthetic_batch(rows: int, *, failing: bool) -> pd.DataFrame:
    """`rows` well-formed motions; with `failing`, every FAILING_SHARE-th body has a sidebar in it."""
    years = [2006 + i % 18 for i in range(rows)]
    body = "\n\n".join([PARAGRAPH] * 12)
    return pd.DataFrame({
        "document_id": [f"bench:motion-{i}" for i in range(rows)], "kind": MOTION,
        "url": [f"https://www.unison.org.uk/motions/{y}/local-government/motion-{i}/" for i, y in enumerate(years)],
        "title": [f"Shared Services Motion {i}" for i in range(rows)],
        "body": [body + ("\n\nPopular Posts\n\nBranch AGM" if failing and i % FAILING_SHARE == 0 else "")
                 for i in range(rows)],
        "published_at": pd.to_datetime([datetime(y - 1, 12, 1, tzinfo=UTC) for y in years], utc=True),
        "conference": [f"{y} Local Government Service Group Conference" for y in years],
        "decision": "Carried",
    })


def best_of(frame: pd.DataFrame, repeats: int) -> tuple[float, list[float], gate.GateResult]:
    """Seconds of the fastest of `repeats` gate checks of `frame`, all timings, and the last verdict."""
    stats = gate.BatchStats("bench", MOTION, len(frame), 0, len(frame), [len(frame)] * 5)
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = gate.check_frame(frame, stats, now=NOW)
        timings.append(time.perf_counter() - start)
    return min(timings), timings, result


def main() -> None:
    """Print the one-off GX start-up cost and the gate's time per batch."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    rows = parser.parse_args().rows
    start = time.perf_counter()
    gate.warm_up()
    print(f"GX import, context and suites (once per process): {time.perf_counter() - start:.2f} s")
    for label, failing in (("clean", False), ("with failures", True)):
        frame = synthetic_batch(rows, failing=failing)
        best, timings, result = best_of(frame, REPEATS)
        print(f"gate on {rows:,} rows, {label} ({len(result.reasons):,} quarantined, "
              f"{len(result.outcomes)} expectations): best {best:.3f} s of {REPEATS} "
              f"({', '.join(f'{t:.3f}' for t in timings)})")


if __name__ == "__main__":
    main()
