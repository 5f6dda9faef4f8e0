"""What a one-off unionwatch command costs before its first request, next to the bare requests + lxml loop.

    python -m benchmarks.startup [--repeat 3] [--small 134] [--large 5134] [--rss-docs 10000]

Every figure is measured in this one run, in CPU-seconds of whole process trees where it can be (the
machine may be shared; wall times then run long, CPU-seconds much less so):

- start-up of `unionwatch run` over the five demo sites into a new warehouse, per way of reaching a Prefect
  API: a server started for the run and stopped with it (UNIONWATCH_SERVER_LINGER=0), Prefect's ephemeral
  API, the server an earlier command started and its keeper kept (the default when commands follow each
  other within the linger), and the server `unionwatch serve` started and announced (long-lived). CPU of the
  command's process tree plus, for a server that outlives the command, that server's CPU during the run;
  wall time from the command to the first request the demo sites receive. A second `run` into the same
  warehouse (nothing new) is timed too;
- marginal CPU per document: `unionwatch backfill` of the synthetic web (benchmarks.synthetic) at two sizes,
  next to the bare fetch-and-parse (benchmarks.baseline fetch) of the same pages; the fixed CPU is the
  intercept of the line through both sizes, with a server started for each backfill and with a kept one;
- a no-change scheduled run under `unionwatch serve`: both demo deployments run through Prefect's runner
  (run_deployment), after a first run that loads the sites; the flow runs' own durations and the time from
  the request to the end;
- peak RSS of a backfill (benchmarks.run's backfill step, --rss-docs documents, 0 skips it).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.run import RESULT_PREFIX, SyntheticSites, load_average, machine, parent_pids, run_python
from demo.server import SiteServer, serve_sites
from demo.sites import demo_sites
from flows.commands.demo import sources_toml
from flows.prefect_server import LINGER_ENV
from flows.server_keeper import DISCOVERY_FILE

REPO = Path(__file__).resolve().parent.parent
UNIONWATCH = [sys.executable, "-m", "flows.cli"]
TARGETS = {"fixed_cpu_s": 10.0, "first_request_s": 5.0, "marginal_ratio": 1.0, "scheduled_s": 1.5,
           "peak_rss_mb": 400.0}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
TIMEOUT = 1800
KEPT_LINGER = 600  # seconds: longer than any pause between the commands measured
# A one-off run with Prefect's ephemeral API instead of a server of unionwatch's: what `unionwatch run` does,
# without flows.prefect_server.
EPHEMERAL_RUN = """
import sys
from flows import environment
environment.configure()
from config.sources import load_config
from flows.ingest import ingest
sources, crawler = load_config(sys.argv[1])
sys.exit(0 if ingest(sources, sys.argv[2], command="run", crawler=crawler).ok else 1)
"""
Result = dict[str, Any]


def children_cpu() -> float:
    """CPU-seconds of every ended and waited-for descendant of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    """CPU-seconds a live process has used (user + system), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def timed(command: list[str], env: dict[str, str], sites: dict[str, SiteServer] | None = None,
          server_pid: int | list[int] | None = None) -> Result:
    """Run a command to its end: wall, CPU of its process tree (+ a long-lived server's), first request."""
    for site in (sites or {}).values():
        site.reset_log()
    servers = [server_pid] if isinstance(server_pid, int) else server_pid or []
    server_before = sum(process_cpu(pid) for pid in servers)
    cpu, wall, start = children_cpu(), time.perf_counter(), time.time()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    result: Result = {"wall_s": time.perf_counter() - wall, "cpu_s": children_cpu() - cpu,
                      "exit": done.returncode, "load": load_average()}
    if servers:
        result["server_cpu_s"] = sum(process_cpu(pid) for pid in servers) - server_before
        result["cpu_s"] += result["server_cpu_s"]
    arrivals = [request.at for site in (sites or {}).values() for request in site.requests]
    result["first_request_s"] = min(arrivals) - start if arrivals else None
    result["requests"] = len(arrivals)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return result


def environment(home: Path) -> dict[str, str]:
    """A clean environment for the commands: its own Prefect home, no API configured, no telemetry, and a
    server a command starts stopped with it (`kept` measures the other way)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    return env | {"PREFECT_HOME": str(home), "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                  "GX_ANALYTICS_ENABLED": "false", "PYTHONPATH": str(REPO), LINGER_ENV: "0"}


@contextmanager
def kept(warm_up: list[str], env: dict[str, str]) -> Iterator[tuple[dict[str, str], list[int]]]:
    """A server kept for later commands (UNIONWATCH_SERVER_LINGER), started by `warm_up` (not counted): the
    commands' environment and the keeper's and its server's pids; the keeper is stopped at the end."""
    # Its own Prefect home: a command measured with a server started for it must not find this one announced.
    env = env | {LINGER_ENV: f"{KEPT_LINGER:g}", "PREFECT_HOME": f"{env['PREFECT_HOME']}-kept"}
    done = subprocess.run(warm_up, cwd=REPO, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    if done.returncode not in (0, 1):  # 1: a source failed, which a warm-up may
        raise RuntimeError(f"{' '.join(warm_up)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    keeper = json.loads(Path(env["PREFECT_HOME"], DISCOVERY_FILE).read_text(encoding="utf-8"))["pid"]
    try:
        yield env, [keeper, *(pid for pid, parent in parent_pids().items() if parent == keeper)]
    finally:
        os.kill(keeper, signal.SIGTERM)
        while Path(f"/proc/{keeper}").exists():
            time.sleep(0.2)


def one_off(mode: str, sources: Path, work: Path, env: dict[str, str], sites: dict[str, SiteServer],
            server_pid: int | None, index: int) -> Result:
    """A first `run` into a new warehouse, then a second (nothing new), in one way of reaching Prefect."""
    db = work / f"{mode}-{index}.duckdb"
    if mode == "ephemeral":
        command = [sys.executable, "-c", EPHEMERAL_RUN, str(sources), str(db)]
        env = env | {"PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "true",
                     "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "300"}
    else:
        command = [*UNIONWATCH, "-q", "run", "--sources", str(sources), "--db", str(db)]
    return {"first": timed(command, env, sites, server_pid), "again": timed(command, env, sites, server_pid)}


@contextmanager
def serving(sources: Path, db: Path, env: dict[str, str], log: Path) -> Iterator[tuple[str, int]]:
    """`unionwatch serve` in its own process: its API URL and its Prefect server's pid; Ctrl-C at the end."""
    with log.open("w") as output:
        serve = subprocess.Popen([*UNIONWATCH, "serve", "--sources", str(sources), "--db", str(db), "--port", "0"],
                                 cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=output, text=True)
        try:
            url = ""
            for line in serve.stdout:
                if match := re.search(r"Prefect UI: (\S+)", line):
                    url = match[1] + "/api"
                    break
            if not url:
                raise RuntimeError(f"unionwatch serve exited with {serve.wait()}; see {log}")
            server = next(pid for pid, parent in parent_pids().items() if parent == serve.pid)
            yield url, server
        finally:
            serve.send_signal(signal.SIGINT)
            try:
                serve.wait(120)
            except subprocess.TimeoutExpired:
                serve.kill()
                serve.wait()


def scheduled_runs(api_url: str, env: dict[str, str]) -> list[Result]:
    """Run every served deployment through `serve`'s runner twice: loading the sites, then nothing new."""
    code = f"""
import json, time
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
with get_client(sync_client=True) as client:
    deadline = time.monotonic() + 300
    while not (names := [d.name for d in client.read_deployments() if d.name.startswith("ingest-")]):
        if time.monotonic() > deadline:
            raise SystemExit("no deployments")
        time.sleep(0.5)
out = []
for attempt in ("load", "no-change"):
    for name in sorted(names):
        start = time.perf_counter()
        run = run_deployment(f"scheduled-ingest/{{name}}", timeout={TIMEOUT}, poll_interval=0.2)
        out.append({{"deployment": name, "attempt": attempt, "state": run.state.name,
                    "flow_run_s": (run.end_time - run.start_time).total_seconds(),
                    "requested_to_end_s": time.perf_counter() - start}})
print(json.dumps(out))
"""
    return run_python(["-c", code], env | {"PREFECT_API_URL": api_url})


def backfill_cpu(docs: int, work: Path, env: dict[str, str], repeat: int, kept_env: dict[str, str],
                 kept_pids: list[int]) -> Result:
    """Backfill CPU of unionwatch (with a server started for it, and with a kept one) and of the bare loop
    over the synthetic web of `docs` documents."""
    folder = work / f"synthetic-{docs}"
    folder.mkdir(parents=True, exist_ok=True)
    sources = folder / "sources.toml"
    sites = SyntheticSites(docs, wordpress=False, sources=sources)
    try:
        runs, kept_runs, bare = [], [], []
        for index in range(repeat):
            db, kept_db = folder / f"backfill-{index}.duckdb", folder / f"kept-{index}.duckdb"
            runs.append(timed([*UNIONWATCH, "-q", "backfill", "--sources", str(sources), "--db", str(db)], env))
            kept_runs.append(timed([*UNIONWATCH, "-q", "backfill", "--sources", str(sources), "--db", str(kept_db)],
                                   kept_env, server_pid=kept_pids))
            bare.append(timed([sys.executable, "-m", "benchmarks.baseline", "fetch", "--db", str(db)], env))
    finally:
        sites.close()
    return {"docs": docs, "unionwatch_cpu_s": [r["cpu_s"] for r in runs], "bare_cpu_s": [r["cpu_s"] for r in bare],
            "kept_cpu_s": [r["cpu_s"] for r in kept_runs], "kept_server_cpu_s": [r["server_cpu_s"] for r in kept_runs],
            "unionwatch_wall_s": [r["wall_s"] for r in runs],
            "load": load_average()}


def peak_rss(docs: int, work: Path, env: dict[str, str]) -> Result:
    """Peak RSS of a backfill of `docs` documents, measured as benchmarks.run measures it."""
    folder = work / f"rss-{docs}"
    folder.mkdir(parents=True, exist_ok=True)
    sources, db = folder / "sources.toml", folder / "warehouse.duckdb"
    sites = SyntheticSites(docs, wordpress=True, sources=sources)
    try:
        return run_python(["-m", "benchmarks.run", "--child", "--step", "backfill", "--sources", str(sources),
                           "--db", str(db), "--scratch", str(folder)], env, RESULT_PREFIX)
    finally:
        sites.close()


def median(values: list[float]) -> float:
    """The median of measured values."""
    return statistics.median(values)


def spread(values: list[float]) -> str:
    """Every measured value, for the reader to judge the noise."""
    return ", ".join(f"{value:.2f}" for value in values)


def report(results: Result) -> list[str]:
    """The figures, each next to its target and to the bare loop, as markdown lines."""
    lines = [f"Measured {results['machine']['date']} at {results['machine']['revision']}; load average before / "
             f"after: {results['load_before']} / {results['load_after']}.", "",
             "| one-off `unionwatch run`, five demo sites, new warehouse | CPU-s of the tree (median; each) "
             "| first request (s, median; each) | wall (s, median) | second run, nothing new: CPU-s / wall |",
             "|---|---:|---:|---:|---:|"]
    for mode, label in (("per-run", "a server started for the run (nothing configured, no `serve`)"),
                        ("ephemeral", "Prefect's ephemeral API"),
                        ("kept", "the server an earlier command started, kept by its keeper (incl. its CPU)"),
                        ("announced", "the server `unionwatch serve` started (incl. its CPU)")):
        runs = results["one_off"].get(mode, [])
        if not runs:
            continue
        first = [run["first"] for run in runs]
        again = [run["again"] for run in runs]
        lines.append(f"| {label} | {median([r['cpu_s'] for r in first]):.2f} ({spread([r['cpu_s'] for r in first])})"
                     f" | {median([r['first_request_s'] for r in first]):.2f} "
                     f"({spread([r['first_request_s'] for r in first])}) | {median([r['wall_s'] for r in first]):.1f}"
                     f" | {median([r['cpu_s'] for r in again]):.2f} / {median([r['wall_s'] for r in again]):.1f} |")
    lines += ["", "| target | figure | target | bare requests + lxml |", "|---|---:|---:|---:|"]
    marginal = results.get("marginal")
    if marginal:
        small, large = marginal
        added = large["docs"] - small["docs"]
        uw = (median(large["unionwatch_cpu_s"]) - median(small["unionwatch_cpu_s"])) / added
        bare = (median(large["bare_cpu_s"]) - median(small["bare_cpu_s"])) / added
        fixed = median(small["unionwatch_cpu_s"]) - uw * small["docs"]
        bare_fixed = median(small["bare_cpu_s"]) - bare * small["docs"]
        kept_uw = (median(large["kept_cpu_s"]) - median(small["kept_cpu_s"])) / added
        kept_fixed = median(small["kept_cpu_s"]) - kept_uw * small["docs"]
        lines += [f"| fixed CPU of a one-off backfill, server started for it (intercept at {small['docs']:,} and "
                  f"{large['docs']:,} documents) | {fixed:.1f} s | ≤ {TARGETS['fixed_cpu_s']:.0f} s | "
                  f"{bare_fixed:.2f} s |",
                  f"| the same with the server an earlier command started, kept (incl. its CPU) | {kept_fixed:.1f} s | "
                  f"≤ {TARGETS['fixed_cpu_s']:.0f} s | |",
                  f"| marginal CPU per document | {uw * 1000:.2f} ms | ratio bare/unionwatch "
                  f"{bare / uw:.2f} ≥ {TARGETS['marginal_ratio']} | {bare * 1000:.2f} ms |"]
    for mode in ("per-run", "kept", "announced"):
        runs = results["one_off"].get(mode, [])
        if runs:
            lines.append(f"| wall to first request, one-off run, {mode} server | "
                         f"{median([r['first']['first_request_s'] for r in runs]):.2f} s | "
                         f"≤ {TARGETS['first_request_s']:.0f} s | |")
    scheduled = [run for run in results.get("scheduled", []) if run["attempt"] == "no-change"]
    if scheduled:
        lines.append(f"| no-change scheduled run under `serve`, five demo sites (flow runs: "
                     f"{', '.join(r['deployment'] for r in scheduled)}) | "
                     f"{sum(r['flow_run_s'] for r in scheduled):.2f} s of flow runs "
                     f"({sum(r['requested_to_end_s'] for r in scheduled):.1f} s from request to end) | "
                     f"≤ {TARGETS['scheduled_s']} s | |")
    rss = results.get("rss")
    if rss:
        lines.append(f"| peak RSS, backfill of {rss['documents_seen']:,} documents | {rss['peak_rss_mb']:.0f} MB | "
                     f"≤ {TARGETS['peak_rss_mb']:.0f} MB | |")
    return lines


def measure(args: argparse.Namespace, work: Path, log: Callable[[str], None]) -> Result:
    """Every measurement, in order: one-off start-ups, scheduled runs under serve, marginal CPU, peak RSS."""
    home = work / "prefect"
    env = environment(home)
    results: Result = {"machine": machine(), "load_before": load_average(), "one_off": {}}
    if args.repeat:  # 0: only the backfill measurements below
        with serve_sites(demo_sites()) as sites:
            sources = work / "demo.toml"
            sources.write_text(sources_toml({name: site.url for name, site in sites.items()}), encoding="utf-8")
            log("a first run creates the Prefect database (not counted)...")
            results["first_ever"] = timed([*UNIONWATCH, "-q", "run", "--sources", str(sources), "--db",
                                           str(work / "first.duckdb")], env, sites)
            for index in range(args.repeat):
                for mode in ("per-run", "ephemeral"):
                    log(f"one-off run, {mode}, {index + 1} of {args.repeat}...")
                    results["one_off"].setdefault(mode, []).append(
                        one_off(mode, sources, work, env, sites, None, index))
            warm_up = [*UNIONWATCH, "-q", "run", "--sources", str(sources), "--db", str(work / "kept-first.duckdb")]
            with kept(warm_up, env) as (kept_env, kept_pids):
                for index in range(args.repeat):
                    log(f"one-off run, with the server kept from an earlier command, {index + 1} of {args.repeat}...")
                    results["one_off"].setdefault("kept", []).append(
                        one_off("kept", sources, work, kept_env, sites, kept_pids, index))
            log("unionwatch serve...")
            with serving(sources, work / "served.duckdb", env, work / "serve.log") as (api_url, server_pid):
                for index in range(args.repeat):
                    log(f"one-off run, with serve's server, {index + 1} of {args.repeat}...")
                    results["one_off"].setdefault("announced", []).append(
                        one_off("announced", sources, work, env, sites, server_pid, index))
                log("scheduled runs under serve...")
                results["scheduled"] = scheduled_runs(api_url, env)
    if args.large:
        results["marginal"] = []
        unreachable = work / "unreachable.toml"  # a run that starts the kept server and fetches nothing
        unreachable.write_text('[[sources]]\nid = "nowhere"\nkind = "blogger"\nname = "nowhere"\n'
                               'url = "http://127.0.0.1:9/"\n', encoding="utf-8")
        warm_up = [*UNIONWATCH, "-q", "run", "--sources", str(unreachable), "--db", str(work / "warm-up.duckdb")]
        if not args.repeat:  # no start-up measured above: a first start creates the Prefect database (not counted)
            timed(warm_up, env)
        with kept(warm_up, env) as (kept_env, kept_pids):
            for docs in (args.small, args.large):
                log(f"backfill CPU at {docs:,} documents...")
                results["marginal"].append(backfill_cpu(docs, work, env, max(args.repeat, 1), kept_env,
                                                        kept_pids))
    if args.rss_docs:
        log(f"peak RSS of a {args.rss_docs:,}-document backfill...")
        results["rss"] = peak_rss(args.rss_docs, work, env)
    results["load_after"] = load_average()
    return results


def main(argv: list[str] | None = None) -> int:
    """Measure, print the figures as markdown and keep the raw results as JSON in the work folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each measurement (default 3; 0 skips the start-ups and runs each backfill once)")
    parser.add_argument("--small", type=int, default=134, help="smaller backfill (default 134 documents)")
    parser.add_argument("--large", type=int, default=5134, help="larger backfill (default 5134; 0 skips both)")
    parser.add_argument("--rss-docs", type=int, default=10_000, help="backfill for peak RSS (0 skips it)")
    parser.add_argument("--workdir", type=Path, help="keep warehouses, logs and results.json here")
    args = parser.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="uw-startup-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    def log(message: str) -> None:
        """Progress on stderr."""
        print(f"[{time.perf_counter() - started:6.0f} s, load {load_average()}] {message}", file=sys.stderr,
              flush=True)

    results = measure(args, work.resolve(), log)
    (work / "results.json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    print("\n".join(report(results)))
    log(f"raw results: {work / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
