"""Delivering alerts for real: a local SMTP server and HTTP receiver, Atom files, reruns, crashes and retries."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import feedparser
import pytest
from alerts_support import SmtpReceiver, WebhookReceiver, baseline, load, post, tls_files, write_config
from conftest import CORE_SITES

from alerts import AlertReport, run_alerts
from config.sources import load_sources
from demo.content import BlogPost
from demo.server import serve_sites
from demo.sites import demo_sites
from flows.commands.demo import sources_toml
from flows.ingest import ingest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT_TITLE = "<script>alert(1)</script> shared services"
EMAIL = '[[subscriptions]]\nid = "campaigns"\nchannel = "email"\nto = "campaigns@example.org"\n'
ACTIVE_ONLY = 'sources = ["sample-active"]\n'  # the blog with the hostile title: 4 flagged posts
FLAGGED_ACTIVE_ITEMS = 4
HOOK = '[[subscriptions]]\nid = "hook"\nchannel = "webhook"\nurl_env = "HOOK_URL"\n'
FLAGGED_SAMPLE_ITEMS = 18


@pytest.fixture(scope="session")
def ingested(prefect_server, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The sample sites backfilled by the real flow, one post title made hostile: (warehouse, [[sources]]).

    Their items reach a subscription only with notify_backfill, as a user's `--notify-backfill` would.
    """
    folder = tmp_path_factory.mktemp("alerts-ingested")
    sites = demo_sites(*CORE_SITES)
    sites["active"].posts[0].title = SCRIPT_TITLE
    with serve_sites(sites) as servers:
        sources = sources_toml({name: server.url for name, server in servers.items()})
        (folder / "sources.toml").write_text(sources, encoding="utf-8")
        summary = ingest(load_sources(folder / "sources.toml"), str(folder / "w.duckdb"), command="backfill",
                         backfill=True, extract_retry_delay=0)
    assert summary.ok
    return folder / "w.duckdb", sources


@pytest.fixture
def sample_db(ingested: tuple[Path, str], db_path: Path) -> Path:
    """A copy of the ingested sample warehouse for one test."""
    db_path.parent.mkdir(parents=True)
    shutil.copy(ingested[0], db_path)
    return db_path




@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch):
    with WebhookReceiver() as server:
        monkeypatch.setenv("HOOK_URL", server.url("/hook"))
        yield server


def outbox(db_path: Path) -> dict[str, tuple[str, int]]:
    """(status, attempts) of every outbox row, by document id."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.execute("SELECT document_id, status, attempts FROM alert_outbox").fetchall()
    return {document_id: (status, attempts) for document_id, status, attempts in rows}


def now() -> datetime:
    return datetime.now(UTC)


def three_posts(db_path: Path) -> None:
    """Three flagged posts that a run finds after blog-a's first complete run (its baseline)."""
    baseline(db_path, ["blog-a"])
    moment = now() + timedelta(minutes=1)
    load(db_path, [post("blog-a", str(n), f"Shared services post {n}", published=moment + timedelta(minutes=n))
                   for n in range(3)])


def test_an_email_per_item_exact_and_escaped(sample_db: Path, ingested, smtp: SmtpReceiver, tmp_path: Path) -> None:
    config = write_config(tmp_path, EMAIL + ACTIVE_ONLY, sources=ingested[1])
    report = run_alerts(sample_db, config, now=now(), notify_backfill=True)
    assert len(report.sent) == len(smtp.mails) == FLAGGED_ACTIVE_ITEMS and report.ok
    mail = next(m for m in smtp.mails if "alert(1)" in m.message["Subject"])
    with duckdb.connect(str(sample_db), read_only=True) as con:
        url, snippet, key = con.execute(
            """SELECT d.url, f.snippet, o.dedupe_key FROM flagged_documents f JOIN documents d USING (document_id)
               JOIN alert_outbox o USING (document_id) WHERE d.title = ?""", [SCRIPT_TITLE]).fetchone()
    message = mail.message
    assert (mail.mail_from, mail.recipients) == ("unionwatch@example.org", ["campaigns@example.org"])
    assert message["Subject"] == f"[unionwatch] Back-office cuts, Shared services: {SCRIPT_TITLE}"
    assert (message["From"], message["To"]) == ("unionwatch@example.org", "campaigns@example.org")
    assert message["Message-ID"] == f"<{key}@example.org>" and message["X-Unionwatch-Dedupe-Key"] == key
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.iter_parts()
    assert plain.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert plain.get_content().splitlines() == (  # SMTP carries CRLF line ends
        "Newly flagged: Back-office cuts, Shared services\n\n"
        f"{SCRIPT_TITLE}\n"
        "UNISONActive (sample) by Kath Mills · published 10 Dec 2009 · Back-office cuts, Shared services\n"
        f"{url}\n"
        f"> {snippet}\n\n"
        "--\n"
        "unionwatch subscription 'campaigns': each item is sent to it at most once. "
        "Why and how to change it: docs/alerts.md.\n").splitlines()
    body = html.get_content()
    assert "<script" not in body
    assert f'<a href="{url}">&lt;script&gt;alert(1)&lt;/script&gt; shared services</a>' in body
    assert "<mark>shared service centres</mark>" in body and "**" not in body


def test_a_rerun_sends_nothing_again(sample_db: Path, ingested, smtp: SmtpReceiver, tmp_path: Path) -> None:
    config = write_config(tmp_path, EMAIL + ACTIVE_ONLY, sources=ingested[1])
    run_alerts(sample_db, config, now=now(), notify_backfill=True)
    report = run_alerts(sample_db, config, now=now(), notify_backfill=True)
    assert report.deliveries == [] and report.queued == 0
    assert len(smtp.mails) == len({m.message["Message-ID"] for m in smtp.mails}) == FLAGGED_ACTIVE_ITEMS


@pytest.mark.usefixtures("prefect_server")
def test_first_run_and_backfill_send_nothing_and_a_new_post_goes_once(sites, db_path: Path, smtp: SmtpReceiver,
                                                                      tmp_path: Path) -> None:
    sources = sources_toml({name: server.url for name, server in sites.items()})
    config = write_config(tmp_path, EMAIL + ACTIVE_ONLY, sources=sources)

    def run(**options: object) -> AlertReport:
        summary = ingest(load_sources(config), str(db_path), extract_retry_delay=0, alerts_config=str(config),
                         **options)
        assert summary.alerts is not None
        return summary.alerts

    assert run().queued == 0, "the first run is every source's baseline"
    assert run(command="backfill", backfill=True).queued == 0, "a backfill finds history"
    assert smtp.mails == []
    blog = sites["active"].site
    blog.posts.append(BlogPost("5550001", blog.posts[0].blog_id, "new-shared-service-centre",
                               "Council announces a new shared service centre", now() - timedelta(days=400),
                               "Kath Mills", ["news"], "<p>Payroll moves to a shared service centre in April.</p>"))
    assert run().queued == 1, "a new post is news, even one dated more than a year ago"
    assert run().queued == 0
    assert [m.message["Subject"] for m in smtp.mails] == [
        "[unionwatch] Shared services: Council announces a new shared service centre"]


def test_webhook_slack_and_teams_payloads(db_path: Path, receiver: WebhookReceiver, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    tables = "\n".join(f'[[subscriptions]]\nid = "{style}"\nchannel = "{style}"\nurl_env = "{style.upper()}_URL"\n'
                       for style in ("webhook", "slack", "teams"))
    for style in ("webhook", "slack", "teams"):
        monkeypatch.setenv(f"{style.upper()}_URL", receiver.url(f"/{style}"))
    config = write_config(tmp_path, tables)
    load(db_path, [post("blog-a", "1", SCRIPT_TITLE, published=datetime(2026, 2, 1, 9, tzinfo=UTC))],
         command="backfill")
    run_alerts(db_path, config, now=now(), notify_backfill=True)
    generic, slack, teams = (receiver.accepted(f"/{style}") for style in ("webhook", "slack", "teams"))
    assert len(generic) == len(slack) == len(teams) == 1
    payload = generic[0].json
    assert generic[0].headers["Idempotency-Key"] == payload["dedupe_key"] == payload["items"][0]["dedupe_key"]
    assert generic[0].headers["Content-Type"] == "application/json; charset=utf-8"
    assert payload["type"] == "unionwatch.item" and payload["subscription"] == "webhook"
    assert {k: payload["items"][0][k] for k in ("document_id", "title", "source_name", "topics", "published_at")} == {
        "document_id": "blog-a:1", "title": SCRIPT_TITLE, "source_name": "Blog A", "topics": ["shared_services"],
        "published_at": "2026-02-01T09:00:00+00:00"}
    assert slack[0].json["text"] == (
        "[unionwatch] Shared services: &lt;script&gt;alert(1)&lt;/script&gt; shared services")
    assert [block["type"] for block in slack[0].json["blocks"]] == ["header", "rich_text"]
    card = teams[0].json["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["body"][1]["inlines"][0]["text"] == SCRIPT_TITLE


def test_a_refused_delivery_is_retried_on_the_next_run(db_path: Path, receiver: WebhookReceiver,
                                                       tmp_path: Path) -> None:
    config = write_config(tmp_path, HOOK)
    run_alerts(db_path, config, now=now())
    three_posts(db_path)
    receiver.statuses = [500]
    first = run_alerts(db_path, config, now=now())
    assert [(d.status, d.error) for d in first.deliveries] == [("retry", "webhook webhook answered HTTP 500")]
    assert sorted(outbox(db_path).values()) == [("pending", 0), ("pending", 0), ("retry", 1)]
    second = run_alerts(db_path, config, now=now())
    assert [d.status for d in second.deliveries] == ["sent"] * 3
    keys = Counter(p.headers["Idempotency-Key"] for p in receiver.accepted())
    assert len(keys) == 3 and set(keys.values()) == {1}
    assert sorted(outbox(db_path).values()) == [("sent", 1), ("sent", 1), ("sent", 2)]


def test_after_n_failures_an_item_is_given_up_and_maintainers_are_told(
        db_path: Path, receiver: WebhookReceiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPS_URL", receiver.url("/ops"))
    config = write_config(tmp_path, HOOK + '\n[maintainer]\nchannel = "webhook"\nurl_env = "OPS_URL"\n'
                                           "delivery_attempts = 2\n")
    baseline(db_path, ["blog-a"])
    run_alerts(db_path, config, now=now())
    load(db_path, [post("blog-a", "1", "Shared services", published=now() + timedelta(minutes=1))])
    receiver.statuses = [500, 500]
    assert [d.status for d in run_alerts(db_path, config, now=now()).deliveries] == ["retry"]
    assert [d.status for d in run_alerts(db_path, config, now=now()).deliveries] == ["failed"]
    assert run_alerts(db_path, config, now=now()).deliveries == []
    assert [p.status for p in receiver.posts if p.path == "/hook"] == [500, 500], "no third attempt"
    (ops,) = receiver.accepted("/ops")
    assert [(n["condition"], n["subject"], n["event"]) for n in ops.json["notices"]] == [
        ("delivery_failed", "hook", "opened")]
    assert ops.json["notices"][0]["detail"] == (
        "1 item(s) given up after 2 attempts; last error: webhook webhook answered HTTP 500")
    assert outbox(db_path) == {"blog-a:1": ("failed", 2)}


CRASH = """
import os, sys
from datetime import UTC, datetime
from alerts import AlertReport, run_alerts
from {module} import {cls} as channel

send = channel.send

def stop(self, message):
    {action}
    os._exit(17)

channel.send = stop
run_alerts(sys.argv[1], sys.argv[2], now=datetime.now(UTC), notify_backfill=len(sys.argv) > 3)
"""


def crash(db_path: Path, config: Path, module: str, cls: str, action: str, *flags: str) -> None:
    """Run alerts in a process that stops dead inside the first send (`action` runs first)."""
    script = CRASH.format(module=module, cls=cls, action=action)
    result = subprocess.run([sys.executable, "-c", script, str(db_path), str(config), *flags], cwd=ROOT,
                            env=dict(os.environ), capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 17, result.stderr


@pytest.mark.parametrize(("action", "received_before_rerun"), [
    ("send(self, message)  # the message leaves, the process dies before recording it", 1),
    ("pass  # the claim is committed, the process dies before sending", 0),
])
def test_a_crash_mid_send_never_causes_a_second_copy(db_path: Path, receiver: WebhookReceiver, tmp_path: Path,
                                                     action: str, received_before_rerun: int) -> None:
    config = write_config(tmp_path, HOOK)
    run_alerts(db_path, config, now=now())
    three_posts(db_path)
    crash(db_path, config, "alerts.channels.webhook", "WebhookChannel", action)
    assert len(receiver.accepted()) == received_before_rerun
    assert sorted(status for status, _ in outbox(db_path).values()) == ["pending", "pending", "sending"]
    report = run_alerts(db_path, config, now=now())
    assert report.interrupted == {"hook": 1} and not report.ok
    assert sorted(status for status, _ in outbox(db_path).values()) == ["sent", "sent", "unknown"]
    keys = Counter(p.headers["Idempotency-Key"] for p in receiver.accepted())
    assert sum(keys.values()) == 2 + received_before_rerun and set(keys.values()) == {1}
    assert report.maintainer == ["PROBLEM: Alert delivery interrupted: hook: 1 item(s) were being sent when a run "
                                 "stopped; they may or may not have arrived and will not be resent"]
    assert run_alerts(db_path, config, now=now()).deliveries == []


def test_the_atom_feed_is_valid_escaped_and_redone_after_a_crash(sample_db: Path, ingested, tmp_path: Path) -> None:
    config = write_config(tmp_path, '[[subscriptions]]\nid = "feed"\nchannel = "atom"\npath = "feeds/uw.atom"\n',
                          sources=ingested[1])
    feed_path = tmp_path / "feeds" / "uw.atom"
    run_alerts(sample_db, config, now=now())
    assert feedparser.parse(feed_path.read_bytes()).entries == [], "the first run writes an empty feed to follow"
    crash(sample_db, config, "alerts.channels.atom", "AtomChannel", "send(self, message)", "--notify-backfill")
    assert len(feedparser.parse(feed_path.read_bytes()).entries) == FLAGGED_SAMPLE_ITEMS
    report = run_alerts(sample_db, config, now=now(), notify_backfill=True)
    assert report.interrupted == {} and [(d.status, len(d.document_ids)) for d in report.deliveries] == [
        ("sent", FLAGGED_SAMPLE_ITEMS)]
    raw = feed_path.read_bytes()
    parsed = feedparser.parse(raw)
    assert not parsed.bozo and parsed.feed.title == "unionwatch: feed"
    assert len(parsed.entries) == len({entry.id for entry in parsed.entries}) == FLAGGED_SAMPLE_ITEMS
    hostile = next(entry for entry in parsed.entries if "alert(1)" in entry.title)
    assert hostile.title == SCRIPT_TITLE and hostile.title_detail.type == "text/plain"
    assert b"<script" not in raw and b"&lt;script&gt;" in raw
    assert "shared service centres" in hostile.summary and {t.term for t in hostile.tags} == {
        "shared_services", "back_office_cuts"}
    assert not list(feed_path.parent.glob(".*.tmp")), "no temporary file is left behind"


def test_a_feed_with_nothing_new_is_left_alone(sample_db: Path, ingested, tmp_path: Path) -> None:
    config = write_config(tmp_path, '[[subscriptions]]\nid = "feed"\nchannel = "atom"\npath = "uw.atom"\n',
                          sources=ingested[1])
    run_alerts(sample_db, config, now=now(), notify_backfill=True)
    first = (tmp_path / "uw.atom").read_bytes()
    assert run_alerts(sample_db, config, now=now()).deliveries == []
    assert (tmp_path / "uw.atom").read_bytes() == first, "nothing new: the feed is left as it is"


def test_a_digest_lists_all_new_items_by_source_once_its_hour_comes(sample_db: Path, ingested, smtp: SmtpReceiver,
                                                                     tmp_path: Path) -> None:
    config = write_config(tmp_path, EMAIL + 'mode = "digest"\nhour = 8\n', sources=ingested[1])
    monday = datetime(2030, 1, 7, tzinfo=UTC)
    run_alerts(sample_db, config, now=monday + timedelta(hours=7), notify_backfill=True)
    assert smtp.mails == [], "the subscription was first seen after Sunday's digest time"
    report = run_alerts(sample_db, config, now=monday + timedelta(hours=8, minutes=5))
    assert [(d.kind, len(d.document_ids)) for d in report.deliveries] == [("digest", FLAGGED_SAMPLE_ITEMS)]
    (mail,) = smtp.mails
    assert mail.message["Subject"] == f"[unionwatch] Daily digest, 7 Jan 2030: {FLAGGED_SAMPLE_ITEMS} new items"
    text = mail.message.get_body(("plain",)).get_content()
    assert [line for line in text.splitlines() if line.startswith("== ")] == [
        "== Branch blog (sample) (4) ==", "== UNISON policy motions (sample) (10) ==",
        "== UNISONActive (sample) (4) =="]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in mail.message.get_body(("html",)).get_content()
    assert run_alerts(sample_db, config, now=monday + timedelta(hours=20)).deliveries == []
    assert run_alerts(sample_db, config, now=monday + timedelta(days=1, hours=9)).deliveries == [], "nothing new"
    assert len(smtp.mails) == 1


@pytest.mark.filterwarnings("ignore:'imghdr' is deprecated:DeprecationWarning")
def test_an_apprise_url_delivers(db_path: Path, receiver: WebhookReceiver, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPRISE_URL", receiver.url("/apprise").replace("http://", "json://"))
    config = write_config(tmp_path, '[[subscriptions]]\nid = "chat"\nchannel = "apprise"\nurl_env = "APPRISE_URL"\n')
    load(db_path, [post("blog-a", "1", SCRIPT_TITLE, published=datetime(2026, 2, 1, 9, tzinfo=UTC))],
         command="backfill")
    assert [d.status for d in run_alerts(db_path, config, now=now(), notify_backfill=True).deliveries] == ["sent"]
    (received,) = receiver.accepted("/apprise")
    assert received.json["title"] == f"[unionwatch] Shared services: {SCRIPT_TITLE}"
    assert SCRIPT_TITLE in received.json["message"] and "<mark>" not in received.json["message"]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")  # it is TLS, implicitly
@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_encrypted_smtp_with_login_from_the_environment(db_path: Path, tmp_path: Path, security: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    ca_file, context = tls_files(tmp_path)
    with SmtpReceiver(tls=context, implicit_tls=security == "ssl", users={"uw": "s3cret pass"}) as server:
        for name, value in server.env(security).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("UNIONWATCH_SMTP_USER", "uw")
        monkeypatch.setenv("UNIONWATCH_SMTP_PASSWORD", "s3cret pass")
        monkeypatch.setenv("UNIONWATCH_SMTP_CAFILE", str(ca_file))
        load(db_path, [post("blog-a", "1", "Shared services", published=datetime(2026, 2, 1, tzinfo=UTC))],
             command="backfill")
        report = run_alerts(db_path, write_config(tmp_path, EMAIL), now=now(), notify_backfill=True)
    assert report.ok and [m.login for m in server.mails] == ["uw"]


def test_a_refusing_mail_relay_is_retried(db_path: Path, smtp: SmtpReceiver, tmp_path: Path) -> None:
    config = write_config(tmp_path, EMAIL)
    load(db_path, [post("blog-a", "1", "Shared services", published=datetime(2026, 2, 1, tzinfo=UTC))],
         command="backfill")
    smtp.refuse = ["451 4.3.0 Try again later"]
    first = run_alerts(db_path, config, now=now(), notify_backfill=True)
    assert [(d.status, d.error) for d in first.deliveries] == [
        ("retry", "mail relay refused the message: 451 4.3.0 Try again later")]
    assert [d.status for d in run_alerts(db_path, config, now=now()).deliveries] == ["sent"]
    assert len(smtp.mails) == 1


def test_a_missing_secret_sends_nothing_and_loses_nothing(db_path: Path, receiver: WebhookReceiver,
                                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_config(tmp_path, HOOK)
    load(db_path, [post("blog-a", "1", "Shared services", published=datetime(2026, 2, 1, tzinfo=UTC))],
         command="backfill")
    monkeypatch.delenv("HOOK_URL")
    report = run_alerts(db_path, config, now=now(), notify_backfill=True)
    assert report.problems == ["hook: environment variable HOOK_URL is not set (it holds the webhook URL of 'hook'); "
                               "nothing was sent there"]
    assert outbox(db_path) == {"blog-a:1": ("pending", 0)}
    monkeypatch.setenv("HOOK_URL", receiver.url())
    assert [d.status for d in run_alerts(db_path, config, now=now()).deliveries] == ["sent"]
