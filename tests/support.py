"""Helpers shared by the tests (no tests here): reading a warehouse and running the `unionwatch` command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from warehouse.db import connect

ROOT = Path(__file__).resolve().parent.parent


def query(db: Path, sql: str, params: Sequence[object] | None = None) -> list[tuple]:
    """Rows of a read-only query; opening read-only also proves the file is a sound DuckDB warehouse."""
    with connect(db, read_only=True) as con:
        return con.execute(sql, list(params or [])).fetchall()


def copy_warehouse(source: Path, target: Path) -> Path:
    """A copy of the warehouse file `source` (closed, so checkpointed) at `target`, folders created."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def user_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without a Prefect API (a run then starts or finds its own), plus `extra`;
    PYTHONPATH holds the repository, so the command imports this checkout wherever it runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    return env | {"PYTHONPATH": str(ROOT)} | dict(extra or {})


def unionwatch(*args: str, cwd: Path, env: Mapping[str, str] | None = None,
               timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the console command (`python -m flows.cli ARGS`) in `cwd` as a user would, with `env`
    (default: this process's environment, so the session's Prefect API too)."""
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=cwd,
                          env=dict(os.environ if env is None else env), capture_output=True, text=True,
                          timeout=timeout, check=False)
