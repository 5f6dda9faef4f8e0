"""The Prefect API for a run: the configured one, else an announced one (`serve`'s, or one an earlier command
started and its keeper keeps), else a local server started, used and stopped or kept for the next commands."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from conftest import alive

from flows.prefect_server import LINGER_ENV, announced, announced_server, discovery_file, local_server, prefect_api

REPO = Path(__file__).parent.parent

# One run as the CLI makes it, with no Prefect API configured.
RUN_WITHOUT_API = """
import sys
from flows import environment
environment.configure()
from flows.ingest import ingest
from flows.prefect_server import prefect_api
with prefect_api() as url:
    summary = ingest([], sys.argv[1])
print(url, summary.ok, "prefect.server.api.server" in sys.modules, flush=True)
"""

# A run as above that first waits inside the block (longer than a kept server lingers), then says the pids
# of the processes it started.
SLOW_RUN_WITHOUT_API = """
import sys, time
from flows import environment
environment.configure()
from flows.ingest import ingest
from flows.prefect_server import prefect_api
with prefect_api() as url:
    time.sleep(float(sys.argv[2]))
    summary = ingest([], sys.argv[1])
print(url, summary.ok, flush=True)
"""

# A process that starts a local server, says the server's pid, and waits to be killed.
KILLED_HOLDER = """
import os, threading, time
from flows.prefect_server import local_server
with local_server(ui=False, services=False):
    tid = threading.get_native_id()
    print(open(f"/proc/{os.getpid()}/task/{tid}/children").read().split()[0], flush=True)
    time.sleep(120)
"""


def _environment(linger: float = 0) -> dict[str, str]:
    """This session's environment without any Prefect API, as on a machine with nothing configured; a server
    a command starts is kept `linger` seconds for the next command."""
    return {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"} | {
        LINGER_ENV: f"{linger:g}"}


def _run(db: Path, linger: float, wait: float = 0.0) -> tuple[str, str]:
    """A run with no API configured, waiting `wait` s once it has one: its API URL and whether it succeeded."""
    done = subprocess.run([sys.executable, "-c", SLOW_RUN_WITHOUT_API, str(db), str(wait)], cwd=REPO,
                          env=_environment(linger), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    url, ok = done.stdout.split()
    return url, ok


def _gone(pid: int, seconds: float) -> bool:
    """Wait up to `seconds` for a process to end; True when it has."""
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    return not alive(pid)


@pytest.fixture
def announcement() -> Iterator[Path]:
    """The session's discovery file, removed after the test."""
    path = discovery_file()
    yield path
    path.unlink(missing_ok=True)


def _flow_runs(api_url: str) -> int:
    """How many flow runs the server at `api_url` holds."""
    return requests.post(f"{api_url}/flow_runs/count", json={}, timeout=30).json()


def _dead_pid() -> int:
    """The id of a process that has ended."""
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    return ended.pid


def test_a_run_without_an_api_starts_its_own_server_and_stops_it(tmp_path: Path, announcement: Path) -> None:
    # What a killed `serve` leaves behind: an announcement of a process and a server that are gone.
    stale = "http://127.0.0.1:9/api"
    announcement.write_text(json.dumps({"api_url": stale, "pid": _dead_pid()}), encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", RUN_WITHOUT_API, str(tmp_path / "w.duckdb")], cwd=REPO,
                          env=_environment(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    url, ok, server_imported = done.stdout.split()
    assert url.startswith("http://127.0.0.1:") and url != stale and ok == "True"
    assert server_imported == "False"  # Prefect's ephemeral API would have imported its server here
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/health", timeout=5)


@pytest.mark.usefixtures("prefect_server")
def test_a_configured_api_is_used_as_it_is() -> None:
    from prefect.settings import get_current_settings

    with prefect_api() as url:
        assert url == str(get_current_settings().api.url)


def test_the_server_exits_when_its_starter_is_killed(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", KILLED_HOLDER], cwd=REPO, env=_environment(),
                              stdout=subprocess.PIPE, text=True)
    server = int(holder.stdout.readline())
    assert alive(server)
    holder.kill()  # as SIGKILL or the OOM killer would: no clean-up runs in the starter
    holder.wait()
    deadline = time.monotonic() + 20
    while alive(server) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(server)


def test_a_run_uses_the_server_serve_announced_and_leaves_it_running(tmp_path: Path, announcement: Path) -> None:
    with local_server(ui=False, services=False, log_path=str(tmp_path / "server.log")) as api_url, \
            announced(api_url):
        assert json.loads(announcement.read_text())["api_url"] == api_url
        before = _flow_runs(api_url)
        done = subprocess.run([sys.executable, "-c", RUN_WITHOUT_API, str(tmp_path / "w.duckdb")], cwd=REPO,
                              env=_environment(), capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        url, ok, _ = done.stdout.split()
        assert url == api_url and ok == "True"
        assert requests.get(f"{api_url}/health", timeout=5).json() is True  # still serving
        assert _flow_runs(api_url) == before + 1  # the run shows in that server's UI
    assert not announcement.exists()  # withdrawn when the server stops


def test_an_announcement_is_used_only_for_a_live_process_and_a_healthy_loopback_server(announcement: Path) -> None:
    with local_server(ui=False, services=False) as api_url:
        cases = {
            "not json": None,
            json.dumps({"api_url": api_url, "pid": _dead_pid()}): None,  # its serve was killed
            json.dumps({"api_url": "http://127.0.0.1:9/api", "pid": os.getpid()}): None,  # nothing listens
            json.dumps({"api_url": api_url.replace("127.0.0.1", "localhost"), "pid": os.getpid()}): None,
            json.dumps({"api_url": api_url, "pid": os.getpid()}): api_url,
        }
        for text, expected in cases.items():
            announcement.write_text(text, encoding="utf-8")
            assert announced_server() == expected, text


def test_a_server_a_run_started_is_kept_announced_and_used_by_the_next_run(tmp_path: Path, announcement: Path) -> None:
    first, ok = _run(tmp_path / "w.duckdb", linger=120)
    assert ok == "True"
    kept = json.loads(announcement.read_text())
    try:
        assert kept["api_url"] == first and kept["linger"] == 120 and alive(kept["pid"])
        assert requests.get(f"{first}/health", timeout=5).json() is True  # still serving after the command
        before = _flow_runs(first)
        second, ok = _run(tmp_path / "w.duckdb", linger=120)
        assert second == first and ok == "True"
        assert _flow_runs(first) == before + 1  # the second run shows on the same server
    finally:
        os.kill(kept["pid"], signal.SIGTERM)  # as a shutdown would: the keeper stops its server
    assert _gone(kept["pid"], 30) and not announcement.exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{first}/health", timeout=5)


def test_a_kept_server_stays_while_a_command_uses_it_then_stops_when_idle(tmp_path: Path,
                                                                            announcement: Path) -> None:
    url, ok = _run(tmp_path / "w.duckdb", linger=1, wait=4)  # the run outlasts the linger: its lease holds
    assert ok == "True"
    keeper = json.loads(announcement.read_text())["pid"] if announcement.exists() else None
    assert keeper is None or _gone(keeper, 30)
    assert not announcement.exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/health", timeout=5)


def test_a_bad_linger_setting_stops_the_command_with_a_clear_error(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "flows.cli", "-q", "run", "--sources", str(REPO / "sources.toml"),
                           "--db", str(tmp_path / "w.duckdb")], cwd=REPO,
                          env=_environment() | {LINGER_ENV: "ten minutes"}, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 2
    assert f"{LINGER_ENV}='ten minutes' is not a number of seconds" in done.stderr
    assert not (tmp_path / "w.duckdb").exists()  # stopped before anything was fetched or written
