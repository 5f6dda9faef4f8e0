"""A local Prefect server when no Prefect API is configured: start, wait until healthy, stop; stopping a worker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

STARTUP_TIMEOUT = 180.0  # a first start runs the server's database migrations (~15 s on this kind of machine)
STOP_TIMEOUT = 15.0
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
                 services: bool = True) -> Iterator[str]:
    """Run `prefect server start` on 127.0.0.1 and yield its API URL; the server stops on exit.

    `serve` needs the scheduler services and shows the UI; a single run needs neither.
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


@contextmanager
def prefect_api(port: int | None = None, *, ui: bool = False, services: bool = False) -> Iterator[str]:
    """The configured Prefect API, else a local server (on `port`) for as long as the block runs.

    Prefect's own fallback, its ephemeral API, also runs the server as a subprocess, but first imports the
    server's modules into the running process: 281 MB after one empty flow, against 208 MB this way.
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if url := configured_api():
        yield url
        return
    # Settings, not the environment: Prefect reads that once, at import. Prefect's runner hands the
    # settings on to the flow-run processes it starts (`serve`).
    with (local_server(port, str(server_log()), ui=ui, services=services) as api_url,
          temporary_settings(updates={PREFECT_API_URL: api_url})):
        yield api_url


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
