"""Runs against sites that fail a fifth of their requests: the run completes, records why, and reruns catch up.

The sample sites are wrapped in demo.sites.faulty.FaultySite. A failing URL fails a whole streak of as
many requests as the fetcher makes attempts, so it stays failed through its retries in one run and answers
in the next. The sites then publish new items. The warehouse after two faulty runs before and two after
is compared, table by table in SQL (the alert outbox of an Atom subscription included), with the warehouse
of one clean run before and one after, over the very same servers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest
from alerts_support import SHARED_HTML, sample_motion, sample_post
from support import query

from config.sources import load_sources
from demo.content import GMT
from demo.server import Request, Response, SiteServer, serve_sites
from demo.sites import demo_sites
from demo.sites.faulty import FAULTS, FaultySite
from extractors.crawl.fetch import Fetcher, FetchError
from extractors.crawl.retry import RetryPolicy
from extractors.crawl.throttle import HostThrottle
from flows.commands.demo import sources_toml
from flows.ingest import ingest

SITES = ("motions", "active", "branch")
SHARE, SEED = 0.2, 9
STREAK = RetryPolicy().attempts
# A stall outlasts the fetcher's 30 s read timeout, so each costs 30 s per attempt: it is exercised
# against a fetcher with a short timeout below, and left out of the whole-run suite to keep it fast.
RUN_FAULTS = tuple(kind for kind in FAULTS if kind != "stall")
REASONS = {
    "500": "HTTP 500 after 3 attempts",
    "503": "HTTP 503 after 3 attempts",
    "reset": "connection failed",
    "stall": "timed out",
    "truncate": "connection dropped mid-body",
    "bad-gzip": "corrupt compressed body",
}
# Table contents that must not depend on how many runs it took or which requests failed along the way.
SAME_AS_CLEAN = {
    "document_keys": "document_id, source_id, kind, source_key, current_version, marker, removed_at IS NULL",
    "document_versions": "document_id, version, content_hash, url, title, author, published_at, conference, "
                         "decision, year, motion_group, labels, body, raw_sha256, marker",
    "flags": "document_id, version, topics, matched_terms, score, snippet, rules_fingerprint, cleared_at IS NULL",
    "documents": "document_id, source_id, kind, url, title, author, published_at, conference, decision, body",
    "alert_outbox": "document_id, subscription_id, status, news",
}
SUBSCRIPTION = '\n[[subscriptions]]\nid = "staff-feed"\nchannel = "atom"\npath = "alerts.atom"\n'


class Page:
    """A one-page site."""

    def handle(self, request: Request) -> Response:
        """The same small page at every path."""
        return Response.text("<html><body><p>fine</p></body></html>")


@dataclass
class FaultRuns:
    """Faulty runs against the sample sites, clean runs against the same servers, and what happened."""

    clean: Path
    faulty: Path
    sites: dict[str, FaultySite]
    run_ids: list[str]
    requests: list[int]  # per faulty run
    faults: list[Counter[str]]  # per faulty run, by kind
    news: set[str]  # ids of the items published between the first runs and the last ones


def ingest_once(servers: dict[str, SiteServer], db: Path, folder: Path) -> str:
    """One real ingestion of the served sites into `db`, alerting an Atom subscription; returns the run id."""
    folder.mkdir(exist_ok=True)
    sources = folder / "sources.toml"
    sources.write_text(sources_toml({name: server.url for name, server in servers.items()}) + SUBSCRIPTION,
                       encoding="utf-8")
    return ingest(load_sources(sources), str(db), extract_retry_delay=0, alerts_config=str(sources)).run_id


def publish_news(sites: dict[str, object]) -> set[str]:
    """New items on the sample sites, as their authors publish them: the document ids alerts should carry."""
    now = datetime.now(GMT)
    sites["active"].posts += [
        sample_post("5551001", "new-shared-service-centre", "A shared service centre for payroll",
                    now - timedelta(hours=1), SHARED_HTML),
        sample_post("5551002", "back-dated-shared-services", "Shared services, back-dated to 2012",
                    datetime(2012, 1, 15, 12, tzinfo=GMT), SHARED_HTML, updated=now - timedelta(minutes=30))]
    sites["motions"].motions.append(sample_motion("shared-services-review-now", "Shared services review",
                                                  now.year, now.date()))
    return {"sample-active:5551001", "sample-active:5551002", "sample-motions:shared-services-review-now"}


@pytest.fixture(scope="module")
def runs(prefect_server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultRuns]:
    """A clean and a faulty warehouse over the same three sample sites: each sees the sites, then new items.

    The clean one runs once before the news and once after. The faulty one runs twice before and twice
    after, with 20 % of URL streaks failing, so faults hit both the history and the news.
    """
    tmp = tmp_path_factory.mktemp("faults")
    with serve_sites(demo_sites(*SITES)) as servers:
        originals = {name: server.site for name, server in servers.items()}
        ingest_once(servers, tmp / "clean.duckdb", tmp / "clean")
        sites = {name: FaultySite(site, SHARE, SEED, RUN_FAULTS, streak=STREAK) for name, site in originals.items()}
        result = FaultRuns(tmp / "clean.duckdb", tmp / "faulty.duckdb", sites, [], [], [], set())

        def faulty_runs() -> None:
            for name, server in servers.items():
                server.site = sites[name]
            for _ in range(2):
                before_requests = sum(sum(site.hits.values()) for site in sites.values())
                before_faults = sum((site.faults for site in sites.values()), Counter())
                result.run_ids.append(ingest_once(servers, result.faulty, tmp / "faulty"))
                result.requests.append(sum(sum(site.hits.values()) for site in sites.values()) - before_requests)
                result.faults.append(sum((site.faults for site in sites.values()), Counter()) - before_faults)
            for name, server in servers.items():
                server.site = originals[name]

        faulty_runs()
        result.news = publish_news(originals)
        ingest_once(servers, tmp / "clean.duckdb", tmp / "clean")
        faulty_runs()
        yield result


def differences(db: Path, clean: Path, table: str, columns: str) -> list[tuple]:
    """Rows of `table` in one warehouse and not the other (either way, duplicates counted)."""
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("ATTACH ? AS clean (READ_ONLY)", [str(clean)])
        return con.execute(f"""(SELECT 'extra', {columns} FROM {table}
                                EXCEPT ALL SELECT 'extra', {columns} FROM clean.{table})
                               UNION ALL
                               (SELECT 'missing', {columns} FROM clean.{table}
                                EXCEPT ALL SELECT 'missing', {columns} FROM {table})""").fetchall()  # noqa: S608


@pytest.mark.parametrize("kind", FAULTS)
def test_each_fault_is_retried_then_reported_in_plain_words(kind: str) -> None:
    site = FaultySite(Page(), share=1.0, seed=SEED, kinds=(kind,), streak=STREAK, stall_seconds=10)
    with SiteServer(site) as server:
        fetcher = Fetcher(delay=0, retry=RetryPolicy(attempts=STREAK, base=0.01), timeout=(5, 0.3),
                          throttle=HostThrottle(), obey_robots=False)
        try:
            with pytest.raises(FetchError) as failed:
                fetcher.get(server.url + "page")
            again = fetcher.get(server.url + "page")  # the next run
        finally:
            site.release()
            fetcher.close()
    assert REASONS[kind] in failed.value.reason and failed.value.attempts == STREAK
    assert again.status == 200 and again.body.endswith(b"</html>")
    assert [(item.nth, item.fault) for item in site.injected] == [(n, kind) for n in range(1, STREAK + 1)]


def test_the_fault_schedule_is_reproducible_and_every_url_recovers() -> None:
    first, second = (FaultySite(Page(), SHARE, SEED, streak=2) for _ in range(2))
    urls = [f"/page/{n}" for n in range(2000)]
    for site in (first, second):
        site.release()  # stalls answer at once
        for _ in range(4):
            for url in urls:
                site.handle(Request("GET", url, {}, {}))
    assert first.injected == second.injected
    failing = Counter(item.target for item in first.injected)
    assert set(failing.values()) == {2}, "a failing URL fails exactly one streak, then recovers"
    first_streaks = {item.target for item in first.injected if item.nth <= 2}
    assert 0.15 < len(first_streaks) / len(urls) < 0.25, "a fifth of the streaks fail"
    assert set(first.faults) == set(FAULTS)


def test_a_run_with_a_fifth_of_requests_failing_completes(runs: FaultRuns) -> None:
    statuses = query(runs.faulty, "SELECT run_id, status, finished_at IS NOT NULL FROM runs")
    assert sorted(statuses) == sorted((run_id, "succeeded", True) for run_id in runs.run_ids)
    assert sum(runs.faults[0].values()) >= 0.1 * runs.requests[0], runs.faults[0]
    assert len(runs.faults[0]) >= 3, "the first run should meet several kinds of fault"
    print(f"\nfault suite: share {SHARE} of URL streaks, seed {SEED}, streak {STREAK}, faults {', '.join(RUN_FAULTS)}")
    clean_documents = query(runs.clean, "SELECT count(*) FROM documents")[0][0]
    for number, (requests, faults) in enumerate(zip(runs.requests, runs.faults, strict=True), start=1):
        recorded = query(runs.faulty, "SELECT count(*) FROM fetch_failures WHERE run_id = ?",
                         [runs.run_ids[number - 1]])[0][0]
        stored = query(runs.faulty, "SELECT count(*) FROM document_versions WHERE run_id IN "
                       "(SELECT unnest(?::VARCHAR[]))", [runs.run_ids[:number]])[0][0]
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(faults.items()))
        print(f"run {number}: {requests} requests, {sum(faults.values())} faults injected ({kinds}), "
              f"{recorded} failures recorded, {stored} of {clean_documents} documents stored")


def test_failures_are_recorded_per_url_with_reason_and_attempts(runs: FaultRuns) -> None:
    rows = query(runs.faulty, "SELECT url, reason, attempts FROM fetch_failures WHERE run_id = ?", [runs.run_ids[0]])
    assert rows, "the seed should make at least one URL fail through all its retries"
    injected = {item.target: item.fault for site in runs.sites.values() for item in site.injected}
    for url, reason, attempts in rows:
        parts = urlsplit(url)
        target = parts.path + (f"?{'&'.join(sorted(parts.query.split('&')))}" if parts.query else "")
        assert REASONS[injected[target]] in reason and attempts == STREAK, (url, reason, attempts)


def test_reruns_add_no_duplicate_documents_versions_or_flags(runs: FaultRuns) -> None:
    assert query(runs.faulty, """SELECT document_id, count(*) FROM document_versions GROUP BY ALL
                                 HAVING count(*) > 1""") == []
    assert query(runs.faulty, "SELECT count(*) - count(DISTINCT document_id) FROM flags") == [(0,)]
    for table in ("document_versions", "flags", "documents"):
        extra = [row for row in differences(runs.faulty, runs.clean, table, SAME_AS_CLEAN[table]) if row[0] == "extra"]
        assert extra == [], f"{table}: rows a clean run does not have"


def test_after_the_next_run_the_warehouse_equals_a_clean_run(runs: FaultRuns) -> None:
    for table, columns in SAME_AS_CLEAN.items():
        assert differences(runs.faulty, runs.clean, table, columns) == [], table


def test_the_faulty_runs_alert_exactly_what_the_clean_runs_alert(runs: FaultRuns) -> None:
    sent = query(runs.faulty, "SELECT document_id, status, news FROM alert_outbox ORDER BY 1")
    assert sent == sorted((document_id, "sent", "new") for document_id in runs.news), \
        "the new items, once each; nothing the first faulty run could not fetch is announced as new"
    assert differences(runs.faulty, runs.clean, "alert_outbox", SAME_AS_CLEAN["alert_outbox"]) == []
