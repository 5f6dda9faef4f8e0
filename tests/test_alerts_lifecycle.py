"""What lands in campaign staff's inboxes over a real life cycle, driven through the `unionwatch` command.

The sample sites are served on 127.0.0.1 and changed between commands, as their authors would change
them; one Atom and one email subscription (a real SMTP server) follow every step:
first `run` (nothing), `backfill` that finds history the first run did not see (nothing), new posts
including a back-dated one, an old motion published late and an old post edited to newly mention shared
services, then `run` (exactly those, once each, in both channels), a rerun (nothing again), and a
`backfill --notify-backfill` (exactly what that backfill discovered).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import feedparser
import pytest
from alerts_support import SHARED_HTML, SmtpReceiver, sample_motion, sample_post
from support import unionwatch, user_env

from demo.content import GMT
from demo.server import SiteServer, serve_sites
from demo.sites import demo_sites
from flows.commands.demo import sources_toml

SUBSCRIPTIONS = """
[[subscriptions]]
id = "campaigns-feed"
channel = "atom"
path = "alerts.atom"

[[subscriptions]]
id = "campaigns-email"
channel = "email"
to = "campaigns@example.org"
"""
NOW = dt.datetime.now(GMT).replace(microsecond=0)
LIFE_SITES = ("motions", "active")  # a motions database and a Blogger blog with a feed


@dataclasses.dataclass
class Life:
    """The served sites, the SMTP server and the folder the commands run in."""

    sites: dict[str, SiteServer]
    smtp: SmtpReceiver
    folder: Path
    env: dict[str, str]

    def unionwatch(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the console command as a user would, in the folder holding sources.toml."""
        return unionwatch(*args, "--db", "w.duckdb", cwd=self.folder, env=user_env(self.env), timeout=600)

    def subjects(self) -> list[str]:
        """Subjects of every email received so far, in order."""
        return [mail.message["Subject"] for mail in self.smtp.mails]

    def feed_titles(self) -> list[str]:
        """Entry titles of the Atom feed file, newest first."""
        return [entry.title for entry in feedparser.parse((self.folder / "alerts.atom").read_bytes()).entries]


@pytest.fixture
def life(prefect_server, tmp_path: Path) -> Iterator[Life]:
    from flows.prefect_server import configured_api

    with serve_sites(demo_sites(*LIFE_SITES)) as sites, SmtpReceiver() as smtp:
        sources = sources_toml({name: server.url for name, server in sites.items()})
        (tmp_path / "sources.toml").write_text(sources + SUBSCRIPTIONS, encoding="utf-8")
        yield Life(sites, smtp, tmp_path, smtp.env() | {"PREFECT_API_URL": str(configured_api())})


def document_ids(folder: Path) -> set[str]:
    with duckdb.connect(str(folder / "w.duckdb"), read_only=True) as con:
        return {row[0] for row in con.execute("SELECT document_id FROM documents").fetchall()}


def test_only_genuinely_new_items_reach_the_inbox_and_the_feed_once_each(life: Life) -> None:
    first = life.unionwatch("run")
    assert first.returncode == 0, first.stderr
    assert "Alerts: 0 queued" in first.stdout
    assert life.subjects() == [] and life.feed_titles() == [], "the first run is every source's baseline"

    # History the first run did not reach: an old motion on a later listing page, a 2010 post deep in the feed.
    motions, blog = life.sites["motions"].site, life.sites["active"].site
    motions.motions.append(sample_motion("shared-payroll-2010", "Shared payroll services (2010)", 2010,
                                         dt.date(2010, 3, 1)))
    blog.posts.append(sample_post("5550100", "old-shared-service", "Shared service plans, 2010",
                                  dt.datetime(2010, 5, 1, 9, tzinfo=GMT), SHARED_HTML))
    backfill = life.unionwatch("backfill")
    assert backfill.returncode == 0, backfill.stderr
    assert {"sample-motions:shared-payroll-2010", "sample-active:5550100"} <= document_ids(life.folder), \
        "the backfill found the history"
    assert life.subjects() == [] and life.feed_titles() == [], "nothing a backfill discovers is alerted"

    # Then the sites change as they do in real life.
    blog.posts.append(sample_post("5550201", "new-shared-service-centre", "Council announces a shared service centre",
                                  NOW - dt.timedelta(hours=2), SHARED_HTML))
    blog.posts.append(sample_post("5550202", "back-dated-shared-services", "Back-dated: shared services in 2012",
                                  dt.datetime(2012, 1, 15, 12, tzinfo=GMT), SHARED_HTML,
                                  updated=NOW - dt.timedelta(hours=1)))
    blog.posts.append(sample_post("5550203", "branch-social", "Branch social on Friday", NOW - dt.timedelta(hours=1),
                                  "<p>Drinks and a quiz at the usual place; all members welcome.</p>"))
    edited = next(p for p in blog.posts if p.post_id == "7743021958836402117")  # 2010, not flagged so far
    edited.body_html += SHARED_HTML
    edited.updated = NOW - dt.timedelta(minutes=30)
    already_flagged = next(p for p in blog.posts if p.post_id == "3190672845513307781")
    already_flagged.body_html += "<p>Update: the consultation closes on Friday.</p>"
    already_flagged.updated = NOW - dt.timedelta(minutes=20)
    motions.motions.append(sample_motion("shared-services-late-2023", "Shared services (published late)", 2023,
                                         dt.date(2022, 11, 30)))
    news = life.unionwatch("run")
    assert news.returncode == 0, news.stderr
    expected = ["Council announces a shared service centre", "Back-dated: shared services in 2012",
                "Updated: " + edited.title, "Shared services (published late)"]
    assert sorted(subject.split(": ", 1)[1] for subject in life.subjects()) == sorted(expected)
    assert sorted(life.feed_titles()) == sorted(expected)
    assert "Alerts: 8 queued, 5 message(s) delivered" in news.stdout  # 4 emails, 1 rewrite of the feed

    again = life.unionwatch("run")
    assert "Alerts: 0 queued, 0 message(s) delivered" in again.stdout, again.stderr
    assert len(life.subjects()) == len(set(life.subjects())) == 4 and len(life.feed_titles()) == 4

    # Asked for, a backfill's own discoveries are sent: only those, once.
    motions.motions.append(sample_motion("shared-pensions-2008", "Shared pensions service (2008)", 2008,
                                         dt.date(2008, 4, 2)))
    asked = life.unionwatch("backfill", "--notify-backfill")
    assert asked.returncode == 0, asked.stderr
    assert life.subjects()[4:] == ["[unionwatch] Shared services: Shared pensions service (2008)"]
    assert life.feed_titles()[0] == "Shared pensions service (2008)" and len(life.feed_titles()) == 5
    print(f"\nlife cycle (Atom / email items): first run 0/0, backfill 0/0, new posts run 4/4, rerun 0/0, "
          f"backfill --notify-backfill {len(life.feed_titles()) - 4}/{len(life.subjects()) - 4}")


def test_a_misspelled_table_stops_the_run_before_any_request(life: Life) -> None:
    path = life.folder / "sources.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[[subscriptions]]", "[[subscription]]", 1), encoding="utf-8")
    for server in life.sites.values():
        server.reset_log()
    result = life.unionwatch("run")
    line = text.splitlines().index("[[subscriptions]]") + 1
    assert result.returncode == 2
    assert f"config error: {path.name}:{line}: unknown top-level table [[subscription]]" in result.stderr
    assert "did you mean [[subscriptions]]?" in result.stderr
    assert [request for server in life.sites.values() for request in server.requests] == []
    assert not (life.folder / "w.duckdb").exists()
