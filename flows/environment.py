"""Process settings applied before Prefect or GX are imported: local state, no telemetry, no network."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}


def configure(state_dir: Path | str = ".unionwatch") -> None:
    """Point Prefect at a project-local home and turn analytics off, unless the user chose otherwise."""
    home = Path(os.environ.setdefault("PREFECT_HOME", str(Path(state_dir, "prefect").resolve())))
    home.mkdir(parents=True, exist_ok=True)  # Prefect creates only the last level itself
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)
