"""Revalidation pace: every known page rechecked within `revalidate_days`, spread over the runs, politely."""

from __future__ import annotations

import datetime as dt

import pytest

from demo.content import BlogPost
from demo.server import SiteServer
from demo.sites import BloggerSite
from extractors.crawl.cadence import recheck, runs_within
from extractors.registry import run_extractor
from records import CrawlerSettings, Extraction, Known, KnownDocument, SourceConfig

BLOG_ID = "4500000000000000000"
START = dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC)
POSTS = 250


@pytest.mark.parametrize(("schedule", "days", "runs"), [
    ("frequent", 7, 336), ("hourly", 7, 168), ("daily", 7, 7), ("15 */2 * * *", 7, 84), ("0 4 * * 0", 7, 1),
    ("daily", 1.5, 2)])
def test_runs_are_counted_from_the_schedule(schedule: str, days: float, runs: int) -> None:
    assert runs_within(schedule, days) == runs


def test_each_run_takes_its_share_unless_the_host_s_delay_forbids_it() -> None:
    blog = recheck("frequent", 7, delay=2, known=2000)
    assert (blog.per_run, blog.capped) == (6, False)  # ceil(2000 / 336)
    motions = recheck("daily", 7, delay=2, known=5000)
    assert (motions.per_run, motions.capped) == (715, False)  # 715 × 2 s = 24 min of a 24 h interval
    huge = recheck("frequent", 7, delay=5, known=100_000)
    assert (huge.per_run, huge.capped) == (180, True)  # half of 30 min at 5 s a request
    assert huge.describe().endswith("a full round takes 11.6 days")
    assert recheck("daily", 0, delay=2, known=40).per_run == 40  # revalidate_days = 0: everything, every run


def _posts() -> list[BlogPost]:
    """POSTS plain posts an hour apart."""
    return [BlogPost(str(8_000_000 + n), BLOG_ID, f"notice-{n}", f"Notice {n}", START + dt.timedelta(hours=n),
                     "Branch Secretary", ["news"], f"<p>Notice {n}: the meeting is on Tuesday.</p>")
            for n in range(POSTS)]


def test_a_week_of_daily_runs_rechecks_every_known_page_once() -> None:
    with SiteServer(BloggerSite("Pace blog", _posts(), blog_id=BLOG_ID)) as server:
        source = SourceConfig("pace-blog", "blogger", server.url, delay=0, schedule="daily")
        first = run_extractor(source, Known(), CrawlerSettings())
        assert len(first.documents) == POSTS
        validators = {r.url: (r.headers.get("etag"), r.headers.get("last-modified")) for r in first.raw}
        long_ago = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
        checked = {d.key: long_ago + dt.timedelta(seconds=n) for n, d in enumerate(first.documents)}
        urls = {d.key: d.url for d in first.documents}
        rounds: list[list[str]] = []
        for _ in range(7):  # a week of daily runs; the feed answers 304, so no page is reached by the walk
            known = Known(documents={key: KnownDocument(urls[key], None, at) for key, at in checked.items()},
                          validators=validators)
            server.reset_log()
            result: Extraction = run_extractor(source, known, CrawlerSettings(revalidate_days=7))
            # Post pages carry no validator yet, so each recheck is a 200 parsed again.
            rounds.append([d.key for d in result.documents] + result.unchanged)
            for key in rounds[-1]:  # as the warehouse records the check
                checked[key] = dt.datetime.now(dt.UTC)
            pages = [r.path for r in server.requests if r.path not in ("/robots.txt", "/feeds/posts/default")]
            assert len(pages) == len(rounds[-1])
    assert [len(keys) for keys in rounds] == [36] * 6 + [POSTS - 6 * 36]  # ceil(250 / 7) a run
    rechecked = [key for keys in rounds for key in keys]
    assert sorted(rechecked) == sorted(urls)  # every page once, none twice
    assert rounds[0] == [d.key for d in first.documents][:36]  # oldest check first
