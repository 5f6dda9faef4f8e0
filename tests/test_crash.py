"""`unionwatch run` killed, doubled up, or given an unwritable warehouse: the warehouse stays whole and recovers.

Each run here is the real command in a subprocess (`python -m flows.cli run`), using the session's Prefect
test server (PREFECT_API_URL) so a run starts in seconds. Sites are served by this test process, so the test
knows exactly which request a run is waiting on. "Equals a clean run" is checked in SQL, table by table,
against a warehouse loaded once, without trouble, from the very same servers.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pytest
from support import query

from config.sources import load_config, load_sources
from demo.content import ACTIVE_BLOG_POSTS, MOTIONS
from demo.server import Request, Response, Site, SiteServer, serve_sites
from demo.sites import demo_sites
from demo.sites.faulty import FaultySite
from flows.commands.demo import sources_toml
from flows.ingest import RunSummary
from flows.ingest import ingest as run_flow

SITES = ("motions", "active", "branch")
WAIT = 90.0  # seconds any one awaited event may take on a slow machine before the test gives up
PADDING = 2 * 1024 * 1024  # bytes of incompressible comment per motion page, so loading takes a while
BUSY = "another unionwatch run is writing"
COMPARED = {
    "document_keys": "document_id, source_id, kind, source_key, current_version, marker, removed_at IS NULL",
    "document_versions": "document_id, version, content_hash, url, title, author, published_at, conference, "
                         "decision, year, motion_group, labels, body, raw_sha256, marker",
    "flags": "document_id, version, topics, matched_terms, score, snippet, rules_fingerprint, cleared_at IS NULL",
    "raw_bodies": "sha256, size_bytes",
    "responses": "url, sha256, source_id, final_url, status, role",
}
ORPHANS = """SELECT (SELECT count(*) FROM document_versions v WHERE NOT EXISTS
                        (SELECT 1 FROM document_keys k WHERE k.document_id = v.document_id))
                  + (SELECT count(*) FROM flags f WHERE NOT EXISTS
                        (SELECT 1 FROM document_keys k WHERE k.document_id = f.document_id))
                  + (SELECT count(*) FROM responses r WHERE NOT EXISTS
                        (SELECT 1 FROM raw_bodies b WHERE b.sha256 = r.sha256))"""


class Padded:
    """A site whose motion pages carry a large, fixed HTML comment: same documents, heavier loads."""

    def __init__(self, inner: Site) -> None:
        self.inner = inner
        noise = b"".join(hashlib.sha256(str(n).encode()).digest() for n in range(PADDING // 64 + 1))
        self.comment = b"<!-- " + noise.hex().encode()[:PADDING] + b" -->"

    def handle(self, request: Request) -> Response:
        """The inner answer, padded before </body> on motion pages."""
        response = self.inner.handle(request)
        if request.path.startswith("/motions/"):
            return replace(response, body=response.body.replace(b"</body>", self.comment + b"</body>"))
        return response


class Run:
    """One `unionwatch run` subprocess, its output in files so the test can read them as they grow."""

    def __init__(self, env: dict[str, str], sources: Path, db: Path, logs: Path, command: str = "run") -> None:
        self.out, self.err = logs.with_suffix(".out"), logs.with_suffix(".err")
        with self.out.open("w") as out, self.err.open("w") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flows.cli", command, "--sources", str(sources), "--db", str(db)],
                cwd=logs.parent, env=env, stdout=out, stderr=err)

    @property
    def stderr(self) -> str:
        """Everything the run has written to stderr so far."""
        return self.err.read_text(errors="replace")

    def wait_for(self, what: str, condition: Callable[[], bool], every: float = 0.05) -> None:
        """Poll until `condition` holds; fail if the run ends first or it takes too long."""
        deadline = time.monotonic() + WAIT
        while not condition():
            assert self.process.poll() is None, f"the run ended before {what}: {self.stderr[-3000:]}"
            assert time.monotonic() < deadline, f"waited {WAIT:.0f} s for {what}: {self.stderr[-3000:]}"
            time.sleep(every)

    def holds_open(self, path: Path) -> bool:
        """True when the process has `path` (or its write-ahead log) open right now."""
        try:
            names = os.listdir(f"/proc/{self.process.pid}/fd")
        except FileNotFoundError:
            return False
        targets = {str(path), f"{path}.wal"}
        for name in names:
            try:
                if os.readlink(f"/proc/{self.process.pid}/fd/{name}") in targets:
                    return True
            except OSError:
                continue
        return False

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind runs."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=WAIT)

    def finish(self) -> int:
        """Wait for the run to end on its own; its exit code."""
        return self.process.wait(timeout=WAIT)


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, SiteServer]]:
    """The three sample sites for the whole module; tests may swap a server's site and must put it back."""
    with serve_sites(demo_sites(*SITES)) as started:
        yield started


@pytest.fixture(scope="module")
def sources(servers, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sources file for the three sample sites."""
    path = tmp_path_factory.mktemp("sources") / "sources.toml"
    path.write_text(sources_toml({name: server.url for name, server in servers.items()}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def clean(prefect_server, servers, sources: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse loaded by one untroubled run."""
    db = tmp_path_factory.mktemp("clean") / "clean.duckdb"
    assert ingest(sources, db).ok
    return db


def ingest(sources: Path, db: Path) -> RunSummary:
    """One run in this process (the real flow)."""
    return run_flow(load_sources(sources), str(db), extract_retry_delay=0)


@contextmanager
def swapped(server: SiteServer, site: Site) -> Iterator[Site]:
    """Serve `site` on `server` for a while."""
    original, server.site = server.site, site
    try:
        yield site
    finally:
        server.site = original


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted at `path` (skips, saying why, where mounting is not allowed)."""
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"needs root with CAP_SYS_ADMIN to mount a small tmpfs: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def differences(db: Path, clean: Path) -> dict[str, list[tuple]]:
    """Per compared table, rows in one warehouse and not the other (duplicates counted)."""
    found = {}
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("ATTACH ? AS clean (READ_ONLY)", [str(clean)])
        for table, columns in COMPARED.items():
            found[table] = con.execute(
                f"""(SELECT 'extra', {columns} FROM {table} EXCEPT ALL SELECT 'extra', {columns} FROM clean.{table})
                    UNION ALL (SELECT 'missing', {columns} FROM clean.{table}
                               EXCEPT ALL SELECT 'missing', {columns} FROM {table})""").fetchall()  # noqa: S608
    return {table: diff for table, diff in found.items() if diff}


def assert_recovers(sources: Path, db: Path, clean: Path) -> None:
    """The killed run is 'running' until the next run marks it 'abandoned'; then all equals a clean run."""
    assert [status for (status,) in query(db, "SELECT status FROM runs")] == ["running"]
    assert query(db, ORPHANS) == [(0,)]
    assert ingest(sources, db).ok
    assert sorted(status for (status,) in query(db, "SELECT status FROM runs")) == ["abandoned", "succeeded"]
    assert differences(db, clean) == {}


def test_a_second_run_is_refused_and_a_run_killed_while_fetching_is_completed_by_the_next(
        servers, sources: Path, clean: Path, cli_env, tmp_path: Path) -> None:
    branch = servers["branch"]
    stall = FaultySite(branch.site, share=1.0, seed=0, kinds=("stall",))
    db = tmp_path / "warehouse.duckdb"
    with swapped(branch, stall):
        first = Run(cli_env, sources, db, tmp_path / "first")
        try:
            # The other two sources get loaded while the branch blog's first request hangs on the server.
            first.wait_for("two sources loaded and the branch blog stalled",
                           lambda: "sample-motions:" in first.stderr and "sample-active:" in first.stderr
                           and bool(stall.injected))
            second = Run(cli_env, sources, db, tmp_path / "second")
            assert second.finish() == 3
            assert BUSY in second.stderr.strip().splitlines()[-1] and f"pid {first.process.pid}" in second.stderr
            assert first.process.poll() is None, "the first run must be unaffected"
            first.kill()
        finally:
            stall.release()
    counts = dict(query(db, "SELECT source_id, count(*) FROM documents GROUP BY ALL"))
    assert counts == {"sample-motions": len(MOTIONS), "sample-active": len(ACTIVE_BLOG_POSTS)}, \
        "whole sources, and only finished ones"
    assert_recovers(sources, db, clean)


@pytest.fixture(scope="module")
def padded(prefect_server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SiteServer, Path, Path, int]]:
    """The motions site with heavy pages, its sources file, a clean warehouse of it and a first run's requests."""
    tmp = tmp_path_factory.mktemp("padded")
    with SiteServer(Padded(demo_sites("motions")["motions"])) as server:
        sources = tmp / "sources.toml"
        sources.write_text(sources_toml({"motions": server.url}), encoding="utf-8")
        assert ingest(sources, tmp / "clean.duckdb").ok
        yield server, sources, tmp / "clean.duckdb", len(server.requests)


@pytest.mark.parametrize("moment", ["loading", "committing"])
def test_killed_while_loading_a_source_writes_all_of_it_or_none(moment: str, padded, cli_env, tmp_path: Path) -> None:
    server, sources, reference, requests = padded
    server.reset_log()
    db = tmp_path / "warehouse.duckdb"
    run = Run(cli_env, sources, db, tmp_path / "killed")
    run.wait_for("every page fetched", lambda: len(server.requests) >= requests)
    # Fetching starts before the flow; the flow then creates the warehouse and records the run, closes it,
    # and opens it again only to load what was fetched.
    run.wait_for("the run recorded in the warehouse", lambda: run.holds_open(db), every=0.001)
    run.wait_for("the warehouse closed after recording the run", lambda: not run.holds_open(db), every=0.001)
    if moment == "loading":
        run.wait_for("the warehouse opened for the load", lambda: run.holds_open(db), every=0.001)
    else:  # the write-ahead log appears when the load commits
        run.wait_for("the load committing", lambda: Path(f"{db}.wal").exists(), every=0.001)
    run.kill()
    assert f"sample-motions: {len(MOTIONS)} new" not in run.stderr, "killed too late: the load had finished"
    stored = query(db, "SELECT count(*) FROM documents")[0][0]
    archived = query(db, "SELECT count(*) FROM responses")[0][0]
    print(f"killed while {moment}: {stored} documents and {archived} responses survived")
    whole = tuple(query(reference, f"SELECT count(*) FROM {table}")[0][0]  # noqa: S608 - two fixed names
                  for table in ("documents", "responses"))
    assert (stored, archived) in ((0, 0), whole), "a source is loaded whole or not at all"
    assert_recovers(sources, db, reference)


def test_a_backfill_killed_between_slices_keeps_whole_slices_and_the_next_backfill_completes_it(
        padded, cli_env, tmp_path: Path) -> None:
    server, sources, _, _ = padded
    sliced = tmp_path / "sources.toml"  # the motions in slices of 4, each loaded in its own transaction
    sliced.write_text("[crawler]\nslice_documents = 4\n\n" + sources.read_text(), encoding="utf-8")
    sources_list, crawler = load_config(sliced)
    reference = tmp_path / "reference.duckdb"
    assert run_flow(sources_list, str(reference), backfill=True, crawler=crawler, extract_retry_delay=0).ok
    db = tmp_path / "warehouse.duckdb"
    run = Run(cli_env, sliced, db, tmp_path / "killed", command="backfill")
    run.wait_for("the first slice loaded", lambda: "sample-motions: 4 documents loaded so far" in run.stderr,
                 every=0.005)
    run.kill()
    assert f"sample-motions: {len(MOTIONS)} new" not in run.stderr, "killed too late: the backfill had finished"
    stored = query(db, "SELECT count(*) FROM documents")[0][0]
    print(f"killed after the first slice: {stored} documents survived")
    assert stored in (4, 8, 12), "whole slices only"
    assert query(db, ORPHANS) == [(0,)]
    assert run_flow(sources_list, str(db), backfill=True, crawler=crawler, extract_retry_delay=0).ok
    assert sorted(status for (status,) in query(db, "SELECT status FROM runs")) == ["abandoned", "succeeded"]
    assert differences(db, reference) == {}


def test_a_read_only_warehouse_is_refused_clearly_and_left_untouched(
        sources: Path, clean: Path, cli_env, tmp_path: Path) -> None:
    with tmpfs(tmp_path / "media", "64m") as media:
        db = media / "warehouse.duckdb"
        db.write_bytes(clean.read_bytes())
        subprocess.run(["mount", "-o", "remount,ro", str(media)], check=True)
        before = {path.name: path.read_bytes() for path in media.iterdir()}
        run = Run(cli_env, sources, db, tmp_path / "read-only")
        assert run.finish() == 3, run.stderr[-3000:]
        last = run.stderr.strip().splitlines()[-1]
        assert last.startswith("unionwatch: ") and "Read-only file system" in last
        assert {path.name: path.read_bytes() for path in media.iterdir()} == before


@dataclass
class FullDisk:
    """A run into a warehouse on a 1 MB file system, what it left, and the run after the disk grew."""

    code: int
    stderr: str
    orphans: int
    loaded: dict[str, int]
    after_growing: dict[str, list[tuple]]


@pytest.fixture(scope="module")
def full_disk(sources: Path, clean: Path, cli_env, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FullDisk]:
    """Run into a full disk, inspect the warehouse, then grow the disk and run again."""
    tmp = tmp_path_factory.mktemp("full")
    with tmpfs(tmp / "small", "1m") as small:
        db = small / "warehouse.duckdb"
        run = Run(cli_env, sources, db, tmp / "full")
        code = run.finish()
        orphans = query(db, ORPHANS)[0][0]
        loaded = dict(query(db, "SELECT source_id, count(*) FROM documents GROUP BY ALL"))
        subprocess.run(["mount", "-o", "remount,size=64m", str(small)], check=True)
        assert ingest(sources, db).ok
        yield FullDisk(code, run.stderr, orphans, loaded, differences(db, clean))


def test_a_full_disk_writes_nothing_half_and_the_next_run_recovers(full_disk: FullDisk, clean: Path) -> None:
    assert full_disk.code != 0 and full_disk.orphans == 0
    whole = dict(query(clean, "SELECT source_id, count(*) FROM documents GROUP BY ALL"))
    assert all(whole[source] == count for source, count in full_disk.loaded.items()), full_disk.loaded
    assert full_disk.after_growing == {}


def test_a_full_disk_is_reported_in_one_clear_line(full_disk: FullDisk) -> None:
    assert full_disk.code == 3 and "Traceback" not in full_disk.stderr, full_disk.stderr[-3000:]
    assert "No space left on device" in full_disk.stderr.strip().splitlines()[-1]
