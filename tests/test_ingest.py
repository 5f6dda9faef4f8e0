"""The ingest flow end to end: sample sites over real HTTP -> Prefect -> DuckDB, asserted with SQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import CORE_SITES, ingest_sites
from support import query

from config.sources import load_sources
from demo.content import ACTIVE_BLOG_POSTS, BRANCH_BLOG_POSTS, MOTIONS, BlogPost
from demo.server import SiteServer, serve_sites
from demo.sites import demo_sites
from flows.commands.demo import sources_toml
from flows.ingest import RunSummary, ingest
from warehouse.lock import run_lock

pytestmark = pytest.mark.usefixtures("prefect_server")

BLOGS = {"sample-active": ACTIVE_BLOG_POSTS, "sample-branch": BRANCH_BLOG_POSTS}
COUNTED_TABLES = ("document_keys", "document_versions", "flags", "raw_bodies", "responses", "fetch_failures")


def run(sites: dict[str, SiteServer], db_path: Path, tmp_path: Path) -> RunSummary:
    """One ingestion over the given sample sites."""
    return ingest_sites(sites, tmp_path, db_path)


def counts(db_path: Path) -> dict[str, int]:
    """Row counts of the tables a rerun must not grow."""
    return {table: query(db_path, f"SELECT count(*) FROM {table}")[0][0] for table in COUNTED_TABLES}  # noqa: S608


@dataclass
class FirstRun:
    """The core sample sites after one run into a fresh warehouse: what the run requested and loaded."""

    sites: dict[str, SiteServer]
    db_path: Path
    summary: RunSummary


@pytest.fixture(scope="module")
def first_run(prefect_server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FirstRun]:
    """One run over fresh sample sites, shared by the tests that only read what it did."""
    tmp = tmp_path_factory.mktemp("first-run")
    with serve_sites(demo_sites(*CORE_SITES)) as sites:
        db_path = tmp / "unionwatch.duckdb"
        yield FirstRun(sites, db_path, run(sites, db_path, tmp))


def test_every_motion_is_loaded_with_its_metadata(first_run: FirstRun) -> None:
    sites, db_path = first_run.sites, first_run.db_path
    assert first_run.summary.ok
    rows = query(db_path, """SELECT d.url, d.title, d.conference, d.decision, d.published_at, v.year, v.motion_group
                             FROM documents d JOIN document_keys k USING (document_id)
                             JOIN document_versions v ON v.document_id = k.document_id AND v.version = k.current_version
                             WHERE d.source_id = 'sample-motions' AND d.kind = 'motion'""")
    loaded = {url.removeprefix(sites["motions"].url.rstrip("/")): rest for url, *rest in rows}
    expected = {m.path: [m.title, m.conference, m.decision,
                         datetime(m.date.year, m.date.month, m.date.day, tzinfo=UTC), m.year, m.group]
                for m in MOTIONS}
    assert loaded == expected
    listing = [r.path for r in sites["motions"].requests if r.path.startswith("/policy-motions/")]
    assert listing == ["/policy-motions/", "/policy-motions/page/2/", "/policy-motions/page/3/"]


def test_blog_posts_from_feed_and_from_html_fallback(first_run: FirstRun) -> None:
    sites, db_path = first_run.sites, first_run.db_path
    for source_id, posts in BLOGS.items():
        rows = query(db_path, """SELECT document_id, title, author, published_at FROM documents
                                 WHERE source_id = ? AND kind = 'blog_post'""", [source_id])
        assert {row[0]: row[1:] for row in rows} == {
            f"{source_id}:{p.post_id}": (p.title, p.author, p.published.astimezone(UTC)) for p in posts}
    via = dict(query(db_path, "SELECT source_id, discovered_via FROM source_runs"))
    assert via == {"sample-motions": "listing", "sample-active": "atom feed", "sample-branch": "html pages"}
    feed_pages = [r for r in sites["active"].requests if r.path == "/feeds/posts/default"]
    assert len(feed_pages) == 3, "11 posts at 4 a page: the crawl must follow rel='next' twice"
    assert "max-results=100" in feed_pages[0].query_string and "orderby=updated" in feed_pages[0].query_string


def test_bodies_hold_the_post_only(first_run: FirstRun) -> None:
    db_path = first_run.db_path
    bodies = dict(query(db_path, "SELECT document_id, body FROM documents"))
    posts: list[tuple[str, BlogPost]] = [(s, p) for s, ps in BLOGS.items() for p in ps]
    for source_id, post in posts:
        body = bodies[f"{source_id}:{post.post_id}"]
        assert " ".join(post.body_text.split())[:60] in " ".join(body.split())
        for comment in post.comments:
            assert comment.text[:40] not in body, f"comment leaked into {post.title!r}"
        assert "Popular Posts" not in body and "Labels" not in body
    for motion in MOTIONS:
        body = bodies[f"sample-motions:{motion.slug}"]
        assert "Back to all Motions" not in body and "©" not in body and "Share this" not in body
        assert motion.conference not in body, "metadata must not lead the body"


def test_flags_are_exactly_the_expected_topics(first_run: FirstRun) -> None:
    db_path = first_run.db_path
    flagged = {doc_id: set(topics) for doc_id, topics in query(
        db_path, "SELECT document_id, topics FROM flagged_documents")}
    expected = {f"sample-motions:{m.slug}": set(m.expected_topics) for m in MOTIONS if m.expected_topics}
    expected |= {f"{s}:{p.post_id}": set(p.expected_topics) for s, ps in BLOGS.items() for p in ps
                 if p.expected_topics}
    assert flagged == expected
    snippets = query(db_path, "SELECT snippet, matched_terms FROM flagged_documents")
    assert all("**" in snippet and terms for snippet, terms in snippets)


def test_second_run_adds_nothing(sites, db_path, tmp_path) -> None:
    run(sites, db_path, tmp_path)
    before = counts(db_path)
    summary = run(sites, db_path, tmp_path)
    assert counts(db_path) == before
    assert [(o.load.documents_new, o.load.documents_changed, o.load.flags_new) for o in summary.outcomes] == [
        (0, 0, 0)] * 3
    assert query(db_path, "SELECT status, count(*) FROM runs GROUP BY ALL") == [("succeeded", 2)]


def test_an_edit_becomes_a_new_version_and_keeps_history(sites, db_path, tmp_path) -> None:
    run(sites, db_path, tmp_path)
    post = sites["active"].site.posts[-1]
    document_id = f"sample-active:{post.post_id}"
    post.body_html += "<p>Update: the council now plans a shared service centre for payroll.</p>"
    post.updated = datetime.now(UTC)  # Blogger bumps <updated> on every edit
    summary = run(sites, db_path, tmp_path)
    assert [o.load.documents_changed for o in summary.outcomes] == [0, 1, 0]
    versions = query(db_path, "SELECT version FROM document_versions WHERE document_id = ? ORDER BY 1",
                     [document_id])
    assert versions == [(1,), (2,)]
    body, = query(db_path, "SELECT body FROM documents WHERE document_id = ?", [document_id])[0]
    assert body.endswith("the council now plans a shared service centre for payroll.")
    topics = query(db_path, "SELECT topics FROM flagged_documents WHERE document_id = ?", [document_id])
    assert topics and "shared_services" in topics[0][0]


def test_a_failing_source_does_not_stop_the_others(sites, db_path, tmp_path) -> None:
    with SiteServer(sites["motions"].site) as gone:
        dead_url = gone.url  # the port closes when this block ends
    path = tmp_path / "sources.toml"
    path.write_text(sources_toml({"motions": dead_url, "active": sites["active"].url}), encoding="utf-8")
    summary = ingest(load_sources(path), str(db_path), extract_retry_delay=0)
    assert not summary.ok
    failed = [o for o in summary.outcomes if not o.ok]
    assert [o.source_id for o in failed] == ["sample-motions"] and "connection failed" in failed[0].error
    assert query(db_path, "SELECT count(*) FROM documents WHERE source_id = 'sample-active'") == [
        (len(ACTIVE_BLOG_POSTS),)]
    assert query(db_path, "SELECT status FROM runs") == [("failed",)]
    assert query(db_path, "SELECT status, error IS NOT NULL FROM source_runs WHERE source_id = 'sample-motions'") == [
        ("failed", True)]


def test_a_second_writer_is_refused_while_a_run_holds_the_warehouse(sites, db_path, tmp_path) -> None:
    with run_lock(db_path):
        summary = run(sites, db_path, tmp_path)
    assert not summary.ok and "another unionwatch run is writing" in summary.fatal
    assert summary.outcomes == [] and not db_path.exists()
