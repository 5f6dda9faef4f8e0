"""A local Prefect server when no Prefect API is configured: reuse an announced one, or start one.

`serve` announces the server it starts in a discovery file in the Prefect home; one-off commands use that
server when the file names a live process and the server answers, so their runs show in `serve`'s UI.
With no server announced, a one-off command starts one under a keeper (flows/server_keeper.py) that
announces it the same way and stops it once no command has used it for UNIONWATCH_SERVER_LINGER seconds,
so commands run one after another share one server's start; with 0 the server stops with the command.
"""

from __future__ import annotations

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

from flows.server_keeper import (
    DIE_WITH_PARENT,
    DISCOVERY_FILE,
    alive,
    lease_folder,
    read_announcement,
    write_announcement,
)

STARTUP_TIMEOUT = 180.0  # a first start runs the server's database migrations (~15 s on this kind of machine)
STOP_TIMEOUT = 15.0
REUSE_TIMEOUT = 2.0  # seconds an announced server has to answer before a command starts its own
WORKER_TERM_GRACE = 2.0  # seconds after each SIGTERM to a `prefect worker` process
LINGER_ENV = "UNIONWATCH_SERVER_LINGER"
DEFAULT_LINGER = 300.0  # idle seconds a server started by a one-off command waits for the next command


class SettingError(ValueError):
    """An environment setting of the local server is unusable; the message says the fix (exit code 2)."""


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
    write_announcement(path, {"api_url": api_url, "pid": os.getpid()})
    try:
        yield
    finally:
        if read_announcement(path).get("pid") == os.getpid():  # another `serve` may have announced since
            path.unlink(missing_ok=True)


def announced_server() -> str | None:
    """The API URL of the server announced, if its announcer lives and the server answers on loopback."""
    return _healthy(read_announcement(discovery_file()))


def _healthy(entry: dict) -> str | None:
    """The API URL of an announcement, if the process it names lives and the server answers on loopback."""
    url, pid = entry.get("api_url"), entry.get("pid")
    if not (isinstance(url, str) and url.startswith("http://127.0.0.1:") and url.endswith("/api")
            and isinstance(pid, int) and alive(pid)):
        return None
    try:
        healthy = requests.get(f"{url}/health", timeout=REUSE_TIMEOUT).json() is True
    except (requests.RequestException, ValueError):
        return None
    return url if healthy else None


def linger_seconds() -> float:
    """How long a server a one-off command starts waits, idle, for the next command (UNIONWATCH_SERVER_LINGER)."""
    value = os.environ.get(LINGER_ENV, "").strip()
    try:
        seconds = float(value) if value else DEFAULT_LINGER
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        raise SettingError(f"{LINGER_ENV}={value!r} is not a number of seconds >= 0\n  fix: e.g. "
                           f"{LINGER_ENV}={DEFAULT_LINGER:g} (the default), or 0 to stop the Prefect server with "
                           "the command")
    return seconds


@contextmanager
def leased_server() -> Iterator[dict | None]:
    """The announcement of a live, healthy server, held by this process's lease while the block runs.

    The lease (flows/server_keeper.py) keeps a kept server from stopping under the command; it is taken
    before the announcement is read a last time, so the keeper either sees it or has withdrawn the server.
    `serve`'s server takes no lease: it runs until `serve` stops.
    """
    entry = read_announcement(discovery_file())
    lease = None
    if "linger" in entry and isinstance(entry.get("pid"), int):
        lease = lease_folder(discovery_file().parent, entry["pid"]) / str(os.getpid())
        try:
            lease.touch()
        except OSError:  # the keeper has gone and removed its folder
            entry = {}
    try:
        yield entry if entry and read_announcement(discovery_file()) == entry and _healthy(entry) else None
    finally:
        if lease:
            lease.unlink(missing_ok=True)


@contextmanager
def kept_server(linger: float, while_starting: Callable[[], object] | None = None) -> Iterator[str]:
    """Start a server under a keeper that announces it and stops it after `linger` idle seconds; yield its URL.

    The keeper runs in its own session, so Ctrl-C reaches only the command; it holds this process's lease
    from its start, and the lease is given back when the block ends.
    """
    port, home, log = free_port(), discovery_file().parent, server_log()
    command = [sys.executable, "-m", "flows.server_keeper", "--home", str(home), "--port", str(port),
               "--linger", f"{linger:g}", "--log", str(log), "--holder", str(os.getpid())]
    keeper = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    lease = lease_folder(home, keeper.pid) / str(os.getpid())
    api_url = f"http://127.0.0.1:{port}/api"
    try:
        _call(while_starting)
        _wait_healthy(api_url, keeper, str(log))
    except BaseException:
        keeper.terminate()
        raise
    print(f"unionwatch: Prefect server {api_url.removesuffix('/api')} (keeper pid {keeper.pid}) stays up "
          f"{linger:g} s after the last command using it, for the next ones; {LINGER_ENV}=0 stops it with "
          "the command", file=sys.stderr)
    try:
        yield api_url
    finally:
        lease.unlink(missing_ok=True)


@contextmanager
def prefect_api(port: int | None = None, *, ui: bool = False, services: bool = False, announce: bool = False,
                while_starting: Callable[[], object] | None = None) -> Iterator[str]:
    """The configured Prefect API, else an announced server, else a local server started for the block.

    With `announce` (`serve`), an announced server is not reused; the server started is announced instead.
    Otherwise the server started is kept for the next commands (`kept_server`) unless UNIONWATCH_SERVER_LINGER
    is 0. `while_starting` runs while a started server boots (or at once when there is a server already).
    Prefect's own fallback, its ephemeral API, also runs the server as a subprocess, but first imports the
    server's modules into the running process: 281 MB after one empty flow, against 208 MB this way.
    """
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    if url := configured_api():
        _call(while_starting)
        yield url
        return
    # Settings, not the environment: Prefect reads that once, at import. Prefect's runner hands the
    # settings on to the flow-run processes it starts (`serve`). Without services nothing reads flow-run
    # heartbeats, and each flow run would wait up to a second at its end for its heartbeat thread.
    no_heartbeats = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    linger = 0.0 if announce else linger_seconds()
    with leased_server() if not announce else _nothing() as entry:
        if entry:
            _call(while_starting)
            kept = no_heartbeats if "linger" in entry else {}  # a kept server runs no services
            with temporary_settings(updates={PREFECT_API_URL: entry["api_url"], **kept}):
                yield entry["api_url"]
            return
    if linger:
        with kept_server(linger, while_starting) as api_url, \
                temporary_settings(updates={PREFECT_API_URL: api_url, **no_heartbeats}):
            yield api_url
        return
    heartbeats = {} if services else no_heartbeats
    with (local_server(port, str(server_log()), ui=ui, services=services, while_starting=while_starting)
          as api_url, temporary_settings(updates={PREFECT_API_URL: api_url, **heartbeats})):
        if announce:
            with announced(api_url):
                yield api_url
        else:
            yield api_url


@contextmanager
def _nothing() -> Iterator[None]:
    """No announced server to reuse."""
    yield None


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
