"""`unionwatch quality` as a maintainer uses it: latest results per source, recheck, and offline Data Docs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from quality_support import NOW, migrated, motion, post, refined, stats

from expectations import gate
from flows.cli import main
from records import BLOG_POST, MOTION
from warehouse import quality
from warehouse.db import connect
from warehouse.load import stage_frame as stage


def gated_warehouse(db_path: Path) -> Path:
    """A warehouse where the blog's latest batch was blocked for volume and one motion was quarantined."""
    migrated(db_path)
    posts = refined([post(i) for i in range(4)])
    motions = refined([motion(0), motion(1, title=""), motion(2)])
    with connect(db_path) as con:
        quality.record_gate(con, "run-1", gate.check(posts, stats(posts, BLOG_POST, items=400,
                                                                  history=[20, 20, 20]), now=NOW), stage(posts))
        quality.record_gate(con, "run-1", gate.check(motions, stats(motions, MOTION, history=[3, 3, 3]), now=NOW),
                            stage(motions))
    return db_path


def test_quality_prints_each_source_s_latest_results(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quality", "--db", str(gated_warehouse(db_path))]) == 1
    out = capsys.readouterr().out
    blog = next(line for line in out.splitlines() if line.startswith("branchblog"))
    assert "blog_post" in blog and "BLOCKED" in blog and " 4 " in blog
    assert "batch items" in out and "400 items; allowed 4–200 (median 20, max 20 over 3 runs)" in out
    assert "title is 1–300 characters: 1 of 3 rows: ''" in out
    assert "In quarantine: 5." in out


def test_quality_on_a_fresh_warehouse_says_there_is_nothing_yet(db_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quality", "--db", str(migrated(db_path))]) == 0
    assert "No validation results" in capsys.readouterr().out


def test_quality_without_a_warehouse_fails_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quality", "--db", str(tmp_path / "none.duckdb")]) == 3
    assert "no warehouse here yet" in capsys.readouterr().err


def test_recheck_shows_what_passes_and_an_injected_publisher_publishes_it(
        db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gated_warehouse(db_path)
    assert main(["quality", "--db", str(db_path), "recheck", "--accept-batch", "branchblog"]) == 0
    out = capsys.readouterr().out
    assert "Rechecked 5 quarantined rows" in out and "4 rows pass and can be published, 1 still fail" in out
    assert "still fails motions:motion-1: title: empty" in out
    assert "batch of branchblog in run run-1 now passes" in out
    assert "Published 4 rows." in out
    with connect(db_path, read_only=True) as con:
        published = con.execute("SELECT document_id FROM documents ORDER BY 1").fetchall()
    assert published == [(f"branchblog:post-{i}",) for i in range(4)]
    assert main(["quality", "recheck", "--db", str(db_path)]) == 0
    assert "Rechecked 1 quarantined rows" in capsys.readouterr().out


def test_docs_are_written_beside_the_warehouse(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quality", "docs", "--db", str(gated_warehouse(db_path))]) == 0
    index = db_path.parent / "quality-docs" / "index.html"
    assert str(index) in capsys.readouterr().out and index.is_file()


def test_reading_results_does_not_import_great_expectations(db_path: Path) -> None:
    gated_warehouse(db_path)
    probe = ("import sys; from flows.cli import main; code = main(['quality', '--db', sys.argv[1]]); "
             "print('GX loaded' if 'great_expectations' in sys.modules else 'GX not loaded')")
    result = subprocess.run([sys.executable, "-c", probe, str(db_path)], capture_output=True, text=True,
                            timeout=120, check=False, cwd=Path(__file__).resolve().parent.parent)
    assert result.stdout.strip().endswith("GX not loaded"), result.stdout + result.stderr
