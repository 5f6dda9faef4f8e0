"""Shared fixtures: an isolated Prefect home, one Prefect test server per session, local sample sites."""

from __future__ import annotations

import os
import tempfile

# Before anything imports Prefect: private state, no telemetry, never a remote API.
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="unionwatch-test-prefect-")
os.environ.pop("PREFECT_API_URL", None)
os.environ.update({
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "GX_ANALYTICS_ENABLED": "false",
    "UNIONWATCH_SERVER_LINGER": "0",  # a server a command starts stops with it, unless a test says otherwise
})

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from demo.server import SiteServer, serve_sites  # noqa: E402
from demo.sites import demo_sites  # noqa: E402


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One temporary Prefect API for the whole session, heartbeats off (stack-probe.md)."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120), temporary_settings(
            updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


@pytest.fixture(scope="session")
def cli_env(prefect_server) -> dict[str, str]:
    """The environment for CLI subprocesses: this session's Prefect API, so no run starts its own server."""
    from prefect.settings import get_current_settings

    return {**os.environ, "PREFECT_API_URL": str(get_current_settings().api.url)}


CORE_SITES = ("motions", "active", "branch")  # WordPress and news have their own tests and the demo's


@pytest.fixture
def sites() -> Iterator[dict[str, SiteServer]]:
    """Fresh sample sites (motions, a Blogger blog with a feed, one without) on 127.0.0.1."""
    with serve_sites(demo_sites(*CORE_SITES)) as servers:
        yield servers


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where a test's warehouse lives."""
    return tmp_path / "warehouse" / "unionwatch.duckdb"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch):
    """A real local SMTP server that alert email goes to (UNIONWATCH_SMTP_* set for the test)."""
    from alerts_support import SmtpReceiver

    with SmtpReceiver() as receiver:
        for name, value in receiver.env().items():
            monkeypatch.setenv(name, value)
        yield receiver


def write_sources(servers: dict[str, SiteServer], folder: Path) -> Path:
    """A sources.toml in `folder` for the running sample sites (no politeness delay)."""
    from flows.commands.demo import sources_toml

    path = folder / "sources.toml"
    path.write_text(sources_toml({name: server.url for name, server in servers.items()}), encoding="utf-8")
    return path


def ingest_sites(servers: dict[str, SiteServer], folder: Path, db: Path, **options):
    """One real ingestion of the running sample sites into `db` (failed extractions are not retried)."""
    from config.sources import load_sources
    from flows.ingest import ingest

    return ingest(load_sources(write_sources(servers, folder)), str(db), extract_retry_delay=0, **options)


def runs_with_an_edit_and_a_failure(folder: Path, db: Path) -> None:
    """Two real runs of the core sample sites with an edit in between, then a run in which one source failed."""
    from datetime import UTC, datetime

    from config.sources import load_sources
    from flows.commands.demo import sources_toml
    from warehouse.load import finish_run, record_source_failure, start_run

    with serve_sites(demo_sites(*CORE_SITES)) as servers:
        assert ingest_sites(servers, folder, db).ok
        post = servers["active"].site.posts[-1]
        post.title, post.updated = f"{post.title} (updated)", datetime.now(UTC)
        assert ingest_sites(servers, folder, db).ok
        path = folder / "branch.toml"
        path.write_text(sources_toml({"branch": servers["branch"].url}), encoding="utf-8")
    run_id = start_run(db, "run", load_sources(path))
    record_source_failure(db, run_id, "sample-branch", "ConnectionError: connection refused")
    finish_run(db, run_id, "failed")


@pytest.fixture(scope="session")
def edited_warehouse(prefect_server, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The warehouse of runs_with_an_edit_and_a_failure, built once a session: tests work on copies of it."""
    folder = tmp_path_factory.mktemp("edited")
    db = folder / "unionwatch.duckdb"
    runs_with_an_edit_and_a_failure(folder, db)
    return db


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (Linux /proc)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
