"""warehouse.recheck: held rows are re-validated with the current suites and bounds; those that pass come back ready
to publish, the rest keep saying why, and rows a later run replaced are not published twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from quality_support import NOW, add_source_run, migrated, motion, post, record, refined, stats

from expectations import context, gate, run_suite
from expectations import motion as motion_suite
from records import BLOG_POST, MOTION
from warehouse import quality
from warehouse.db import connect
from warehouse.load import stage_frame as stage
from warehouse.recheck import recheck


@pytest.fixture
def fresh_suites() -> Iterator[None]:
    """Rebuild the suites from the (patched) modules, and again afterwards for the next test."""
    context.reset()
    yield
    context.reset()


def test_rows_pass_after_the_suite_learns_a_new_decision(db_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         fresh_suites: None) -> None:
    migrated(db_path)
    batch = refined([motion(0), motion(1, decision="Noted"), motion(2, decision="Noted", title="")])
    record(db_path, "run-1", gate.check(batch, stats(batch, MOTION, history=[3, 3, 3]), now=NOW), stage(batch))

    before = recheck(db_path, now=NOW)
    assert before.rows.empty and before.checked == 2
    assert before.failing["motions:motion-1"] == [
        "decision: 'Noted' is not one of Carried, Carried as Amended, Referred, Remitted, Withdrawn, Lost, Fell, "
        "Not Reached"]

    monkeypatch.setattr(motion_suite, "DECISIONS", (*motion_suite.DECISIONS, "Noted"))
    context.reset()
    after = recheck(db_path, now=NOW)
    assert after.releases == [("run-1", "motions:motion-1")]
    assert after.failing == {"motions:motion-2": ["title: empty"]}
    row = after.rows.iloc[0]
    assert (row["title"], row["decision"], row["content_hash"]) == (
        "Shared Services Motion 1", "Noted", batch[1].content_hash)
    assert list(after.rows.columns) == ["run_id", *quality.STAGE_COLUMNS]


def test_a_blocked_batch_is_released_when_the_bounds_change_or_a_maintainer_accepts_it(
        db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    migrated(db_path)
    batch = refined([post(i) for i in range(5)])
    result = gate.check(batch, stats(batch, BLOG_POST, items=300, history=[25, 25, 25]), now=NOW)
    record(db_path, "run-1", result, stage(batch))

    held = recheck(db_path, now=NOW)
    assert held.rows.empty and held.unblocked == []
    assert held.failing["branchblog:post-0"] == ["volume: 300 items; allowed 5–250 (median 25, max 25 over 3 runs)"]

    accepted = recheck(db_path, now=NOW, accept_batch={"branchblog"})
    assert len(accepted.rows) == 5 and accepted.unblocked == [("run-1", "branchblog")]

    monkeypatch.setattr(run_suite, "HIGH_FACTOR", 20)
    loosened = recheck(db_path, now=NOW)
    assert len(loosened.rows) == 5 and loosened.failing == {}


def test_apply_recheck_closes_released_rows_and_counts_the_batch_as_a_success(db_path: Path) -> None:
    migrated(db_path)
    batch = refined([post(i) for i in range(5)])
    add_source_run(db_path, "run-0", "branchblog", 40, finished_at=NOW - timedelta(days=1))  # the baseline
    add_source_run(db_path, "run-1", "branchblog", 5, status=quality.BLOCKED)
    record(db_path, "run-1", gate.check(batch, stats(batch, BLOG_POST, items=300, history=[25, 25, 25]), now=NOW),
           stage(batch))
    report = recheck(db_path, now=NOW, accept_batch={"branchblog"})
    with connect(db_path) as con:
        con.execute("BEGIN TRANSACTION")
        assert quality.apply_recheck(con, report) == 5
        con.execute("COMMIT")
        assert con.execute("SELECT DISTINCT resolution FROM quarantine").fetchall() == [(quality.PUBLISHED,)]
        assert quality.volume_history(con, "branchblog", "schedule") == [5]
        assert con.execute("SELECT batch_ok FROM quality_gates").fetchone() == (True,)
    assert recheck(db_path, now=NOW).checked == 0


def test_a_row_quarantined_again_or_published_later_is_superseded_not_published_twice(db_path: Path) -> None:
    migrated(db_path)
    history = [3, 3, 3]
    first = refined([post(0, title="Popular Posts"), post(1, title="Popular Posts"), post(2)])
    record(db_path, "run-1", gate.check(first, stats(first, BLOG_POST, history=history), now=NOW), stage(first))
    second = refined([post(0, title="Popular Posts"), post(1), post(2)])
    record(db_path, "run-2", gate.check(second, stats(second, BLOG_POST, history=history), now=NOW), stage(second))
    with connect(db_path) as con:  # run 2 published post-1, as the loader does for a passing row
        con.execute("""INSERT INTO document_keys (document_id, source_id, kind, source_key, current_version,
                                                  first_seen_at, last_seen_at)
                       VALUES ('branchblog:post-1', 'branchblog', 'blog_post', 'post-1', 1, now(), ?)""",
                    [NOW + timedelta(days=3650)])
    report = recheck(db_path, now=NOW)
    assert sorted(report.superseded) == [("run-1", "branchblog:post-0"), ("run-1", "branchblog:post-1")]
    assert report.failing == {"branchblog:post-0": ["title: boilerplate 'Popular Posts'"]} and report.rows.empty
    with connect(db_path) as con:
        con.execute("BEGIN TRANSACTION")
        quality.apply_recheck(con, report)
        con.execute("COMMIT")
        assert con.execute("""SELECT run_id, document_id, resolution FROM quarantine
                              ORDER BY run_id, document_id""").fetchall() == [
            ("run-1", "branchblog:post-0", quality.SUPERSEDED), ("run-1", "branchblog:post-1", quality.SUPERSEDED),
            ("run-2", "branchblog:post-0", None)]
