"""The demo's reposted press release over real HTTP: one alert naming its copies, exact flags unchanged."""

from __future__ import annotations

from copy import deepcopy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from alerts_support import WebhookReceiver

from config.sources import load_sources
from demo.content import REPOST_POST
from demo.news_content import PRESS_RELEASE_ITEM
from demo.server import serve_sites
from demo.sites import demo_sites
from demo.wordpress_content import EDITED_RELEASE_POST
from flows.commands.demo import sources_toml
from flows.ingest import ingest
from warehouse.outbox import COPY_OF_STORY

HOOK = '\n[[subscriptions]]\nid = "hook"\nchannel = "webhook"\nurl_env = "HOOK_URL"\nsince_days = 36500\n'
REPOST_SLUG = REPOST_POST.slug
EDITED = "sample-wordpress:1296"


def test_a_reposted_press_release_is_one_alert_listing_its_copies(prefect_server, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    sites = demo_sites("news", "branch", "wordpress")
    release, repost, edited = deepcopy(PRESS_RELEASE_ITEM), deepcopy(REPOST_POST), deepcopy(EDITED_RELEASE_POST)
    db = tmp_path / "w.duckdb"
    with serve_sites(sites) as servers, WebhookReceiver() as receiver:
        monkeypatch.setenv("HOOK_URL", receiver.url("/hook"))
        config = tmp_path / "sources.toml"
        config.write_text(sources_toml({name: server.url for name, server in servers.items()}) + HOOK,
                          encoding="utf-8")

        def run() -> None:
            assert ingest(load_sources(config), str(db), extract_retry_delay=0, alerts_config=str(config)).ok

        run()
        assert receiver.accepted() == [], "what was there before the subscription is not announced"
        release.published = datetime.now(UTC)  # news: published after the subscription was first seen
        repost.published = edited.published = release.published + timedelta(minutes=1)
        sites["news"].items.append(release)
        sites["branch"].posts.append(repost)
        run()
        [message] = receiver.accepted()
        [item] = message.json["items"]
        release_id = item["document_id"]
        # The demo reads the news site twice (RSS and JSON Feed): the release itself is a copy in the other feed.
        assert release_id.startswith("sample-news") and release_id.endswith("?p=4131")
        copies = {copy["source_id"]: copy["url"] for copy in item["also_at"]}
        assert set(copies) == {"sample-news", "sample-news-json", "sample-branch"} - {release_id.split(":")[0]}
        assert copies["sample-branch"].endswith(f"/{REPOST_SLUG}.html")
        sites["wordpress"].posts.append(edited)
        run()
        assert len(receiver.accepted()) == 1, "a copy found later joins the story without a new alert"
    with duckdb.connect(str(db), read_only=True) as con:
        story = con.execute("SELECT story_id, documents, sources FROM stories WHERE story_id = ?",
                            [release_id]).fetchone()
        flagged = {row[0] for row in con.execute("SELECT document_id FROM flagged_documents").fetchall()}
        edited_row = con.execute("SELECT status, reason FROM alert_outbox WHERE document_id = ?", [EDITED]).fetchone()
        [repost_id] = con.execute("SELECT document_id FROM documents WHERE url LIKE ?",
                                  [f"%{REPOST_SLUG}%"]).fetchone()
    assert story == (release_id, 4, 4)
    assert {release_id, repost_id, EDITED} <= flagged, "copies keep their exact flags"
    assert edited_row == ("skipped", COPY_OF_STORY)
