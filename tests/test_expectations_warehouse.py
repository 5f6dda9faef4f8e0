"""Gate verdicts in the warehouse: quarantined rows keep everything needed to publish them later, results are
queryable per source, and the volume history comes from the source's successful runs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from quality_support import NOW, add_source_run, migrated, motion, post, record, refined, stats

from expectations import gate
from records import BLOG_POST, MOTION
from warehouse import quality
from warehouse.db import connect
from warehouse.load import RELATED_COLUMNS
from warehouse.load import stage_frame as stage


def test_failing_rows_are_quarantined_with_their_reasons_and_full_payload(db_path: Path) -> None:
    migrated(db_path)
    docs = [motion(i) for i in range(6)]
    docs[2] = motion(2, title="", decision="Approved")
    batch = refined(docs)
    result = gate.check(batch, stats(batch, MOTION), now=NOW)
    staged = stage(batch)
    assert record(db_path, "run-1", result, staged) == 1
    with connect(db_path, read_only=True) as con:
        held = con.execute("SELECT document_id, reasons, released_at, title, content_hash, body, labels, year "
                           "FROM quarantine").fetchall()
        assert held == [("motions:motion-2", ["title: empty",
                                              "decision: 'Approved' is not one of Carried, Carried as Amended, "
                                              "Referred, Remitted, Withdrawn, Lost, Fell, Not Reached"],
                         None, "", batch[2].content_hash, docs[2].body, [], docs[2].year)]
        stored = con.execute("SELECT * EXCLUDE (reasons, quarantined_at, released_at, resolution, run_id) "
                             "FROM quarantine").description
        assert [column[0] for column in stored] == list(quality.STAGE_COLUMNS)
        results = con.execute("""SELECT suite, expectation, column_name, level, success, unexpected_count
                                 FROM validation_results WHERE NOT success ORDER BY position""").fetchall()
        assert results == [("motion", "expect_column_value_lengths_to_be_between", "title", "row", False, 1),
                           ("motion", "expect_column_values_to_be_in_set", "decision", "row", False, 1)]
        assert con.execute("SELECT count(*) FROM validation_results").fetchone() == (len(result.outcomes),)
        gate_row = con.execute("SELECT kind, suite, items, history, batch_ok, quarantined FROM quality_gates")
        assert gate_row.fetchone() == ("motion", "motion", 6, [20, 21, 19, 20, 22], True, 1)


def test_slices_of_one_source_add_up_to_one_gate(db_path: Path) -> None:
    migrated(db_path)
    first = [motion(i) for i in range(10)]
    first[1] = motion(1, title="")
    second = [motion(i) for i in range(10, 20)]
    second[0] = motion(10, title="", decision="Approved")
    for docs in (first, second):  # as a backfill loads a source in two slices
        batch = refined(docs)
        record(db_path, "run-1", gate.check(batch, stats(batch, MOTION), now=NOW), stage(batch))
    with connect(db_path, read_only=True) as con:
        # Data Docs show each slice's reports (the run suite's and the motion suite's).
        assert con.execute("SELECT items, batch_ok, quarantined, json_array_length(reports_json) "
                           "FROM quality_gates").fetchall() == [(20, True, 2, 4)]
        failed = con.execute("""SELECT column_name, success, unexpected_count FROM validation_results
                                WHERE NOT success ORDER BY position""").fetchall()
        held = sorted(row[0] for row in con.execute("SELECT document_id FROM quarantine").fetchall())
    assert failed == [("title", False, 2), ("decision", False, 1)]
    assert held == ["motions:motion-1", "motions:motion-10"]


def test_a_failed_batch_quarantines_every_row_with_the_batch_reason(db_path: Path) -> None:
    migrated(db_path)
    batch = refined([post(i) for i in range(4)])
    result = gate.check(batch, stats(batch, BLOG_POST, items=500, history=[25, 25, 25]), now=NOW)
    assert record(db_path, "run-1", result, stage(batch)) == 4
    with connect(db_path, read_only=True) as con:
        reasons = {row[0] for row in con.execute("SELECT DISTINCT unnest(reasons) FROM quarantine").fetchall()}
    assert reasons == {"volume: 500 items; allowed 5–250 (median 25, max 25 over 3 runs)"}


def test_record_gate_rolls_back_with_the_loader_s_transaction(db_path: Path) -> None:
    migrated(db_path)
    batch = refined([post(0, title="Popular Posts")])
    result = gate.check(batch, stats(batch, BLOG_POST), now=NOW)
    with connect(db_path) as con:
        con.execute("BEGIN TRANSACTION")
        quality.record_gate(con, "run-1", result, stage(batch))
        con.execute("ROLLBACK")
        assert con.execute("SELECT (SELECT count(*) FROM quarantine) + (SELECT count(*) FROM validation_results) "
                           "+ (SELECT count(*) FROM quality_gates)").fetchone() == (0,)


def test_latest_results_show_each_source_s_newest_gate(db_path: Path) -> None:
    migrated(db_path)
    posts = refined([post(i) for i in range(3)])
    broken = refined([post(0, body="Popular Posts\n\nmore"), post(1), post(2)])
    motions = refined([motion(i) for i in range(3)])
    steady = [3, 3, 3]
    record(db_path, "run-1", gate.check(posts, stats(posts, BLOG_POST, history=steady), now=NOW), stage(posts))
    record(db_path, "run-1", gate.check(motions, stats(motions, MOTION, history=steady), now=NOW), stage(motions))
    record(db_path, "run-2", gate.check(broken, stats(broken, BLOG_POST, history=steady), now=NOW), stage(broken))
    latest = {source.source_id: source for source in quality.latest_results(db_path)}
    assert set(latest) == {"branchblog", "motions"}
    blog = latest["branchblog"]
    assert (blog.run_id, blog.batch_ok, blog.quarantined, blog.held, blog.ok) == ("run-2", True, 1, 1, False)
    failed = [result for result in blog.results if not result.success]
    assert [(r.column, r.observed) for r in failed] == [("body", "1 of 3 rows: 'popular posts more'")]
    assert blog.results[0].column == "kind" and blog.results[-1].level == "batch"
    assert latest["motions"].ok and latest["motions"].run_id == "run-1"


def test_volume_history_counts_only_successful_runs_newest_first(db_path: Path) -> None:
    migrated(db_path)
    for age, (seen, status) in enumerate([(24, "succeeded"), (0, "blocked"), (25, "succeeded"), (0, "failed"),
                                          (23, "succeeded"), (60, "succeeded")]):
        add_source_run(db_path, f"run-{age}", "branchblog", seen, status, NOW - timedelta(days=age))
    add_source_run(db_path, "run-0", "other", 99)
    with connect(db_path, read_only=True) as con:
        assert quality.volume_history(con, "branchblog", "schedule") == [24, 25, 23]  # 60: the baseline run
        assert quality.volume_history(con, "branchblog", "schedule", limit=2) == [24, 25]
        assert quality.volume_history(con, "nobody", "schedule") == []


def test_volume_history_holds_only_runs_of_the_same_command(db_path: Path) -> None:
    migrated(db_path)
    runs = [(30, "run"), (25, "schedule"), (900, "backfill"), (24, "schedule"), (5000, "reparse"), (2, "run"),
            (26, "schedule")]
    for age, (seen, command) in enumerate(reversed(runs)):  # the first in the list is the oldest
        add_source_run(db_path, f"run-{age}", "branchblog", seen, finished_at=NOW - timedelta(days=age),
                       command=command)
    with connect(db_path, read_only=True) as con:
        assert quality.volume_history(con, "branchblog", "schedule") == [26, 24, 25]
        assert quality.volume_history(con, "branchblog", "run") == [2]  # 30 was the source's baseline
        assert quality.volume_history(con, "branchblog", "backfill") == [900]


def test_readers_answer_empty_on_a_warehouse_from_before_the_quality_migration(db_path: Path) -> None:
    with connect(db_path) as con:
        con.execute("CREATE TABLE runs (run_id VARCHAR)")
    assert quality.latest_results(db_path) == [] and quality.gate_reports(db_path) == []
    assert quality.pending_quarantine(db_path).empty


def test_record_gate_needs_the_batch_stats() -> None:
    result = gate.GateResult("s", "blog_post", True, {}, [])
    with pytest.raises(ValueError, match="needs a GateResult from expectations.gate.check"):
        quality.record_gate(None, "run-1", result, stage([]))  # type: ignore[arg-type]


def test_passing_rows_are_what_the_loader_publishes() -> None:
    batch = refined([post(0), post(1, title="Popular Posts"), post(2)])
    result = gate.check(batch, stats(batch, BLOG_POST, history=[3, 3, 3]), now=NOW)
    assert quality.passing_rows(stage(batch), result)["document_id"].tolist() == [
        "branchblog:post-0", "branchblog:post-2"]
    blocked = gate.check(batch, stats(batch, BLOG_POST, items=0, history=[30, 30, 30]), now=NOW)
    assert quality.passing_rows(stage(batch), blocked).empty
    empty = quality.passing_rows(stage([]), gate.check([], stats([], BLOG_POST), now=NOW))
    assert empty.empty and empty.columns.tolist() == [*quality.STAGE_COLUMNS, *RELATED_COLUMNS]
