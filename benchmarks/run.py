"""Runs the unionwatch benchmark on a synthetic union web and writes the figures to benchmarks/RESULTS.md.

    python -m benchmarks.run [--docs 10000] [--sizes 1000,10000] [--growth 50000] [--out benchmarks/RESULTS.md]

For every size in --sizes (and --docs): serve a synthetic corpus on loopback (benchmarks.synthetic, in its
own process), then, each in a fresh process so time and peak memory are its own: backfill with politeness
delay 0 (flows.ingest.ingest, backfill=True), the bare requests + lxml fetch of the same pages, two no-change
scheduled runs (ingest again: the first after the backfill, then the steady state) and a bare conditional-GET
loop replaying the steady state's requests, reparse of the whole archive next to trafilatura on the same
archived pages, and the DuckDB load of the archived batch into a new warehouse. Prefect's start-up (the local
server each process starts, as the CLI does, plus the first empty ingest minus a second) is measured in each
process and kept out of every rate. Sizes in --growth
get the backfill only (time and memory growth). The GX gate and alert latency figures come from
benchmarks.gx_validate and benchmarks.latency (written separately) when they exist.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata, util
from pathlib import Path
from typing import Any

from flows.prefect_server import LINGER_ENV  # imports no Prefect: the environment is still configured first

RESULT_PREFIX = "BENCHMARK-RESULT "
REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = Path(__file__).with_name("RESULTS.md")
NOTES_MARKER = "<!-- Everything below this line is kept when benchmarks.run rewrites the file. -->"
CHILD_TIMEOUT = 3 * 3600  # seconds; a 50,000-document step takes minutes, never hours
PACKAGES = ("prefect", "duckdb", "great-expectations", "requests", "beautifulsoup4", "lxml", "feedparser",
            "pandas", "trafilatura")
TARGETS = {"backfill_ratio": 0.6, "nochange_ratio": 1.5, "reparse_ratio": 2.0, "peak_rss_mb": 400.0}
HAS_TRAFILATURA = util.find_spec("trafilatura") is not None  # not a dependency of unionwatch: pip install it
RSS_TARGET_DOCS = 10_000
STEPS = ("startup", "backfill", "nochange", "reparse", "load")
GX_LINE = re.compile(r"gate on ([\d,]+) rows, clean .*?best ([\d.]+) s")
LATENCY_LINE = re.compile(r"median ([\d.]+) s, max ([\d.]+) s over (\d+) samples")
Result = dict[str, Any]


# Child side: one measurement per process.

def cpu_seconds() -> float:
    """User plus system CPU time so far of this process and its ended children (reparse's parse workers)."""
    own, ended = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + ended.ru_utime + ended.ru_stime


def status_mb(pid: int | str, field: str) -> float:
    """One memory line (VmRSS, VmHWM) of /proc/PID/status in MB; 0 when the process is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(match[1]) / 1024 if match else 0.0


def parent_pids() -> dict[int, int]:
    """Every live process's parent, from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return parents


def _children_peak_mb() -> float:
    """Peak RSS of this process's live children (the local Prefect server)."""
    me = os.getpid()
    return sum(status_mb(pid, "VmHWM") for pid, parent in parent_pids().items() if parent == me)


def _prefect_startup(scratch: Path, server_s: float) -> Result:
    """Seconds of the first and of a second empty ingest in this process; Prefect's start-up is the local
    server's (`server_s`, as `unionwatch run` starts it) plus their difference."""
    from flows.ingest import ingest

    timings = []
    for attempt in (1, 2):
        start = time.perf_counter()
        ingest([], str(scratch / f"empty-{attempt}.duckdb"), command="benchmark")
        timings.append(time.perf_counter() - start)
    return {"server_start_s": server_s, "first_empty_flow_s": timings[0], "empty_flow_s": timings[1],
            "prefect_startup_s": server_s + max(0.0, timings[0] - timings[1])}


def _run_counts(db: str, run_id: str) -> Result:
    """What the warehouse recorded for one run, summed over its sources."""
    from warehouse.db import connect

    with connect(db, read_only=True) as con:
        requests, not_modified, seen, new, changed, failures = con.execute(
            """SELECT sum(requests), sum(not_modified), sum(documents_seen), sum(documents_new),
                      sum(documents_changed), sum(failures) FROM source_runs WHERE run_id = ?""", [run_id]).fetchone()
        documents, flagged = con.execute(
            "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM flagged_documents)").fetchone()
        # A page parsed in this run is archived with this run's fetch time; 304 answers are not archived.
        parsed = con.execute(
            """SELECT count(*) FROM responses WHERE status = 200
               AND last_fetched_at >= (SELECT started_at FROM runs WHERE run_id = ?)""", [run_id]).fetchone()[0]
    return {"requests": requests or 0, "not_modified": not_modified or 0, "documents_seen": seen or 0,
            "documents_new": new or 0, "documents_changed": changed or 0, "failures": failures or 0,
            "warehouse_documents": documents, "warehouse_flagged": flagged, "pages_archived": parsed}


def _reparse_parts(sources: list, db: str) -> Result:
    """The reparse work without Prefect or loading: reading the archive, parsing, refining, each timed."""
    from extractors.registry import reparse_archive
    from transforms.classify import load_rules
    from transforms.pipeline import refine
    from warehouse.archive import archived_responses

    rules = load_rules(None)
    parts = {"read_archive_s": 0.0, "parse_s": 0.0, "refine_s": 0.0, "documents": 0}
    for source in sources:
        start = time.perf_counter()
        raw = list(archived_responses(db, source.id))
        parsed_at = time.perf_counter()
        extraction = reparse_archive(source, raw)
        refined_at = time.perf_counter()
        refine(extraction.documents, rules)
        parts["read_archive_s"] += parsed_at - start
        parts["parse_s"] += refined_at - parsed_at
        parts["refine_s"] += time.perf_counter() - refined_at
        parts["documents"] += len(extraction.documents)
    return parts


def measure_flow(step: str, sources_path: str, db: str, scratch: Path, server_s: float) -> Result:
    """Time one flow (backfill, nochange or reparse) after measuring Prefect's start-up in this process."""
    from config.sources import load_sources
    from flows.ingest import ingest, reparse

    sources = load_sources(sources_path)
    result = _prefect_startup(scratch, server_s)
    result["rss_before_mb"] = status_mb("self", "VmRSS")
    cpu, start = cpu_seconds(), time.perf_counter()
    if step == "backfill":
        summary = ingest(sources, db, command="backfill", backfill=True)
    elif step == "nochange":
        summary = ingest(sources, db, command="run")
    else:
        summary = reparse(sources, db)
    result.update(wall_s=time.perf_counter() - start, cpu_s=cpu_seconds() - cpu, ok=summary.ok,
                  errors=[o.error for o in summary.outcomes if o.error])
    result["peak_rss_mb"] = status_mb("self", "VmHWM")
    result["prefect_server_peak_rss_mb"] = _children_peak_mb()
    result.update(_run_counts(db, summary.run_id))
    if step == "reparse":
        result["parts"] = _reparse_parts(sources, db)
    return result


def measure_load(sources_path: str, db: str, into: Path) -> Result:
    """DuckDB load of the whole archived batch into new warehouses: with its raw archive, and documents only."""
    from config.sources import load_sources
    from extractors.registry import reparse_archive
    from transforms.classify import load_rules, rules_fingerprint
    from transforms.pipeline import refine
    from warehouse.archive import archived_responses
    from warehouse.load import load_source, start_run

    sources = load_sources(sources_path)
    rules = load_rules(None)
    batches = []
    for source in sources:
        raw = list(archived_responses(db, source.id))
        extraction = reparse_archive(source, raw)
        extraction.raw = raw
        batches.append((extraction, refine(extraction.documents, rules)))
    result: Result = {"documents": sum(len(refined) for _, refined in batches),
                      "responses": sum(len(extraction.raw) for extraction, _ in batches)}
    for label in ("with_archive", "documents_only"):
        target = str(into / f"{label}.duckdb")
        run_id = start_run(target, "benchmark-load", sources)
        start = time.perf_counter()
        for extraction, refined in batches:
            if label == "documents_only":
                extraction.raw = []
            load_source(target, run_id, extraction, refined, rules_fingerprint(rules))
        result[f"{label}_s"] = time.perf_counter() - start
    result["peak_rss_mb"] = status_mb("self", "VmHWM")
    return result


def child_main(args: argparse.Namespace) -> int:
    """Entry point of a measurement process: configure the environment, measure, print one JSON line."""
    from flows import environment

    environment.configure()  # PREFECT_HOME comes from the parent, so every child shares one Prefect database
    from flows.prefect_server import prefect_api

    scratch = Path(tempfile.mkdtemp(prefix="uw-bench-", dir=args.scratch))
    if args.step == "load":
        result = measure_load(args.sources, args.db, scratch)
    else:
        start = time.perf_counter()
        with prefect_api():  # as the `unionwatch` commands run their flows
            server_s = time.perf_counter() - start
            result = (_prefect_startup(scratch, server_s) if args.step == "startup" else
                      measure_flow(args.step, args.sources, args.db, scratch, server_s))
    print(RESULT_PREFIX + json.dumps(result, default=str), flush=True)
    return 0


# Parent side: sites, processes, figures.

class SyntheticSites:
    """The synthetic corpus served by `python -m benchmarks.synthetic` in its own process."""

    def __init__(self, docs: int, wordpress: bool, sources: Path) -> None:
        command = [sys.executable, "-m", "benchmarks.synthetic", "--control", "--docs", str(docs),
                   "--sources", str(sources)]
        self.process = subprocess.Popen(command + (["--wordpress"] if wordpress else []), cwd=REPO, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.info = json.loads(self._line())

    def _line(self) -> str:
        """The next line the site process prints."""
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"synthetic sites exited with {self.process.wait()}")
        return line

    def ask(self, command: str) -> Result:
        """Send `stats` or `reset`; the JSON answer."""
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return json.loads(self._line())

    def close(self) -> None:
        """Stop serving (closing stdin ends the process)."""
        self.process.stdin.close()
        self.process.wait(timeout=60)


def run_python(args: list[str], env: dict[str, str], marker: str | None = None) -> Result:
    """Run `python ARGS` from the repository root; its JSON result (the line after `marker`, or the last line)."""
    completed = subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True,
                               timeout=CHILD_TIMEOUT, check=False)
    lines = [line.removeprefix(marker or "") for line in completed.stdout.splitlines()
             if marker is None or line.startswith(marker)]
    if completed.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(args)} failed ({completed.returncode}):\n{completed.stderr[-3000:]}")
    return json.loads(lines[-1])


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _without_urls(stats: Result) -> Result:
    """Server statistics without the request list."""
    return {key: value for key, value in stats.items() if key != "urls"}


def measure_size(docs: int, work: Path, env: dict[str, str], wordpress: bool, log: Callable[[str], None], *,
                 full: bool) -> Result:
    """Every measurement at one corpus size, or only the backfill unless `full`."""
    folder = work / f"docs-{docs}"
    folder.mkdir(parents=True, exist_ok=True)
    db, sources = folder / "warehouse.duckdb", folder / "sources.toml"
    step = ["-m", "benchmarks.run", "--child", "--sources", str(sources), "--db", str(db), "--scratch", str(folder)]
    result: Result = {"docs": docs, "full": full, "load_before": load_average()}
    log(f"[{docs:,}] building and serving the synthetic corpus...")
    sites = SyntheticSites(docs, wordpress, sources)
    try:
        result["sites"] = sites.info
        log(f"[{docs:,}] backfill...")
        result["backfill"] = run_python([*step, "--step", "backfill"], env, RESULT_PREFIX)
        result["backfill"]["server"] = _without_urls(sites.ask("stats"))
        if full:
            log(f"[{docs:,}] baseline fetch (requests + lxml)...")
            result["baseline"] = run_python(["-m", "benchmarks.baseline", "fetch", "--db", str(db)], env)
            for name in ("nochange_first", "nochange"):  # the first run after a backfill, then the steady state
                sites.ask("reset")
                log(f"[{docs:,}] no-change run ({name})...")
                result[name] = run_python([*step, "--step", "nochange"], env, RESULT_PREFIX)
                served = sites.ask("stats")
                result[name]["server"] = _without_urls(served)
            urls = folder / "nochange-urls.txt"
            urls.write_text("\n".join(served["urls"]) + "\n", encoding="utf-8")
            log(f"[{docs:,}] bare conditional-GET loop...")
            result["conditional"] = run_python(["-m", "benchmarks.baseline", "conditional", "--db", str(db),
                                                "--urls", str(urls)], env)
    finally:
        sites.close()
    if not full:
        result["load_after"] = load_average()
        return result
    log(f"[{docs:,}] reparse...")
    result["reparse"] = run_python([*step, "--step", "reparse"], env, RESULT_PREFIX)
    source_args = [arg for site in result["sites"]["sites"] for arg in ("--source", f"bench-{site['name']}")]
    for mode, flags in (("trafilatura", []), ("trafilatura_fast", ["--fast"])) if HAS_TRAFILATURA else ():
        log(f"[{docs:,}] {mode}...")
        result[mode] = run_python(["-m", "benchmarks.baseline", "trafilatura", "--db", str(db), *source_args,
                                   *flags], env)
    log(f"[{docs:,}] DuckDB load...")
    result["load"] = run_python([*step, "--step", "load"], env, RESULT_PREFIX)
    result["load_after"] = load_average()
    return result


def _companion(module: str, args: list[str], env: dict[str, str]) -> Result:
    """Run benchmarks.MODULE (written separately) when it exists: its output lines, or why there are none."""
    if not Path(__file__).with_name(f"{module}.py").exists():
        return {"pending": f"benchmarks/{module}.py is not written yet"}
    completed = subprocess.run([sys.executable, "-m", f"benchmarks.{module}", *args], cwd=REPO, env=env,
                               capture_output=True, text=True, timeout=CHILD_TIMEOUT, check=False)
    output = completed.stdout.strip().splitlines()
    if completed.returncode != 0:
        return {"pending": f"benchmarks.{module} failed ({completed.returncode}): "
                           f"{(completed.stderr.strip().splitlines() or ['no message'])[-1]}", "output": output}
    return {"output": output}


def measure_gx(env: dict[str, str]) -> Result:
    """The GX gate on a 10,000-row batch, from benchmarks.gx_validate."""
    result = _companion("gx_validate", ["--rows", "10000"], env)
    match = GX_LINE.search("\n".join(result.get("output", [])))
    if match and "pending" not in result:
        result["per_10k_s"] = float(match[2]) * 10_000 / int(match[1].replace(",", ""))
    return result


def measure_latency(env: dict[str, str], samples: int) -> Result:
    """Post-to-webhook latency under `unionwatch serve`, from benchmarks.latency."""
    result = _companion("latency", ["--samples", str(samples)], env)
    match = LATENCY_LINE.search("\n".join(result.get("output", [])))
    if match and "pending" not in result:
        result.update(median_s=float(match[1]), max_s=float(match[2]), samples=int(match[3]))
    return result


def revision() -> str:
    """The last commit of the code measured (outside benchmarks/), and whether that code had local changes."""
    def git(*args: str) -> str:
        """Output of one git command in the repository, '' when git is unavailable."""
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False).stdout
        except OSError:
            return ""

    outside = ("--", ".", ":(exclude)benchmarks")
    commit = git("log", "-1", "--format=%h", *outside).strip() or "unknown"
    changed = [line for line in git("status", "--porcelain", "--untracked-files=no", *outside).splitlines() if line]
    return commit + (f" plus uncommitted changes in {len(changed)} files" if changed else "")


def machine() -> Result:
    """What the figures were measured on."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    memory = re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.MULTILINE)
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return {"uname": " ".join(platform.uname()), "cpu": model[1].strip() if model else platform.processor(),
            "cores": os.cpu_count(), "ram_gb": int(memory[1]) / 1024**2 if memory else None,
            "python": platform.python_version(), "packages": versions, "revision": revision(),
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


def figures(size: Result) -> Result:
    """The headline numbers of one fully measured size, derived from its raw measurements."""
    backfill, baseline, conditional = size["backfill"], size["baseline"], size["conditional"]
    first, steady = size["nochange_first"], size["nochange"]
    reparse, load = size["reparse"], size["load"]
    trafilatura, fast = size.get("trafilatura"), size.get("trafilatura_fast")
    docs = backfill["documents_seen"]
    out = {
        "docs": docs,
        "backfill_rate": docs / backfill["wall_s"],
        "backfill_cpu_rate": docs / backfill["cpu_s"],
        "baseline_rate": baseline["documents"] / baseline["wall_s"],
        "baseline_cpu_rate": baseline["documents"] / baseline["cpu_s"],
        "prefect_startup_s": backfill["prefect_startup_s"],
        "nochange_first_s": first["wall_s"],
        "nochange_first_parsed": first["pages_archived"],
        "nochange_s": steady["wall_s"],
        "nochange_requests": steady["requests"],
        "nochange_not_modified": steady["not_modified"],
        "nochange_parsed": steady["pages_archived"],
        "nochange_documents": steady["documents_seen"],
        "empty_flow_s": steady["empty_flow_s"],
        "nochange_net_s": steady["wall_s"] - steady["empty_flow_s"],
        "conditional_s": conditional["wall_s"],
        "conditional_requests": conditional["requests"],
        "reparse_rate": reparse["documents_seen"] / reparse["wall_s"],
        "reparse_cpu_s": reparse["cpu_s"],
        "reparse_parse_rate": reparse["parts"]["documents"] / reparse["parts"]["parse_s"],
        "reparse_refine_rate": reparse["parts"]["documents"] / reparse["parts"]["refine_s"],
        "trafilatura_rate": trafilatura["documents"] / trafilatura["wall_s"] if trafilatura else math.nan,
        "trafilatura_fast_rate": fast["documents"] / fast["wall_s"] if fast else math.nan,
        "peak_rss_mb": backfill["peak_rss_mb"],
        "load_per_10k_s": load["with_archive_s"] * 10_000 / load["documents"],
        "load_docs_only_per_10k_s": load["documents_only_s"] * 10_000 / load["documents"],
    }
    out["backfill_ratio"] = out["backfill_rate"] / out["baseline_rate"]
    out["nochange_ratio"] = out["nochange_s"] / out["conditional_s"]
    out["nochange_net_ratio"] = out["nochange_net_s"] / out["conditional_s"]
    out["reparse_ratio"] = out["reparse_rate"] / out["trafilatura_rate"]
    return out


def verdict(met: bool) -> str:
    """A table cell for a target."""
    return "met" if met else "**missed**"


def _figures_table(figs: dict[int, Result], headline: int, gx: Result, latency: Result) -> list[str]:
    """The main table: one column per fully measured size, targets judged at `headline`."""
    order = sorted(figs)
    head = figs.get(headline, figs[order[-1]])
    rss_at = figs.get(RSS_TARGET_DOCS, head)

    def row(label: str, key: str, fmt: str, target: str = "", met: bool | None = None) -> str:
        """One table row across the sizes."""
        cells = " | ".join(format(figs[n][key], fmt) for n in order)
        return f"| {label} | {cells} | {target} | {'' if met is None else verdict(met)} |"

    def single(label: str, text: str) -> str:
        """A row with one value for all sizes."""
        return f"| {label} | {text} |" + " |" * (len(order) - 1) + " | |"

    gx_text = f"{gx['per_10k_s']:.2f} s" if "per_10k_s" in gx else f"pending: {gx.get('pending')}"
    latency_text = (f"median {latency['median_s']:.0f} s, max {latency['max_s']:.0f} s ({latency['samples']} posts)"
                    if "median_s" in latency else f"pending: {latency.get('pending', 'needs `unionwatch serve`')}")
    return [
        f"| measurement | {' | '.join(f'{n:,} docs' for n in order)} | target | at {headline:,} |",
        "|---|" + "---:|" * len(order) + "---|---|",
        row("documents backfilled", "docs", ","),
        row("backfill, unionwatch, delay 0 (documents/s)", "backfill_rate", ".0f"),
        row("backfill, bare requests + lxml, 8 threads (documents/s)", "baseline_rate", ".0f"),
        row("backfill ratio unionwatch / bare", "backfill_ratio", ".2f", "≥ 0.6",
            head["backfill_ratio"] >= TARGETS["backfill_ratio"]),
        row("backfill documents per CPU-second, unionwatch", "backfill_cpu_rate", ".0f"),
        row("backfill documents per CPU-second, bare", "baseline_cpu_rate", ".0f"),
        row("Prefect start-up in each process (s; in no rate or time here)", "prefect_startup_s", ".1f"),
        row("first no-change run after the backfill (s)", "nochange_first_s", ".2f"),
        row("first no-change run, pages answered 200 and parsed", "nochange_first_parsed", "d"),
        row("no-change run, steady state (s)", "nochange_s", ".2f"),
        row("no-change run, requests", "nochange_requests", "d"),
        row("no-change run, answered 304", "nochange_not_modified", "d"),
        row("no-change run, pages answered 200 and parsed", "nochange_parsed", "d", "0",
            head["nochange_parsed"] == 0 and head["nochange_documents"] == 0),
        row("bare conditional-GET loop, same requests (s)", "conditional_s", ".3f"),
        row("no-change ratio unionwatch / bare, whole flow", "nochange_ratio", ".0f"),
        row("an empty ingest flow in the same process (s): Prefect's cost of any run", "empty_flow_s", ".2f"),
        row("no-change run beyond an empty flow (s)", "nochange_net_s", ".3f"),
        row("no-change ratio unionwatch beyond an empty flow / bare", "nochange_net_ratio", ".1f",
            "≤ 1.5 (+ start-up)", head["nochange_net_ratio"] <= TARGETS["nochange_ratio"]),
        row("reparse, unionwatch flow (documents/s)", "reparse_rate", ".0f"),
        row("reparse, CPU of the flow and its parse workers (s)", "reparse_cpu_s", ".1f"),
        row("reparse: parsing alone, one process (documents/s)", "reparse_parse_rate", ".0f"),
        row("reparse: refine (clean + classify) alone (documents/s)", "reparse_refine_rate", ".0f"),
        row("trafilatura.extract, same pages (documents/s)", "trafilatura_rate", ".0f"),
        row("trafilatura.extract fast=True (documents/s)", "trafilatura_fast_rate", ".0f"),
        row("reparse ratio unionwatch flow / trafilatura (nan: trafilatura not installed)", "reparse_ratio", ".2f",
            "≥ 2", None if math.isnan(head["reparse_ratio"]) else head["reparse_ratio"] >= TARGETS["reparse_ratio"]),
        row("backfill peak RSS (MB)", "peak_rss_mb", ".0f", f"≤ 400 at {RSS_TARGET_DOCS:,}",
            rss_at["peak_rss_mb"] <= TARGETS["peak_rss_mb"]),
        row("DuckDB load per 10,000 documents, with raw archive (s)", "load_per_10k_s", ".2f"),
        row("DuckDB load per 10,000 documents, documents only (s)", "load_docs_only_per_10k_s", ".2f"),
        single("GX validation per 10,000 rows", gx_text),
        single("post on site → alert at a local webhook, `serve` with a 1-minute schedule", latency_text),
    ]


def render(sizes: list[Result], headline: int, companions: dict[str, Result], first: Result, host: Result,
           command: str, notes: str) -> str:
    """RESULTS.md: machine, figures per size, targets at the headline size, growth; hand-written notes kept."""
    figs = {size["docs"]: figures(size) for size in sizes if size["full"]}
    lines = [
        "# unionwatch benchmark results", "",
        f"Measured {host['date']} with `{command}` (method and how to reproduce: benchmarks/README.md).", "",
        "## Machine", "",
        f"- `{host['uname']}`",
        f"- CPU: {host['cpu']}, {host['cores']} cores; RAM {host['ram_gb']:.1f} GiB",
        f"- Python {host['python']}; " + ", ".join(f"{k} {v}" for k, v in host["packages"].items()),
        f"- unionwatch code (outside benchmarks/) at commit {host['revision']}",
        "- Load average (1/5/15 min) before / after each size: " + "; ".join(
            f"{s['docs']:,}: {s['load_before']} / {s['load_after']}" for s in sizes),
        f"- Prefect's first start with a new PREFECT_HOME (creates its database, once per machine): "
        f"{first['server_start_s'] + first['first_empty_flow_s']:.1f} s",
        "",
        f"## Figures (targets judged at {headline:,} documents)", "",
        *_figures_table(figs, headline, companions["gx"], companions["latency"]),
        "",
        "## Growth of the backfill", "",
        "| documents | wall (s) | CPU (s) | documents/s | peak RSS (MB) | RSS before the flow (MB) | "
        "Prefect server peak RSS (MB) | requests |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        backfill = size["backfill"]
        lines.append(f"| {size['docs']:,} | {backfill['wall_s']:.1f} | {backfill['cpu_s']:.1f} | "
                     f"{backfill['documents_seen'] / backfill['wall_s']:.0f} | {backfill['peak_rss_mb']:.0f} | "
                     f"{backfill['rss_before_mb']:.0f} | {backfill['prefect_server_peak_rss_mb']:.0f} | "
                     f"{backfill['requests']:,} |")
    lines += ["", "## Correctness of each backfill", "",
              "| documents | expected documents | in warehouse | expected flagged | flagged | failures | "
              "server cache misses |", "|---:|---:|---:|---:|---:|---:|---:|"]
    for size in sizes:
        expected, backfill = size["sites"]["expected"], size["backfill"]
        lines.append(f"| {size['docs']:,} | {expected['documents']:,} | {backfill['warehouse_documents']:,} | "
                     f"{expected['flagged']:,} | {backfill['warehouse_flagged']:,} | {backfill['failures']} | "
                     f"{backfill['server']['misses']} |")
    for name, title in (("gx", "GX gate (benchmarks.gx_validate)"), ("latency", "Alert latency (benchmarks.latency)")):
        if companions[name].get("output"):
            lines += ["", f"## {title}", "", "```", *companions[name]["output"], "```"]
    raw = [{key: value for key, value in size.items() if key != "sites"} | {"expected": size["sites"]["expected"]}
           for size in sizes]
    lines += ["", "## Raw measurements", "", "<details><summary>JSON per size</summary>", "", "```json",
              json.dumps(raw, indent=1, default=str), "```", "", "</details>", "", NOTES_MARKER]
    return "\n".join(lines) + "\n" + notes


def _sizes(text: str) -> list[int]:
    """Comma-separated document counts."""
    return [int(part) for part in text.split(",") if part.strip()]


def parent_main(args: argparse.Namespace) -> int:
    """Measure every size, print the table, write RESULTS.md."""
    from extractors.registry import EXTRACTORS

    full = sorted({*_sizes(args.sizes), args.docs})
    growth = sorted(set(_sizes(args.growth)) - set(full))
    wordpress = "wordpress" in EXTRACTORS and not args.no_wordpress
    if args.workdir:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="uw-benchmark-", dir=args.workdir))
    env = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(work / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1",
               GX_ANALYTICS_ENABLED="false", PREFECT_LOGGING_LEVEL="WARNING")
    env[LINGER_ENV] = "0"  # each measuring process starts and stops its own server: its start-up is measured

    def log(message: str) -> None:
        """Progress on stderr."""
        print(f"{datetime.now():%H:%M:%S} {message}", file=sys.stderr, flush=True)

    log(f"working in {work}; WordPress sites {'included' if wordpress else 'not included'}")
    start, measured = time.perf_counter(), revision()
    log("Prefect start-up with a new PREFECT_HOME (creates its database)...")
    first = run_python(["-m", "benchmarks.run", "--child", "--step", "startup", "--scratch", str(work)], env,
                       RESULT_PREFIX)
    results = sorted([measure_size(docs, work, env, wordpress, log, full=True) for docs in full]
                     + [measure_size(docs, work, env, wordpress, log, full=False) for docs in growth],
                     key=lambda size: size["docs"])
    (work / "results.json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    log("GX gate...")
    companions = {"gx": measure_gx(env), "latency": {"pending": "skipped (--latency-samples 0)"}}
    if args.latency_samples:
        log("alert latency under `unionwatch serve` (a minute or more per post)...")
        companions["latency"] = measure_latency(env, args.latency_samples)
    out = Path(args.out)
    previous = out.read_text(encoding="utf-8") if out.exists() else ""
    notes = previous.split(NOTES_MARKER, 1)[1].lstrip("\n") if NOTES_MARKER in previous else ""
    command = " ".join(["python -m benchmarks.run", *sys.argv[1:]])
    host = machine()
    if host["revision"] != measured:  # other work landed while this ran: say so next to the figures
        host["revision"] = f"{measured} at the start, {host['revision']} at the end"
    text = render(results, args.docs, companions, first, host, command, notes)
    out.write_text(text, encoding="utf-8")
    print(text.split("## Correctness")[0])
    log(f"done in {time.perf_counter() - start:.0f} s; wrote {out}; warehouses and results.json in {work}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse arguments; run the whole benchmark, or one measurement when called as a child."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000, help="size the targets are judged at (default 10000)")
    parser.add_argument("--sizes", default="1000,10000", help="sizes given every measurement (default 1000,10000)")
    parser.add_argument("--growth", default="50000", help="extra sizes given the backfill only (default 50000)")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="results file (default benchmarks/RESULTS.md)")
    parser.add_argument("--latency-samples", type=int, default=3, help="posts timed under `serve` (0 skips)")
    parser.add_argument("--no-wordpress", action="store_true", help="leave WordPress sites out even if supported")
    parser.add_argument("--workdir", help="where warehouses and logs go (default: a new temporary folder)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--sources", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--scratch", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    return child_main(args) if args.child else parent_main(args)


if __name__ == "__main__":
    sys.exit(main())
