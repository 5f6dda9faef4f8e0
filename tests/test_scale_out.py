"""Scale-out on a real Prefect server: two process workers extract, one writer loads the same warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from support import unionwatch

from demo.content import ACTIVE_BLOG_POSTS, BRANCH_BLOG_POSTS, MOTIONS
from demo.server import SiteServer
from flows.commands.demo import sources_toml
from flows.prefect_server import local_server, stop_worker

ROOT = Path(__file__).resolve().parent.parent
COMPARED = {
    "documents": "SELECT document_id, url, title, author, published_at, conference, decision, body FROM documents",
    "versions": "SELECT document_id, version, content_hash FROM document_versions",
    "flags": "SELECT document_id, version, topics, matched_terms, snippet FROM flags",
}


def contents(db: Path) -> dict[str, list[tuple]]:
    """The rows that must match between a distributed and a single-process run, in a stable order."""
    with duckdb.connect(str(db), read_only=True) as con:
        return {name: con.execute(sql + " ORDER BY ALL").fetchall() for name, sql in COMPARED.items()}


@pytest.fixture
def prefect_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A real Prefect server on 127.0.0.1 with its own home; the environment that points at it."""
    home = tmp_path / "prefect-home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
            "PREFECT_LOGGING_LEVEL": "WARNING"}
    saved = os.environ.copy()
    os.environ.clear()
    os.environ.update(env)
    try:
        with local_server(log_path=str(tmp_path / "server.log")) as api_url:
            yield env | {"PREFECT_API_URL": api_url}
    finally:
        os.environ.clear()
        os.environ.update(saved)


def start_worker(env: dict[str, str], pool: str, name: str, log: Path) -> subprocess.Popen:
    """A `prefect worker start` process (it ignores a first SIGTERM; see stop_worker)."""
    return subprocess.Popen([sys.executable, "-m", "prefect", "worker", "start", "--pool", pool, "--name", name],
                            cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def test_two_workers_fill_the_warehouse_like_one_process(sites: dict[str, SiteServer], tmp_path: Path,
                                                         prefect_env: dict[str, str]) -> None:
    # Four hosts' worth of sources: each host is one partition's, so both workers get work.
    extra = SiteServer(sites["active"].site).start()
    try:
        urls = {name: server.url for name, server in sites.items()}
        # A backfill in slices of 4 documents: the partitions stage slices, the loader takes them as they come.
        (tmp_path / "sources.toml").write_text(
            "[crawler]\nslice_documents = 4\n\n" + sources_toml(urls)
            + sources_toml({"active": extra.url}).replace("sample-active", "sample-mirror"))
        deployed = unionwatch("deploy", "--db", "distributed.duckdb", "--partitions", "2", cwd=tmp_path,
                              env=prefect_env)
        assert deployed.returncode == 0, deployed.stderr
        loader_env = prefect_env | {"PREFECT_LOGGING_LEVEL": "INFO"}  # its log then names every task run
        workers = [start_worker(loader_env if n == 0 else prefect_env, pool, f"w{n}", tmp_path / f"worker{n}.log")
                   for n, pool in enumerate(["unionwatch", "unionwatch-extract", "unionwatch-extract"])]
        try:
            run = subprocess.run([sys.executable, "-m", "prefect", "deployment", "run",
                                  "ingest-distributed/ingest-distributed", "--param", "backfill=true",
                                  "--watch", "--watch-timeout", "240"],
                                 cwd=tmp_path, env=prefect_env, capture_output=True, text=True, timeout=300,
                                 check=False)
        finally:
            for worker in workers:
                stop_worker(worker)
        logs = "\n".join((tmp_path / f"worker{n}.log").read_text(errors="replace") for n in range(3))
        assert run.returncode == 0 and "Completed" in run.stdout, run.stdout + run.stderr + logs
        loads = logs.count("Task run 'load-sample-motions' - Finished in state Completed()")
        assert loads > 1, f"the motions backfill was loaded in {loads} transaction(s), not in slices:\n{logs}"
        single = unionwatch("backfill", "--db", "single.duckdb", cwd=tmp_path, env=prefect_env)
        assert single.returncode == 0, single.stderr
        distributed, alone = contents(tmp_path / "distributed.duckdb"), contents(tmp_path / "single.duckdb")
        assert len(distributed["documents"]) == len(MOTIONS) + 2 * len(ACTIVE_BLOG_POSTS) + len(BRANCH_BLOG_POSTS)
        assert distributed == alone
        partitions = subprocess.run([sys.executable, "-m", "prefect", "flow-run", "ls", "--flow-name",
                                     "extract-partition", "--state", "COMPLETED"], cwd=tmp_path,
                                    env=prefect_env | {"COLUMNS": "250"},
                                    capture_output=True, text=True, timeout=60, check=False)
        assert partitions.stdout.count("extract-partition") == 2, partitions.stdout
    finally:
        extra.stop()
