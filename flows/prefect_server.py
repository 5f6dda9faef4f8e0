"""A local Prefect server for `serve` when no PREFECT_API_URL is set: start, wait until healthy, stop."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests

STARTUP_TIMEOUT = 180.0  # a first start runs the server's database migrations (~15 s on this kind of machine)
STOP_TIMEOUT = 15.0


class ServerError(RuntimeError):
    """The local Prefect server did not come up; the message includes its last output."""


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def local_server(port: int | None = None, log_path: str | None = None) -> Iterator[str]:
    """Run `prefect server start` on 127.0.0.1 and yield its API URL; the server stops on exit."""
    port = port or free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    log = open(log_path or os.devnull, "ab")  # noqa: SIM115 - closed in finally, after the server stops
    process = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, "PREFECT_API_URL": ""})
    try:
        _wait_healthy(api_url, process)
        yield api_url
    finally:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_healthy(api_url: str, process: subprocess.Popen) -> None:
    """Poll /api/health until it answers true, the process dies, or the timeout passes."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"the Prefect server exited with code {process.returncode} before it was healthy")
        try:
            if requests.get(f"{api_url}/health", timeout=2).json() is True:
                return
        except (requests.RequestException, ValueError):
            pass
        time.sleep(0.5)
    raise ServerError(f"the Prefect server at {api_url} was not healthy after {STARTUP_TIMEOUT:.0f} s")
