"""Scheduled operation: `serve`'s plan, the digest flow, a short real `serve`, and the volume check over
real scheduled runs."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import requests
from alerts_support import SmtpReceiver, free_port

from config.sources import load_sources
from demo.content import BlogPost
from demo.server import SiteServer
from demo.sites import BloggerSite, demo_sites
from flows.cli import main
from flows.commands.demo import sources_toml
from flows.ingest import ingest
from flows.schedule import DIGEST_FLOW, INGEST_FLOW, plan, scheduled_digest, scheduled_ingest
from warehouse.lock import run_lock

REPO = Path(__file__).parent.parent
SERVE_TIMEOUT = 420  # a fresh local server migrates its database first: ~15 s idle, 100 s and more on a busy machine

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


PLAN_SOURCES = """
[[sources]]
id = "blog"
kind = "blogger"
url = "http://127.0.0.1:9/"

[[sources]]
id = "motions"
kind = "unison_motions"
url = "http://127.0.0.1:9/"
delay = 5

[[sources]]
id = "news"
kind = "feed"
url = "http://127.0.0.1:9/feed/"
schedule = "15 */2 * * *"

[[sources]]
id = "off"
kind = "feed"
url = "http://127.0.0.1:9/off/"
enabled = false

[[subscriptions]]
id = "weekly"
channel = "email"
to = "a@example.org"
mode = "digest"
digest = "weekly"
hour = 7

[[subscriptions]]
id = "evening"
channel = "email"
to = "a@example.org"
mode = "digest"
hour = 18

[[subscriptions]]
id = "glasgow-office"
channel = "email"
to = "b@example.org"
mode = "digest"
hour = 9
timezone = "UTC"

[[subscriptions]]
id = "now"
channel = "email"
to = "c@example.org"
"""


def test_the_plan_has_one_ingest_per_schedule_group_and_one_digest_per_time_zone(tmp_path: Path, capsys) -> None:
    config = tmp_path / "sources.toml"
    config.write_text(PLAN_SOURCES, encoding="utf-8")
    db = str(tmp_path / "w.duckdb")
    planned = plan(str(config), db)
    assert [(p.name, p.flow, p.timezone, p.parameters.get("source_ids")) for p in planned] == [
        ("ingest-news", INGEST_FLOW, None, ["news"]),
        ("ingest-daily", INGEST_FLOW, None, ["motions"]),
        ("ingest-frequent", INGEST_FLOW, None, ["blog"]),
        ("digest-europe-london", DIGEST_FLOW, "Europe/London", None),
        ("digest-utc", DIGEST_FLOW, "UTC", None)]
    crons = {p.name: p.cron for p in planned}
    assert crons["ingest-news"] == "15 */2 * * *"  # a source's own cron is kept as written
    assert crons["digest-europe-london"] == "0 7,18 * * *" and crons["digest-utc"] == "0 9 * * *"
    daily = re.fullmatch(r"(\d+) 5 \* \* \*", crons["ingest-daily"])
    frequent = re.fullmatch(r"(\d+),(\d+) \* \* \* \*", crons["ingest-frequent"])
    assert daily and frequent
    first, second = int(frequent[1]), int(frequent[2])
    assert 0 <= int(daily[1]) < 30 and 0 <= first < 30 and second == first + 30  # both within the hour
    assert int(daily[1]) != first  # spread by name: these two do not start together
    assert plan(str(config), db) == planned  # stable across restarts
    assert [p.notes for p in planned][:3] == [
        (), ("motions: no known pages yet; each run will recheck ceil(known / 7 runs in 7 days)",),
        ("blog: no known pages yet; each run will recheck ceil(known / 336 runs in 7 days)",)]

    assert main(["serve", "--plan", "--sources", str(config), "--db", db]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[0].split() == ["ingest-news", "15", "*/2", "*", "*", "*", "UTC", "news"]
    assert shown[-1].split()[:7] == ["digest-utc", "0", "9", "*", "*", "*", "UTC"]
    assert "    motions: no known pages yet; each run will recheck ceil(known / 7 runs in 7 days)" in shown


DIGEST = """
[[subscriptions]]
id = "digest"
channel = "email"
to = "campaigns@example.org"
mode = "digest"
hour = 0
timezone = "UTC"
"""
NEW_TITLE = "Council announces a new shared service centre"


def is_digest_of_the_new_post(mail) -> bool:
    """True for a daily digest email listing the post added by `digest_setup`."""
    return mail["Subject"].startswith("[unionwatch] Daily digest") and NEW_TITLE in mail.get_body(
        ("plain",)).get_content()


def set_subscription(db_path: Path, *, first_seen_days_ago: float, last_digest_days_ago: float) -> None:
    """Move the subscription's clock, as if time had passed since it was first seen and last sent a digest."""
    with duckdb.connect(str(db_path)) as con:
        con.execute("""UPDATE alert_subscriptions SET first_seen_at = now() - to_days(CAST(? AS INTEGER)),
                       last_digest_at = now() - to_seconds(CAST(? AS DOUBLE))""",
                    [int(first_seen_days_ago), last_digest_days_ago * 86400])


@pytest.fixture
def digest_setup(prefect_server, tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
                 ) -> Iterator[tuple[Path, SiteServer, SmtpReceiver]]:
    """A blog, a real SMTP server, and a warehouse that has seen the blog with a daily digest subscribed
    two days ago (its last digest just sent), then a new flagged post on the blog."""
    with SiteServer(demo_sites("active")["active"]) as server, SmtpReceiver() as smtp:
        for key, value in smtp.env().items():
            monkeypatch.setenv(key, value)
        config = tmp_path / "sources.toml"
        config.write_text(sources_toml({"active": server.url}) + DIGEST, encoding="utf-8")
        assert ingest(load_sources(config), str(db_path), extract_retry_delay=0, alerts_config=str(config)).ok
        set_subscription(db_path, first_seen_days_ago=2, last_digest_days_ago=0)
        blog = server.site
        blog.posts.append(BlogPost("5550001", blog.posts[0].blog_id, "new-shared-service-centre", NEW_TITLE,
                                   dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5), "Kath Mills", ["news"],
                                   "<p>Payroll moves to a shared service centre in April.</p>"))
        yield config, server, smtp


def test_the_digest_flow_sends_a_due_digest_without_an_ingest(digest_setup, db_path: Path) -> None:
    config, _, smtp = digest_setup
    assert ingest(load_sources(config), str(db_path), extract_retry_delay=0, alerts_config=str(config)).ok
    assert smtp.mails == []  # queued, but today's digest was already sent
    set_subscription(db_path, first_seen_days_ago=2, last_digest_days_ago=1)  # a day later, at its hour
    held = threading.Event()

    def hold_lock() -> None:
        with run_lock(db_path):  # an ingest running at the digest's hour
            held.set()
            time.sleep(2)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    held.wait(10)
    started = time.monotonic()
    report = scheduled_digest(str(config), str(db_path))
    waited = time.monotonic() - started
    holder.join()
    assert waited >= 1.5  # it waited for the lock instead of failing
    assert [(d.kind, d.status) for d in report.deliveries] == [("digest", "sent")]
    assert len(smtp.mails) == 1
    assert is_digest_of_the_new_post(smtp.mails[0].message)
    assert scheduled_digest(str(config), str(db_path)).deliveries == []  # that slot is done
    assert len(smtp.mails) == 1


def _deployment_runs(api: str) -> dict[str, list[str]]:
    """States of the started flow runs of each deployment on the Prefect server at `api`."""
    names = {d["id"]: d["name"] for d in requests.post(f"{api}/deployments/filter", json={}, timeout=30).json()}
    runs: dict[str, list[str]] = {}
    started = {"flow_runs": {"state": {"type": {"not_any_": ["SCHEDULED"]}}}}  # the future runs outnumber them
    for run in requests.post(f"{api}/flow_runs/filter", json=started, timeout=30).json():
        runs.setdefault(names.get(run["deployment_id"], "?"), []).append(run["state_type"])
    return runs


def test_serve_fires_scheduled_ingests_and_delivers_a_digest(digest_setup, db_path: Path, tmp_path: Path) -> None:
    config, _, smtp = digest_setup
    # The new post is queued first: a digest pass that finds nothing closes its slot, and the post would
    # wait for the next day's digest.
    assert ingest(load_sources(config), str(db_path), extract_retry_delay=0, alerts_config=str(config)).ok
    set_subscription(db_path, first_seen_days_ago=2, last_digest_days_ago=1)  # a day later, at its hour
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1", "PREFECT_LOGGING_LEVEL": "WARNING", "PREFECT_RUNNER_POLL_FREQUENCY": "2",
            "UNIONWATCH_SCHEDULE_SECONDS": "20"}
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115 - closed below, after the process ends
    serve = subprocess.Popen([sys.executable, "-m", "flows.cli", "serve", "--sources", str(config), "--db",
                              str(db_path), "--port", str(port)], cwd=REPO, env=env, stdout=log,
                             stderr=subprocess.STDOUT, start_new_session=True)
    api = f"http://127.0.0.1:{port}/api"
    runs: dict[str, list[str]] = {}
    try:
        deadline = time.monotonic() + SERVE_TIMEOUT
        while time.monotonic() < deadline and serve.poll() is None:
            with contextlib.suppress(requests.RequestException, ValueError):  # not up yet, or busy
                runs = _deployment_runs(api)
            if smtp.mails and all("COMPLETED" in runs.get(name, []) for name in ("ingest-frequent", "digest")):
                break
            time.sleep(1)
    finally:
        serve.send_signal(signal.SIGINT)  # Ctrl-C: the runner stops, then the local server
        try:
            serve.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
        log.close()
    server_log = tmp_path / "prefect-home" / "server.log"
    output = (tmp_path / "serve.log").read_text()[-4000:]
    output += server_log.read_text()[-2000:] if server_log.exists() else ""
    assert "COMPLETED" in runs.get("ingest-frequent", []), (runs, output)
    assert "COMPLETED" in runs.get("digest", []), (runs, output)
    assert "?" not in runs, runs  # every flow run is a deployment's: a scheduled ingest nests no flow run
    assert len(smtp.mails) == 1, output  # one digest, however many passes ran
    assert is_digest_of_the_new_post(smtp.mails[0].message)
    with pytest.raises(requests.ConnectionError):  # the local server stopped with serve
        requests.get(f"{api}/health", timeout=5)
