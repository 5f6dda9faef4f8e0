"""A one-off run's head start: fetching begins before Prefect is ready, and the flow takes it over."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest
from conftest import ingest_sites, write_sources

from config.sources import load_sources
from demo.server import SiteServer
from flows.head_start import HeadStart
from flows.ingest import ingest
from warehouse.db import WarehouseError

pytestmark = pytest.mark.usefixtures("prefect_server")


def _paths(sites: dict[str, SiteServer]) -> list[tuple[str, str]]:
    """Every request the sites received, by site, sorted (the order of parallel sources varies)."""
    return sorted((name, request.path) for name, site in sites.items() for request in site.requests)


def _documents(db_path: Path) -> list[tuple]:
    """Each document's source, URL and title."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute("SELECT source_id, url, title FROM documents ORDER BY ALL").fetchall()


def _wait_for_requests(sites: dict[str, SiteServer], timeout: float = 60.0) -> None:
    """Until every site has received a request."""
    deadline = time.monotonic() + timeout
    while not all(site.requests for site in sites.values()):
        assert time.monotonic() < deadline, "the head start sent no request"
        time.sleep(0.05)


def test_the_flow_takes_over_what_the_head_start_fetched(sites, tmp_path: Path) -> None:
    sources = load_sources(write_sources(sites, tmp_path))
    ahead, plain = tmp_path / "ahead.duckdb", tmp_path / "plain.duckdb"
    with HeadStart(sources, ahead) as head_start:
        _wait_for_requests(sites)  # no flow run yet: these come from the head start
        summary = ingest(sources, str(ahead), head_start=head_start)
    assert summary.ok and sum(outcome.load.documents_new for outcome in summary.outcomes) > 30
    fetched = _paths(sites)
    for site in sites.values():
        site.reset_log()
    assert ingest(sources, str(plain)).ok
    # The same pages, each fetched once: the flow fetched nothing again, and loaded the same documents.
    assert fetched == _paths(sites)
    assert _documents(ahead) == _documents(plain)


def test_a_second_run_with_a_head_start_adds_nothing_and_revalidates(sites, db_path: Path, tmp_path: Path) -> None:
    assert ingest_sites(sites, tmp_path, db_path).ok
    for site in sites.values():
        site.reset_log()
    sources = load_sources(write_sources(sites, tmp_path))
    with HeadStart(sources, db_path) as head_start:
        summary = ingest(sources, str(db_path), head_start=head_start)
    assert summary.ok
    assert [(o.load.documents_new, o.load.documents_changed) for o in summary.outcomes] == [(0, 0)] * 3
    # The head start read the known state: listings and feeds were asked for conditionally.
    conditional = [request for site in sites.values() for request in site.requests
                   if "If-None-Match" in request.headers or "If-Modified-Since" in request.headers]
    assert conditional


def test_a_head_start_holds_the_warehouse_from_its_start(sites, db_path: Path, tmp_path: Path) -> None:
    sources = load_sources(write_sources(sites, tmp_path))
    with HeadStart(sources, db_path):
        refused = ingest_sites(sites, tmp_path, db_path)
        assert refused.fatal and "another unionwatch run is writing" in refused.fatal
        with pytest.raises(WarehouseError, match="another unionwatch run is writing"), HeadStart(sources, db_path):
            pass
    assert ingest_sites(sites, tmp_path, db_path).ok  # released at the end of the block


def test_a_head_start_is_refused_for_a_backfill_or_other_sources(sites, db_path: Path, tmp_path: Path) -> None:
    sources = load_sources(write_sources(sites, tmp_path))
    with HeadStart(sources, db_path) as head_start:
        with pytest.raises(ValueError, match="never for a backfill"):
            ingest.fn(sources, str(db_path), backfill=True, head_start=head_start)
        with pytest.raises(ValueError, match="exactly the run's enabled sources"):
            ingest.fn(sources[:1], str(db_path), head_start=head_start)
