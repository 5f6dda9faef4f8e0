"""Backfill through `ingest-distributed` on Prefect workers next to `unionwatch backfill`, same machine and corpus.

`python -m benchmarks.scale_out [--docs 10000]` serves the synthetic corpus, starts a Prefect server on
127.0.0.1, registers the deployments (`unionwatch deploy --partitions 2`), starts one loader worker and two
extraction workers (`prefect worker start`), and times `prefect deployment run ingest-distributed` with
backfill on, from the command to its end. Then, against the same server and sites, it times
`unionwatch backfill` into a second warehouse, and checks both warehouses hold the same documents and flags.

All synthetic sites listen on 127.0.0.1. Partitions follow host names, so every other source is addressed
as `localhost`: the sources then fall into both partitions, as sites on two hosts would. Memory is sampled
from /proc every 0.2 s over every process involved (workers and the flow runs they start), not the server.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb

from benchmarks.run import SyntheticSites, parent_pids, status_mb
from flows.prefect_server import local_server, stop_worker

REPO = Path(__file__).resolve().parent.parent
PARTITIONS = 2  # the corpus has two host names (127.0.0.1 and localhost), so more would stay idle
WORKER_START = 8.0  # seconds for workers to register and poll before the run is triggered
RUN_TIMEOUT = 1800  # seconds; 10,000 documents take about a minute
COMPARED = ("SELECT document_id, version, content_hash FROM document_versions ORDER BY ALL",
            "SELECT document_id, version, topics FROM flags ORDER BY ALL")


class TreeMemory(threading.Thread):
    """Samples the RSS of some processes and all their descendants: the peak of the sum, and each one's peak."""

    def __init__(self, roots: list[int]) -> None:
        super().__init__(daemon=True)
        self.roots, self.done = set(roots), threading.Event()
        self.peak_total = 0.0
        self.peaks: dict[int, tuple[float, str]] = {}  # pid -> (VmHWM MB, what the process is)

    def run(self) -> None:
        """Sample until stopped."""
        while not self.done.wait(0.2):
            tree = _descendants(self.roots)
            self.peak_total = max(self.peak_total, sum(status_mb(pid, "VmRSS") for pid in tree))
            for pid, parent in tree.items():
                peak = status_mb(pid, "VmHWM")
                if pid not in self.peaks:
                    self.peaks[pid] = (peak, _command(pid, self.peaks.get(parent, (0.0, ""))[1]))
                elif peak > self.peaks[pid][0]:
                    self.peaks[pid] = (peak, self.peaks[pid][1])

    def stop(self) -> None:
        """Stop sampling and wait for the thread."""
        self.done.set()
        self.join()


def _descendants(roots: set[int]) -> dict[int, int]:
    """The roots and every process below them, each with its parent's pid."""
    parents = parent_pids()
    found = {pid: parents.get(pid, 0) for pid in roots}
    while grown := {pid: parent for pid, parent in parents.items() if parent in found and pid not in found}:
        found |= grown
    return found


def _command(pid: int, parent: str) -> str:
    """What a process is: a worker and its pool, a flow run and its worker, or its command line."""
    try:
        words = Path(f"/proc/{pid}/cmdline").read_text().split("\0")
    except OSError:
        return "?"
    if "--pool" in words:
        return f"worker, pool {words[words.index('--pool') + 1]}"
    return f"flow run started by the {parent}" if parent.startswith("worker") else " ".join(words)[:60]


def two_hosts(sources: str) -> str:
    """The sources file with every other source addressed as localhost."""
    tables = sources.split("[[sources]]")
    for index in range(2, len(tables), 2):
        tables[index] = tables[index].replace("http://127.0.0.1:", "http://localhost:")
    return "[[sources]]".join(tables)


def warehouse_rows(db: Path) -> list[list[tuple]]:
    """What must match between the two backfills."""
    with duckdb.connect(str(db), read_only=True) as con:
        return [con.execute(sql).fetchall() for sql in COMPARED]


def timed(command: list[str], cwd: Path, env: dict[str, str], roots: list[int] | None = None
          ) -> tuple[float, TreeMemory, subprocess.CompletedProcess[str]]:
    """Run a command; its wall time, the memory of `roots` (default: the command itself) and its result."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = TreeMemory(roots or [process.pid])
    memory.start()
    out, err = process.communicate(timeout=RUN_TIMEOUT)
    wall = time.perf_counter() - start
    memory.stop()
    return wall, memory, subprocess.CompletedProcess(command, process.returncode, out, err)


def flow_run_spans(api_url: str) -> list[tuple[str, float, float]]:
    """Each finished flow run on the server: flow name and its start and end, in seconds after the first start."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        runs = [run for run in client.read_flow_runs() if run.start_time and run.end_time]
        names = {run.flow_id: client.read_flow(run.flow_id).name for run in runs}
    first = min(run.start_time for run in runs)
    return sorted((names[run.flow_id], (run.start_time - first).total_seconds(), (run.end_time - first).total_seconds())
                  for run in runs)


def report(label: str, docs: int, wall: float, memory: TreeMemory) -> None:
    """Print one configuration's figures."""
    print(f"{label}: {wall:.1f} s, {docs / wall:.0f} documents/s; peak RSS of all its processes together "
          f"{memory.peak_total:.0f} MB")
    for peak, what in sorted(memory.peaks.values(), reverse=True):
        print(f"    {peak:6.0f} MB  {what}")


def main(argv: list[str] | None = None) -> int:
    """Measure both backfills; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000, help="corpus size (default 10000)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="uw-scale-out-"))
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(work / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1",
               GX_ANALYTICS_ENABLED="false", PREFECT_LOGGING_LEVEL="WARNING")
    # The server started below runs with this process's environment: its own home, and no telemetry.
    os.environ.update({key: env[key] for key in ("PREFECT_HOME", "PREFECT_SERVER_ANALYTICS_ENABLED", "DO_NOT_TRACK")})
    (work / "prefect").mkdir()
    print(f"working in {work}", file=sys.stderr)
    sites = SyntheticSites(args.docs, wordpress=True, sources=work / "synthetic.toml")
    try:
        (work / "sources.toml").write_text(two_hosts((work / "synthetic.toml").read_text()))
        with local_server(log_path=str(work / "server.log")) as api_url:
            env["PREFECT_API_URL"] = api_url
            cli = [sys.executable, "-m", "flows.cli"]
            deployed = subprocess.run([*cli, "deploy", "--db", "distributed.duckdb", "--staging", str(work / "staging"),
                                       "--partitions", str(PARTITIONS)], cwd=work, env=env, capture_output=True,
                                      text=True, check=False)
            if deployed.returncode != 0:
                raise RuntimeError(f"unionwatch deploy failed:\n{deployed.stderr}")
            pools = ["unionwatch"] + ["unionwatch-extract"] * PARTITIONS
            workers = [subprocess.Popen([sys.executable, "-m", "prefect", "worker", "start", "--pool", pool,
                                         "--name", f"worker-{n}"], cwd=REPO, env=env,
                                        stdout=(work / f"worker-{n}.log").open("wb"), stderr=subprocess.STDOUT)
                       for n, pool in enumerate(pools)]
            try:
                time.sleep(WORKER_START)
                wall, memory, run = timed([sys.executable, "-m", "prefect", "deployment", "run",
                                           "ingest-distributed/ingest-distributed", "--param", "backfill=true",
                                           "--watch", "--watch-timeout", str(RUN_TIMEOUT)], work, env,
                                          roots=[worker.pid for worker in workers])
            finally:
                for worker in workers:
                    stop_worker(worker)
            if run.returncode != 0 or not re.search(r"\bCompleted\b", run.stdout):
                raise RuntimeError(f"ingest-distributed did not complete (logs in {work}):\n{run.stdout[-2000:]}")
            report(f"ingest-distributed, {PARTITIONS} extraction workers and a loader", args.docs, wall, memory)
            for name, start, end in flow_run_spans(api_url):
                print(f"    flow run {name}: from {start:.1f} s to {end:.1f} s")
            wall, memory, single = timed([*cli, "backfill", "--db", "single.duckdb"], work, env)
            if single.returncode != 0:
                raise RuntimeError(f"unionwatch backfill failed:\n{single.stderr[-2000:]}")
            report("unionwatch backfill, one process", args.docs, wall, memory)
    finally:
        sites.close()
    same = warehouse_rows(work / "distributed.duckdb") == warehouse_rows(work / "single.duckdb")
    print(f"same document versions and flags in both warehouses: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
