"""The analysts' views over a warehouse the real ingest flow filled: history, monthly mentions, health, runs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import CORE_SITES, ingest_sites
from support import query

from config.sources import load_sources
from demo.content import ACTIVE_BLOG_POSTS, BRANCH_BLOG_POSTS, MOTIONS
from demo.server import serve_sites
from demo.sites import demo_sites
from flows.commands.demo import sources_toml
from warehouse.db import connect
from warehouse.load import finish_run, record_source_failure, start_run
from warehouse.migrate import migrate

EDITED_POST = "1068453319927715046"  # flagged for shared services until the edit below removes the mention
EDITED_TITLE = "County council drops its payroll plan"
OUTAGE = "ConnectionError: connection refused"
UK = ZoneInfo("Europe/London")


def motions_outage(db: Path, tmp: Path, url: str) -> None:
    """A run in which the motions site could not be reached, recorded the way the flow records one."""
    path = tmp / "motions.toml"
    path.write_text(sources_toml({"motions": url}), encoding="utf-8")
    run_id = start_run(db, "run", load_sources(path))
    record_source_failure(db, run_id, "sample-motions", OUTAGE)
    finish_run(db, run_id, "failed")


@pytest.fixture(scope="module")
def warehouse(prefect_server, tmp_path_factory) -> Iterator[Path]:
    """Runs: ok, motions down, ok with one post edited to drop its mention, motions down twice more."""
    tmp = tmp_path_factory.mktemp("views")
    db = tmp / "unionwatch.duckdb"
    with serve_sites(demo_sites(*CORE_SITES)) as sites:
        assert ingest_sites(sites, tmp, db).ok
        motions_outage(db, tmp, sites["motions"].url)
        post = next(p for p in sites["active"].site.posts if p.post_id == EDITED_POST)
        post.title, post.updated = EDITED_TITLE, datetime.now(UTC)
        post.body_html = "<p>The county has dropped its plan to move HR and payroll staff, for now.</p>"
        assert ingest_sites(sites, tmp, db).ok
        motions_outage(db, tmp, sites["motions"].url)
        motions_outage(db, tmp, sites["motions"].url)
    yield db


def test_document_history_keeps_every_version_in_order(warehouse) -> None:
    history = query(warehouse, """SELECT version, is_current, title, content_hash, seen_at, run_id
                                 FROM document_history WHERE document_id = ? ORDER BY version""",
                   [f"sample-active:{EDITED_POST}"])
    original = next(p for p in ACTIVE_BLOG_POSTS if p.post_id == EDITED_POST)
    assert [(v, current, title) for v, current, title, *_ in history] == [
        (1, False, original.title), (2, True, EDITED_TITLE)]
    assert history[0][3] != history[1][3] and history[0][4] < history[1][4] and history[0][5] != history[1][5]
    documents = query(warehouse, "SELECT count(*) FROM documents")[0][0]
    assert query(warehouse, "SELECT count(*), count(*) FILTER (WHERE is_current) FROM document_history") == [
        (documents + 1, documents)]


def test_mentions_monthly_counts_current_flags_by_uk_month_topic_and_source(warehouse) -> None:
    expected: Counter[tuple[date, str, str]] = Counter()
    dated = [("sample-motions", datetime(m.date.year, m.date.month, m.date.day, tzinfo=UTC), m.expected_topics)
             for m in MOTIONS]
    dated += [("sample-active", p.published, p.expected_topics) for p in ACTIVE_BLOG_POSTS
              if p.post_id != EDITED_POST]  # the edit cleared its flag
    dated += [("sample-branch", p.published, p.expected_topics) for p in BRANCH_BLOG_POSTS]
    for source_id, published, topics in dated:
        local = published.astimezone(UK)
        for topic in topics:
            expected[(date(local.year, local.month, 1), topic, source_id)] += 1
    got = {(month, topic, source_id): mentions for month, topic, source_id, mentions in query(
        warehouse, "SELECT month, topic, source_id, mentions FROM mentions_monthly")}
    assert got == dict(expected)
    # A Pacific-time post published late on 21 March 2012 is 22 March in the UK: same month, counted once.
    assert got[(date(2012, 3, 1), "shared_services", "sample-branch")] == 1


def test_source_health_shows_failure_streaks_and_freshness(warehouse) -> None:
    health = {row[0]: row[1:] for row in query(warehouse, """
        SELECT source_id, last_status, failure_streak, last_error, documents, flagged,
               last_success_at, last_run_at, last_new_item_at
        FROM source_health""")}
    motions, active = health["sample-motions"], health["sample-active"]
    # Four motions runs: ok, failed, ok, failed, failed. Only the failures since the last success count.
    assert motions[:5] == ("failed", 2, OUTAGE, len(MOTIONS), sum(1 for m in MOTIONS if m.expected_topics))
    assert motions[5] < motions[6], "the last success is older than the last (failed) run"
    flagged_posts = sum(1 for p in ACTIVE_BLOG_POSTS if p.expected_topics) - 1  # one flag was cleared
    assert active[:5] == ("succeeded", 0, None, len(ACTIVE_BLOG_POSTS), flagged_posts)
    assert active[5] == active[6]
    first_seen = query(warehouse, "SELECT max(first_seen_at) FROM document_keys WHERE source_id = 'sample-active'")
    assert active[7] == first_seen[0][0]


def test_run_log_has_one_row_per_run_with_its_totals(warehouse) -> None:
    log = query(warehouse, """SELECT status, sources, sources_failed, documents_new, documents_changed, flags_new,
                                    duration_seconds >= 0, requests > 0
                             FROM run_log ORDER BY started_at""")
    flagged = sum(1 for item in [*MOTIONS, *ACTIVE_BLOG_POSTS, *BRANCH_BLOG_POSTS] if item.expected_topics)
    documents = len(MOTIONS) + len(ACTIVE_BLOG_POSTS) + len(BRANCH_BLOG_POSTS)
    outage = ("failed", 1, 1, 0, 0, 0, True, False)
    assert log == [("succeeded", 3, 0, documents, 0, flagged, True, True), outage,
                   ("succeeded", 3, 0, 0, 1, 0, True, True), outage, outage]


def test_views_and_search_work_on_an_empty_warehouse(tmp_path) -> None:
    with connect(tmp_path / "empty.duckdb") as con:
        migrate(con)
        for view in ("document_history", "mentions_monthly", "source_health", "run_log"):
            assert con.execute(f"SELECT count(*) FROM {view}").fetchone() == (0,), view  # noqa: S608
        assert con.execute("SELECT * FROM search_documents('shared services')").fetchall() == []
