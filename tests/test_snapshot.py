"""Readers and the writer side by side: analysts read a published snapshot and never see or block a run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import CORE_SITES, ingest_sites
from support import unionwatch

from demo.server import SiteServer, serve_sites
from demo.sites import demo_sites
from warehouse.db import WarehouseError, connect
from warehouse.load import start_run
from warehouse.snapshot import publish_snapshot, read_target, snapshot_path

STATE_SQL = "SELECT (SELECT count(*) FROM document_versions), (SELECT count(*) FROM runs), " \
            "(SELECT count(*) FROM runs WHERE status = 'running')"

# An analyst's session: open the snapshot read-only, query, wait, query again on the same connection.
READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
state = lambda: con.execute(sys.argv[2]).fetchone()
print(*state(), flush=True)
sys.stdin.readline()
print(*state(), flush=True)
"""

# A run in the middle of loading a source: the live file held read-write, a transaction open.
WRITER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("BEGIN TRANSACTION")
con.execute("UPDATE runs SET status = 'running'")
print("holding", flush=True)
sys.stdin.readline()
"""


def state(db: Path) -> tuple[int, int, int]:
    """Versions, runs, and runs still running, as a fresh reader sees them."""
    with connect(db, read_only=True) as con:
        return con.execute(STATE_SQL).fetchone()


def python(script: str, *args: str) -> subprocess.Popen[str]:
    """Another process running `script`, talking over stdin/stdout."""
    return subprocess.Popen([sys.executable, "-c", script, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def sites() -> Iterator[dict[str, SiteServer]]:
    """The motions site and the two blogs, for the whole module (a rerun must see the same URLs)."""
    with serve_sites(demo_sites(*CORE_SITES)) as servers:
        yield servers


@pytest.fixture(scope="module")
def ingested(prefect_server, sites, tmp_path_factory) -> Path:
    """A warehouse after one run; tests work on copies."""
    tmp = tmp_path_factory.mktemp("snapshot")
    db = tmp / "ingested.duckdb"
    assert ingest_sites(sites, tmp, db).ok
    return db


@pytest.fixture
def live(ingested, db_path) -> Path:
    """This test's own copy of the ingested warehouse."""
    db_path.parent.mkdir(parents=True)
    shutil.copyfile(ingested, db_path)
    return db_path


def test_a_reader_keeps_its_snapshot_while_a_run_writes_and_publishes(sites, live, tmp_path) -> None:
    snapshot = publish_snapshot(live)
    assert snapshot == snapshot_path(live) == live.with_name("unionwatch.snapshot.duckdb")
    before = state(snapshot)
    assert before == state(live) and before[2] == 0

    reader = python(READER, str(snapshot), STATE_SQL)
    try:
        assert tuple(map(int, reader.stdout.readline().split())) == before
        post = sites["active"].site.posts[0]
        post.body_html += "<p>Update: the shared service centre opens in May.</p>"
        post.updated = datetime.now(UTC)
        assert ingest_sites(sites, tmp_path, live).ok, "the writer must not be blocked by a snapshot reader"
        publish_snapshot(live)
        after = state(snapshot)
        assert after == (before[0] + 1, before[1] + 1, 0), "a new reader sees the new run"
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert tuple(map(int, reader.stdout.readline().split())) == before, "an open reader keeps its state"
    finally:
        reader.communicate(timeout=30)
    assert reader.returncode == 0, reader.stderr
    assert sorted(p.name for p in live.parent.iterdir() if "snapshot" in p.name) == [snapshot.name]


def test_readers_use_the_snapshot_while_a_run_holds_the_live_file(live, tmp_path) -> None:
    publish_snapshot(live)
    start_run(live, "run", [])  # a run has begun: the live file now has a run still 'running'
    writer = python(WRITER, str(live))
    try:
        assert writer.stdout.readline().strip() == "holding"
        query = ("SELECT count(*) FILTER (WHERE status = 'running'), count(*) FROM runs", "--format", "csv")
        from_snapshot = unionwatch("sql", *query, "--db", str(live), cwd=tmp_path)
        assert from_snapshot.returncode == 0, from_snapshot.stderr
        assert from_snapshot.stdout.splitlines()[1] == "0,1", "only finished runs are in the snapshot"
        assert f"Reading snapshot {snapshot_path(live)}" in from_snapshot.stderr
        from_live = unionwatch("sql", *query, "--db", str(live), "--live", cwd=tmp_path)
        assert from_live.returncode == 3 and "another process has the warehouse open" in from_live.stderr
        with pytest.raises(WarehouseError, match="another process has the warehouse open"):
            publish_snapshot(live)
    finally:
        writer.communicate("\n", timeout=30)
    assert state(snapshot_path(live))[1:] == (1, 0), "a failed publish leaves the old snapshot in place"
    assert not list(live.parent.glob(".*.partial"))


def test_read_target_prefers_the_snapshot_and_says_which_file(tmp_path) -> None:
    db = tmp_path / "uw.duckdb"
    with connect(db) as con:
        con.execute("CREATE TABLE schema_migrations (version INTEGER)")
    assert read_target(db).path == db and "no snapshot published yet" in read_target(db).describe()
    publish_snapshot(db)
    target = read_target(db)
    assert target.is_snapshot and target.path == tmp_path / "uw.snapshot.duckdb"
    assert target.describe().startswith(f"snapshot {target.path} (published ")
    assert read_target(db, live=True).path == db and "(--live)" in read_target(db, live=True).describe()
    with pytest.raises(WarehouseError, match="no warehouse here yet"):
        publish_snapshot(tmp_path / "missing.duckdb")
