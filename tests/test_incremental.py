"""Incremental crawling, backfill, removals and reparse, end to end against the sample sites."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from conftest import ingest_sites
from support import query

from config.sources import load_sources
from demo.content import ACTIVE_BLOG_POSTS, BRANCH_BLOG_POSTS, MOTIONS
from demo.server import SiteServer
from flows.ingest import RunSummary, reparse
from records import CrawlerSettings

pytestmark = pytest.mark.usefixtures("prefect_server")

TABLES = ("document_keys", "document_versions", "flags", "raw_bodies", "responses")


def run(sites: dict[str, SiteServer], db_path: Path, tmp_path: Path, **options) -> RunSummary:
    """One ingestion over the given sample sites."""
    return ingest_sites(sites, tmp_path, db_path, **options)


def snapshot(db_path: Path) -> dict[str, list[tuple]]:
    """Every row of the tables a no-op must leave alone."""
    return {table: query(db_path, f"SELECT * EXCLUDE (last_seen_at, checked_at) FROM {table} ORDER BY ALL")  # noqa: S608
            if table == "document_keys" else query(db_path, f"SELECT * FROM {table} ORDER BY ALL")  # noqa: S608
            for table in TABLES}


def test_second_run_only_revalidates_and_parses_nothing(sites, db_path, tmp_path) -> None:
    run(sites, db_path, tmp_path)
    for server in sites.values():
        server.reset_log()
    summary = run(sites, db_path, tmp_path)
    assert summary.ok
    paths = {name: [r.path for r in server.requests if r.path != "/robots.txt"] for name, server in sites.items()}
    assert paths == {"motions": ["/policy-motions/"], "active": ["/feeds/posts/default"],
                     "branch": ["/feeds/posts/default", "/"]}
    conditional = [r for s in sites.values() for r in s.requests if r.path in ("/policy-motions/", "/")]
    assert all("If-None-Match" in r.headers for r in conditional)
    seen = query(db_path, """SELECT source_id, documents_seen, not_modified FROM source_runs
                             WHERE run_id = ? ORDER BY 1""", [summary.run_id])
    assert seen == [("sample-active", 0, 1), ("sample-branch", 0, 1), ("sample-motions", 0, 1)]


def test_new_motion_costs_one_listing_page_and_its_own_page(sites, db_path, tmp_path) -> None:
    run(sites, db_path, tmp_path)
    newest = dataclasses.replace(MOTIONS[0], slug="shared-services-review-2024", year=2024,
                                 conference="2024 Local Government Service Group Conference",
                                 title="Shared Services Review", date=dt.date(2024, 3, 1))
    sites["motions"].site.motions.append(newest)
    sites["motions"].reset_log()
    summary = run(sites, db_path, tmp_path)
    assert [r.path for r in sites["motions"].requests if r.path != "/robots.txt"] == [
        "/policy-motions/", newest.path]
    assert summary.outcomes[0].load.documents_new == 1
    assert query(db_path, "SELECT title FROM documents WHERE document_id = ?",
                 ["sample-motions:shared-services-review-2024"]) == [("Shared Services Review",)]


def test_removed_page_is_marked_never_deleted(sites, db_path, tmp_path) -> None:
    run(sites, db_path, tmp_path)
    gone = sites["motions"].site.motions.pop(3)
    summary = run(sites, db_path, tmp_path, crawler=CrawlerSettings(revalidate_days=0))
    assert summary.outcomes[0].load.documents_removed == 1
    rows = query(db_path, "SELECT document_id, removed_at IS NOT NULL FROM documents WHERE removed_at IS NOT NULL")
    assert rows == [(f"sample-motions:{gone.slug}", True)]
    assert query(db_path, "SELECT count(*) FROM documents WHERE source_id = 'sample-motions'") == [(len(MOTIONS),)]


def test_revalidation_uses_conditional_get_and_sees_304(sites, db_path, tmp_path) -> None:
    run(sites, db_path, tmp_path)
    before = snapshot(db_path)
    sites["motions"].reset_log()
    summary = run(sites, db_path, tmp_path, crawler=CrawlerSettings(revalidate_days=0))
    motion_pages = [r for r in sites["motions"].requests if r.path.startswith("/motions/")]
    assert len(motion_pages) == len(MOTIONS) and all("If-None-Match" in r.headers for r in motion_pages)
    assert summary.outcomes[0].load.documents_unchanged == len(MOTIONS)
    after = snapshot(db_path)
    # Blog posts came from feeds: their pages are fetched (and archived) for the first time, but the
    # same posts parsed from HTML must not look like edits.
    for table in ("document_keys", "document_versions", "flags"):
        assert after[table] == before[table], table


def test_backfill_walks_every_year_from_since(sites, db_path, tmp_path) -> None:
    summary = run(sites, db_path, tmp_path, backfill=True, since_year=2012)
    assert summary.ok
    years = {int(r.query_string.split("=")[1]) for r in sites["motions"].requests if "filter-year" in r.query_string}
    assert years == set(range(2012, dt.datetime.now(dt.UTC).year + 1))
    loaded = {row[0] for row in query(db_path, "SELECT document_id FROM documents WHERE kind = 'motion'")}
    assert loaded == {f"sample-motions:{m.slug}" for m in MOTIONS if m.year >= 2012}


def test_first_run_after_a_backfill_finds_the_listing_unchanged(sites, db_path, tmp_path) -> None:
    run(sites, db_path, tmp_path, backfill=True)
    sites["motions"].reset_log()
    summary = run(sites, db_path, tmp_path)
    assert [r.path for r in sites["motions"].requests if r.path != "/robots.txt"] == ["/policy-motions/"]
    assert query(db_path, "SELECT not_modified, documents_seen FROM source_runs WHERE run_id = ? AND source_id = ?",
                 [summary.run_id, "sample-motions"]) == [(1, 0)]


def test_reparse_rebuilds_from_the_archive_offline_and_changes_nothing(sites, db_path, tmp_path) -> None:
    run(sites, db_path, tmp_path)
    sources = load_sources(tmp_path / "sources.toml")
    before = snapshot(db_path)
    for server in sites.values():
        server.stop()  # reparse must not need the network
    summary = reparse(sources, str(db_path))
    assert summary.ok and snapshot(db_path) == before
    assert [o.load.documents_seen for o in summary.outcomes] == [
        len(MOTIONS), len(ACTIVE_BLOG_POSTS), len(BRANCH_BLOG_POSTS)]


def test_reparse_applies_new_rules_to_history(sites, db_path, tmp_path) -> None:
    run(sites, db_path, tmp_path)
    rules = tmp_path / "topics.toml"
    rules.write_text('[conference_business]\nlabel = "Conference business"\nphrases = ["conference calls on"]\n')
    summary = reparse(load_sources(tmp_path / "sources.toml"), str(db_path), rules_path=str(rules))
    assert summary.ok
    flagged = query(db_path, "SELECT DISTINCT unnest(topics) FROM flagged_documents")
    assert flagged == [("conference_business",)]
    assert query(db_path, "SELECT count(*) FROM document_versions WHERE version > 1") == [(0,)]
