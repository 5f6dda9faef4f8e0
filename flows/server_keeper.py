"""Keeps the Prefect server a one-off command started for the commands after it, then stops it when idle.

    python -m flows.server_keeper --home PREFECT_HOME --port PORT --linger SECONDS --log server.log

Started by `flows.prefect_server.prefect_api` in its own session (Ctrl-C in the terminal reaches the command,
not the keeper). It runs `prefect server start --no-ui --no-services` as its child (which exits with the
keeper, on Linux even when the keeper is killed), announces the server in the discovery file like `serve`
does, and stops it once no command has used it for `--linger` seconds, or when its announcement was replaced
(a `serve` started; nobody finds this server any more). A command using the server holds a lease: a file
named by its process id in the keeper's lease folder; a lease of a process that has ended counts for nothing.

Standard library only: the keeper idles for minutes and should cost nothing while it does.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

DISCOVERY_FILE = "unionwatch-server.json"  # the same file `serve` announces its server in
POLL_SECONDS = 0.5
STOP_TIMEOUT = 15.0
# The server is started through this one-liner, which asks the kernel to send it SIGTERM when the keeper
# ends (even by SIGKILL), then becomes `python -m prefect …` (flows.prefect_server.DIE_WITH_PARENT).
DIE_WITH_PARENT = ("import ctypes, os, signal, sys; ctypes.CDLL(None).prctl(1, signal.SIGTERM); "  # PR_SET_PDEATHSIG
                   "os.execv(sys.executable, [sys.executable, '-m', 'prefect', *sys.argv[1:]])")


def lease_folder(home: Path | str, keeper_pid: int) -> Path:
    """Where the commands using the server of keeper `keeper_pid` hold their leases."""
    return Path(home, f"unionwatch-server-{keeper_pid}.leases")


def alive(pid: int) -> bool:
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


def read_announcement(path: Path) -> dict:
    """The discovery file's entry; empty when there is none or it is unreadable."""
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return entry if isinstance(entry, dict) else {}


def write_announcement(path: Path, entry: dict) -> None:
    """Replace the discovery file whole, so readers see all of it or none."""
    staged = path.with_name(f".{path.name}.{os.getpid()}")
    staged.write_text(json.dumps(entry), encoding="utf-8")
    staged.replace(path)


def leased(folder: Path) -> bool:
    """True while a live process holds a lease in `folder`."""
    try:
        holders = [entry.name for entry in folder.iterdir()]
    except OSError:
        return False
    return any(name.isdigit() and alive(int(name)) for name in holders)


class Keeper:
    """The server process, its announcement and its leases."""

    def __init__(self, home: Path, port: int, linger: float, log: Path, holder: int) -> None:
        self.discovery = Path(home, DISCOVERY_FILE)
        self.leases = lease_folder(home, os.getpid())
        self.linger = linger
        self.entry = {"api_url": f"http://127.0.0.1:{port}/api", "pid": os.getpid(), "linger": linger}
        self.leases.mkdir(parents=True, exist_ok=True)
        (self.leases / str(holder)).touch()  # the starting command's lease, until it has started and ends
        command = [sys.executable, "-c", DIE_WITH_PARENT, "server", "start", "--host", "127.0.0.1",
                   "--port", str(port), "--no-ui", "--no-services"]
        with log.open("ab") as output:
            self.server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                           env={**os.environ, "PREFECT_API_URL": ""})
        write_announcement(self.discovery, self.entry)

    def announced(self) -> bool:
        """True while the discovery file names this keeper."""
        return read_announcement(self.discovery).get("pid") == os.getpid()

    def keep(self) -> None:
        """Poll until the server is idle for `linger` seconds (or unfindable and idle), or it exits."""
        last_used = time.monotonic()
        while self.server.poll() is None:
            if leased(self.leases):
                last_used = time.monotonic()
            elif not self.announced() or time.monotonic() - last_used >= self.linger:
                if self._withdraw():
                    return
                last_used = time.monotonic()
            time.sleep(POLL_SECONDS)

    def _withdraw(self) -> bool:
        """Take the announcement back, then look at the leases once more; False (announced again) if a command
        took a lease meanwhile. A command takes its lease before it reads the announcement a last time, so
        it either sees the announcement gone or its lease is seen here."""
        if self.announced():
            self.discovery.unlink(missing_ok=True)
        if leased(self.leases):
            write_announcement(self.discovery, self.entry)
            return False
        return True

    def stop(self) -> None:
        """Stop the server, withdraw the announcement if it is still this keeper's, remove the leases."""
        if self.announced():
            self.discovery.unlink(missing_ok=True)
        if self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        shutil.rmtree(self.leases, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Run the server and keep it until idle; SIGTERM or SIGINT stop it at once."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="the Prefect home (holds the discovery file)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--linger", type=float, required=True, help="idle seconds before the server stops")
    parser.add_argument("--log", type=Path, required=True, help="where the server's output goes")
    parser.add_argument("--holder", type=int, required=True, help="process id of the command starting it")
    args = parser.parse_args(argv)
    keeper = Keeper(args.home, args.port, args.linger, args.log, args.holder)

    def interrupted(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    try:
        keeper.keep()
    finally:
        keeper.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
