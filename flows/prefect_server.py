"""A local Prefect server when no Prefect API is configured: reuse `serve`'s, or start, wait until healthy, stop.

`serve` announces the server it starts in a discovery file in the Prefect home; one-off commands use that
server when the file names a live process and the server answers, so their runs show in `serve`'s UI.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

STARTUP_TIMEOUT = 180.0  # a first start runs the server's database migrations (~15 s on this kind of machine)
STOP_TIMEOUT = 15.0
DISCOVERY_FILE = "unionwatch-server.json"  # in the Prefect home, while `serve`'s server runs
REUSE_TIMEOUT = 2.0  # seconds an announced server has to answer before a command starts its own
WORKER_TERM_GRACE = 2.0  # seconds after each SIGTERM to a `prefect worker` process
# On Linux the server is started through this one-liner, which asks the kernel to send it SIGTERM when
# unionwatch's starting thread ends (even by SIGKILL), then becomes `python -m prefect …`. Without it a
# killed run left its server running. (subprocess's preexec_fn could do the same, but is unsafe with threads.)
DIE_WITH_PARENT = ("import ctypes, os, signal, sys; ctypes.CDLL(None).prctl(1, signal.SIGTERM); "  # 1: PR_SET_PDEATHSIG
                   "os.execv(sys.executable, [sys.executable, '-m', 'prefect', *sys.argv[1:]])")


class ServerError(RuntimeError):
    """The local Prefect server did not come up; the message says where its output went."""


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def local_server(port: int | None = None, log_path: str | None = None, *, ui: bool = True,
                 services: bool = True, while_starting: Callable[[], object] | None = None) -> Iterator[str]:
    """Run `prefect server start` on 127.0.0.1 and yield its API URL; the server stops on exit.

    `serve` needs the scheduler services and shows the UI; a single run needs neither. `while_starting` is
    called once the server process is launched, before waiting for it: work that overlaps its start.
    """
    port = port or free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    launcher = ["-c", DIE_WITH_PARENT] if sys.platform.startswith("linux") else ["-m", "prefect"]
    command = [sys.executable, *launcher, "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    command += ([] if ui else ["--no-ui"]) + ([] if services else ["--no-services"])
    log = open(log_path or os.devnull, "ab")  # noqa: SIM115 - closed in finally, after the server stops
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, "PREFECT_API_URL": ""})
    try:
        if while_starting:
            while_starting()
        _wait_healthy(api_url, process, log_path)
        yield api_url
    finally:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def configured_api() -> str | None:
    """The Prefect API URL set by environment, profile or active settings; None when there is none."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    return str(url) if url else None


def server_log() -> Path:
    """Where a local server's output goes: server.log in the Prefect home."""
    from prefect.settings import get_current_settings

    return Path(get_current_settings().home, "server.log")


def discovery_file() -> Path:
    """Where `serve` announces the local server it started: a file in the Prefect home."""
    from prefect.settings import get_current_settings

    return Path(get_current_settings().home, DISCOVERY_FILE)


@contextmanager
def announced(api_url: str) -> Iterator[None]:
    """Announce `api_url` with this process's id in the discovery file while the block runs."""
    path = discovery_file()
    staged = path.with_name(f".{path.name}.{os.getpid()}")
    staged.write_text(json.dumps({"api_url": api_url, "pid": os.getpid()}), encoding="utf-8")
    staged.replace(path)  # readers see the whole file or none
    try:
        yield
    finally:
        if _read_announcement(path).get("pid") == os.getpid():  # another `serve` may have announced since
            path.unlink(missing_ok=True)


def announced_server() -> str | None:
    """The API URL of the server `serve` announced, if its process lives and the server answers on loopback."""
    entry = _read_announcement(discovery_file())
    url, pid = entry.get("api_url"), entry.get("pid")
    if not (isinstance(url, str) and url.startswith("http://127.0.0.1:") and url.endswith("/api")
            and isinstance(pid, int) and _alive(pid)):
        return None
    try:
        healthy = requests.get(f"{url}/health", timeout=REUSE_TIMEOUT).json() is True
    except (requests.RequestException, ValueError):
        return None
    return url if healthy else None


def _read_announcement(path: Path) -> dict:
    """The discovery file's entry; empty when there is none or it is unreadable."""
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return entry if isinstance(entry, dict) else {}


def _alive(pid: int) -> bool:
    """True while a process with this id exists."""
    if pid <= 0:  # 0 and negative ids name process groups
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


@contextmanager
def prefect_api(port: int | None = None, *, ui: bool = False, services: bool = False, announce: bool = False,
                while_starting: Callable[[], object] | None = None) -> Iterator[str]:
    """The configured Prefect API, else the server `serve` announced, else a local server for the block.

    With `announce` (`serve`), an announced server is not reused; the server started is announced instead.
    `while_starting` runs while a started server boots (or at once when there is a server already).
    Prefect's own fallback, its ephemeral API, also runs the server as a subprocess, but first imports the
    server's modules into the running process: 281 MB after one empty flow, against 208 MB this way.
    """
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    if url := configured_api():
        _call(while_starting)
        yield url
        return
    if not announce and (url := announced_server()):
        _call(while_starting)
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield url
        return
    # Settings, not the environment: Prefect reads that once, at import. Prefect's runner hands the
    # settings on to the flow-run processes it starts (`serve`). Without services nothing reads flow-run
    # heartbeats, and each flow run would wait up to a second at its end for its heartbeat thread.
    heartbeats = {} if services else {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    with (local_server(port, str(server_log()), ui=ui, services=services, while_starting=while_starting)
          as api_url, temporary_settings(updates={PREFECT_API_URL: api_url, **heartbeats})):
        if announce:
            with announced(api_url):
                yield api_url
        else:
            yield api_url


def import_flows() -> None:
    """Import the flows (Prefect's engine, the extractors, warehouse and alerts): work to overlap a server's start."""
    import flows.ingest  # noqa: F401


def _call(work: Callable[[], object] | None) -> None:
    """Run optional work."""
    if work:
        work()


def _wait_healthy(api_url: str, process: subprocess.Popen, log_path: str | None) -> None:
    """Poll /api/health until it answers true, the process dies, or the timeout passes."""
    output = f" (its output: {log_path})" if log_path else ""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"the Prefect server exited with code {process.returncode} before it was healthy"
                              + output)
        try:
            if requests.get(f"{api_url}/health", timeout=2).json() is True:
                return
        except (requests.RequestException, ValueError):
            pass
        time.sleep(0.5)
    raise ServerError(f"the Prefect server at {api_url} was not healthy after {STARTUP_TIMEOUT:.0f} s{output}")


def stop_worker(worker: subprocess.Popen) -> None:
    """Stop a `prefect worker start` process: it ignores a first SIGTERM, so send two, then kill."""
    for _ in range(2):
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            time.sleep(WORKER_TERM_GRACE)
    if worker.poll() is None:
        worker.kill()
    worker.wait(STOP_TIMEOUT)
