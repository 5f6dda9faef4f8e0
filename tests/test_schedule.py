"""Scheduled operation: the volume check over real scheduled runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from demo.content import BlogPost
from demo.server import SiteServer
from demo.sites import BloggerSite
from extractors.config import load_sources
from flows.ingest import ingest
from flows.schedule import scheduled_ingest

BLOG_ID = "4400000000000000000"
START = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)


def posts(first: int, count: int) -> list[BlogPost]:
    """`count` dull posts numbered from `first`, an hour apart, later numbers newer."""
    return [BlogPost(str(9_000_000 + n), BLOG_ID, f"branch-notice-{n}", f"Branch notice {n}",
                     START + dt.timedelta(hours=n), "Branch Secretary", ["news"],
                     f"<p>Branch notice number {n}: the meeting is on Tuesday in the usual room.</p>")
            for n in range(first, first + count)]


def blocked_reason(db_path: Path, run_id: str) -> tuple[str, str | None]:
    """A source run's status and error."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute("SELECT status, error FROM source_runs WHERE run_id = ?", [run_id]).fetchone()


@pytest.mark.usefixtures("prefect_server")
def test_a_scheduled_run_is_judged_against_earlier_scheduled_runs_only(db_path: Path, tmp_path: Path) -> None:
    blog = BloggerSite("Volume blog", posts(0, 60), blog_id=BLOG_ID)
    config = tmp_path / "sources.toml"
    with SiteServer(blog) as server:
        config.write_text(f'[[sources]]\nid = "volume-blog"\nkind = "blogger"\nurl = "{server.url}"\ndelay = 0\n',
                          encoding="utf-8")
        paths = {"sources_path": str(config), "db_path": str(db_path)}
        assert scheduled_ingest(**paths).ok  # the baseline: 60 documents
        backfill = ingest(load_sources(config), str(db_path), command="backfill", backfill=True)
        assert backfill.outcomes[0].load.documents_seen == 60
        next_post = 60
        for count in (25, 24, 26, 25):  # a steady source
            blog.posts += posts(next_post, count)
            next_post += count
            summary = scheduled_ingest(**paths)
            assert summary.ok and summary.outcomes[0].load.documents_seen == count

        quiet = scheduled_ingest(**paths)  # the source suddenly yields nothing
        assert not quiet.ok
        assert blocked_reason(db_path, quiet.run_id) == (
            "blocked", "quality gate: volume: 0 items; allowed 5–260 (median 25, max 26 over 4 runs)")

        # Then far too much at once. Counting the baseline or the backfill (60), 600 would have been allowed.
        blog.posts += posts(next_post, 500)
        flood = scheduled_ingest(**paths)
        assert not flood.ok
        assert blocked_reason(db_path, flood.run_id) == (
            "blocked", "quality gate: volume: 500 items; allowed 5–260 (median 25, max 26 over 4 runs)")
