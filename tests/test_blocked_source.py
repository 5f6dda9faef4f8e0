"""A source blocked by its quality gate stays blocked, and is read again in whole, until a run publishes:
a quiet run (a 304 on the listing) is no sign the template is fixed, so the maintainer is not told "resolved"."""

from __future__ import annotations

import datetime as dt
from copy import deepcopy
from pathlib import Path

import duckdb
import pytest
from quality_support import migrated, post, refined, stats

from alerts.config import Maintainer
from alerts.maintainer import QUALITY_GATE, assess
from config.sources import load_sources
from demo.news_content import NEWS_ITEMS
from demo.server import SiteServer
from demo.sites.news import NewsSite
from expectations import gate
from flows.ingest import ingest
from records import BLOG_POST, Extraction, RawResponse
from warehouse.load import STILL_BLOCKED, load_source, start_run
from warehouse.outbox import ever_yielded, source_history
from warehouse.state import known_states

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def quality_gate_finding(db_path: Path, source_id: str) -> bool | None:
    """Whether the maintainer's quality-gate condition is active for the source after its latest run."""
    with duckdb.connect(str(db_path)) as con:
        findings = assess(source_history(con, 3), ever_yielded(con), Maintainer())
    return next((f.active for f in findings if f.condition == QUALITY_GATE and f.subject == source_id), None)


def statuses(db_path: Path, source_id: str) -> list[tuple[str, str | None]]:
    """(status, error) of the source's runs, oldest first."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute("""SELECT status, error FROM source_runs WHERE source_id = ? ORDER BY finished_at""",
                           [source_id]).fetchall()


def feed_page(etag: str) -> RawResponse:
    """The listing as fetched, with a validator the next run could send."""
    return RawResponse("http://branch.example/feed", "http://branch.example/feed", 200,
                       {"etag": etag, "content-type": "application/atom+xml"}, b"<feed/>", NOW)


def load(db_path: Path, docs: list, *, blocked_batch: bool = False, raw: list[RawResponse] | None = None):
    """One run of the branchblog source: a gated load of `docs` (none: a 304 run, nothing to check)."""
    run_id = start_run(db_path, "run", [])
    extraction = Extraction("branchblog", raw=raw or [], requests=40)
    if not docs:
        return load_source(db_path, run_id, extraction, [], "rules")
    batch = refined(docs)
    figures = stats(batch, BLOG_POST, failures=30 if blocked_batch else 0, requests=40, history=(8, 8, 8))
    return load_source(db_path, run_id, extraction, batch, "rules", gate=gate.check(batch, figures, now=NOW))


def test_a_blocked_source_stays_blocked_through_a_quiet_run_until_a_batch_publishes(tmp_path: Path) -> None:
    db_path = migrated(tmp_path / "w.duckdb")
    load(db_path, [post(i) for i in range(8)], raw=[feed_page('"v1"')])
    assert known_states(db_path, ["branchblog"])["branchblog"].validators == {
        "http://branch.example/feed": ('"v1"', None)}

    blocked = load(db_path, [post(i, title=f"Changed {i}") for i in range(8)], blocked_batch=True,
                   raw=[feed_page('"v2"')])
    assert blocked.blocked and blocked.blocked.startswith("quality gate: parse failures")
    assert quality_gate_finding(db_path, "branchblog") is True
    # While it is blocked the next run sends no validators: the listing and its pages are read whole.
    assert known_states(db_path, ["branchblog"])["branchblog"].validators == {}

    quiet = load(db_path, [])  # the listing answered 304: nothing to check, nothing published
    assert quiet.blocked == f"{STILL_BLOCKED} (quality gate: parse failures: 30 of 40 requests failed (75%); " \
                            "allowed ≤ 50%: the site's template seems to have changed)"
    assert statuses(db_path, "branchblog")[-1] == ("blocked", quiet.blocked)
    assert quality_gate_finding(db_path, "branchblog") is True  # never "resolved" by a run that proved nothing
    again = load(db_path, [])
    assert again.blocked == quiet.blocked  # the reason does not nest

    fixed = load(db_path, [post(i, title=f"Changed {i}") for i in range(8)])
    assert fixed.blocked is None and fixed.documents_changed == 8
    assert statuses(db_path, "branchblog")[-1] == ("succeeded", None)
    assert quality_gate_finding(db_path, "branchblog") is False
    assert known_states(db_path, ["branchblog"])["branchblog"].validators != {}


@pytest.mark.usefixtures("prefect_server")
def test_a_feed_whose_pages_stop_parsing_is_held_back_then_read_whole_until_fixed(tmp_path: Path) -> None:
    items = deepcopy(NEWS_ITEMS)
    site = NewsSite(items, page_size=20, full_content=True)
    db_path = tmp_path / "w.duckdb"
    with SiteServer(site) as server:
        config = tmp_path / "sources.toml"
        config.write_text(f'[[sources]]\nid = "news"\nkind = "feed"\nurl = "{server.url}feed/atom/"\ndelay = 0\n')
        sources = load_sources(config)

        def run_once() -> None:
            server.reset_log()
            ingest(sources, str(db_path), extract_retry_delay=0)

        run_once()
        assert statuses(db_path, "news") == [("succeeded", None)]
        kept = {item.post_id: item.paragraphs for item in items}
        for number, item in enumerate(items):  # a template change: no text in the feed or on the pages
            item.paragraphs = []
            item.updated = dt.datetime(2024, 4, 1, 9, number, tzinfo=dt.UTC)
        run_once()
        status, error = statuses(db_path, "news")[-1]
        assert status == "blocked" and error.startswith("quality gate: parse failures")
        assert error.endswith("the site's template seems to have changed")

        run_once()  # nothing changed on the site: the feed is read whole, not answered 304
        assert [r.headers.get("If-None-Match") or r.headers.get("If-Modified-Since")
                for r in server.requests if r.path == "/feed/atom/"] == [None]
        assert statuses(db_path, "news")[-1][0] == "blocked"
        assert quality_gate_finding(db_path, "news") is True

        for number, item in enumerate(items):  # the site is fixed
            item.paragraphs = kept[item.post_id]
            item.updated = dt.datetime(2024, 4, 2, 9, number, tzinfo=dt.UTC)
        run_once()
    assert statuses(db_path, "news")[-1] == ("succeeded", None)
    assert quality_gate_finding(db_path, "news") is False
    with duckdb.connect(str(db_path), read_only=True) as con:
        empty = con.execute("SELECT count(*) FROM documents WHERE source_id = 'news' AND body = ''").fetchone()[0]
    assert empty == 0
