"""How often a source is crawled, and how many known pages each of its runs rechecks.

A source's `schedule` is a cron line (the named ones are templates whose minute `serve` spreads). Known
pages that a run's walk does not reach are rechecked by conditional GET, those checked longest ago
first: each run takes ceil(known / runs) of them, where `runs` is how many runs the schedule makes in
`revalidate_days`, so every known page is rechecked within that period. A page checked less than one
run interval ago is left alone, and a run never spends more than POLITE_SHARE of its interval waiting
out the host's delay on rechecks: when that cap binds, the plan says how long a full round takes.

Settings read: each source's `schedule` and `delay`, [crawler] revalidate_days; CRONS and POLITE_SHARE here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cronsim import CronSim

CRONS = {
    "frequent": "{m},{m30} * * * *",
    "hourly": "{m} * * * *",
    "daily": "{m} 5 * * *",
}
POLITE_SHARE = 0.5  # of the interval between two runs, at most, spent on rechecks
COUNT_FROM = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday: runs are counted over whole weeks from here


@dataclass(frozen=True)
class Recheck:
    """A source's revalidation arithmetic: pages per run, and the period it takes to recheck them all."""

    known: int
    runs: int  # runs the schedule makes in `days`
    days: float
    per_run: int  # pages rechecked per run
    interval: timedelta  # mean time between two runs
    capped: bool  # the host's delay, not the period, limits per_run

    @property
    def round_days(self) -> float:
        """Days a full round over the known pages takes at this pace."""
        if not self.known or not self.per_run:
            return 0.0
        return math.ceil(self.known / self.per_run) * self.interval.total_seconds() / 86400

    def describe(self) -> str:
        """One line for `serve --plan` and the logs."""
        if self.runs == 0:
            return f"rechecks all {self.known} known pages every run (revalidate_days = 0)"
        if not self.known:
            return f"no known pages yet; each run will recheck ceil(known / {self.runs} runs in {self.days:g} days)"
        line = (f"rechecks {self.per_run} of {self.known} known pages a run "
                f"(ceil({self.known} / {self.runs} runs in {self.days:g} days))")
        if self.capped:
            line += f"; capped by the host's delay, a full round takes {self.round_days:.1f} days"
        return line


def cron_line(schedule: str, minute: int = 0) -> str:
    """The cron line of a schedule name or cron expression, with the minute of a named one."""
    template = CRONS.get(schedule)
    return template.format(m=minute, m30=minute + 30) if template else schedule


def runs_within(schedule: str, days: float) -> int:
    """How many runs the schedule makes in `days` (counted from COUNT_FROM, in UTC)."""
    end = COUNT_FROM + timedelta(days=days)
    count = 0
    for moment in CronSim(cron_line(schedule), COUNT_FROM - timedelta(seconds=1)):
        if moment >= end:
            return count
        count += 1
    return count


def recheck(schedule: str, days: float, delay: float, known: int) -> Recheck:
    """Pages each run of a source with this schedule and host delay rechecks, out of `known`."""
    runs = runs_within(schedule, days) if days > 0 else 0
    if runs == 0:
        return Recheck(known, 0, days, known, timedelta(0), capped=False)
    interval = timedelta(days=days) / runs
    wanted = math.ceil(known / runs)
    cap = math.floor(interval.total_seconds() * POLITE_SHARE / delay) if delay > 0 else wanted
    return Recheck(known, runs, days, min(wanted, cap), interval, capped=cap < wanted)
