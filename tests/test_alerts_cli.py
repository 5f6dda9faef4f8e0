"""`unionwatch alerts preview` and `unionwatch alerts send` as a user runs them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
from alerts_support import WebhookReceiver, load, post, write_config
from support import unionwatch, user_env

from alerts import run_alerts

HOOK = '[[subscriptions]]\nid = "staff"\nchannel = "webhook"\nurl_env = "HOOK_URL"\n'


def test_preview_shows_the_next_alert_and_changes_nothing(tmp_path: Path) -> None:
    config = write_config(tmp_path, HOOK)
    with WebhookReceiver() as receiver:
        env = user_env({"HOOK_URL": receiver.url()})
        load(tmp_path / "w.duckdb", [post("blog-a", "old", "Old shared services post",
                                          published=datetime(2026, 1, 1, tzinfo=UTC))], sources=["blog-b"])
        assert run_alerts(tmp_path / "w.duckdb", config, now=datetime.now(UTC)).queued == 0, "the baseline"
        load(tmp_path / "w.duckdb", [post("blog-b", "new", "<b>New</b> shared services post",
                                          published=datetime.now(UTC) + timedelta(minutes=1))])
        preview = unionwatch("alerts", "preview", "--db", "w.duckdb", "--sources", str(config), cwd=tmp_path, env=env)
        assert preview.returncode == 0, preview.stderr
        assert "=== staff · webhook · now ===" in preview.stdout
        assert "Subject: [unionwatch] Shared services: <b>New</b> shared services post" in preview.stdout
        assert "> The council has approved a plan to move payroll and HR into a **shared service centre**" in \
            preview.stdout
        assert "1 message(s); 1 item(s) queued" in preview.stdout
        assert receiver.posts == []
        with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
            assert con.execute("SELECT count(*) FROM alert_outbox").fetchall() == [(0,)], "preview records nothing"
        sent = unionwatch("alerts", "send", "--db", "w.duckdb", "--sources", str(config), cwd=tmp_path, env=env)
        assert sent.returncode == 0, sent.stderr
        assert "staff                    item      1 item(s) sent" in sent.stdout
        assert [p.json["items"][0]["title"] for p in receiver.accepted()] == ["<b>New</b> shared services post"]
        with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
            assert con.execute("SELECT document_id, status, news FROM alert_outbox").fetchall() == [
                ("blog-b:new", "sent", "new")]


def test_send_exits_1_when_something_was_not_delivered(tmp_path: Path) -> None:
    config = write_config(tmp_path, HOOK)
    load(tmp_path / "w.duckdb", [post("blog-a", "1", "Shared services", published=datetime(2026, 1, 1, tzinfo=UTC))],
         command="backfill")
    result = unionwatch("alerts", "send", "--notify-backfill", "--db", "w.duckdb", "--sources", str(config),
                        cwd=tmp_path, env=user_env())
    assert result.returncode == 1
    assert "problem: staff: environment variable HOOK_URL is not set" in result.stdout


def test_alerts_need_a_warehouse_and_a_valid_config(tmp_path: Path) -> None:
    config = write_config(tmp_path, HOOK + 'mode = "sometimes"\n')
    missing = unionwatch("alerts", "preview", "--db", "none.duckdb", "--sources", str(config), cwd=tmp_path,
                         env=user_env())
    assert missing.returncode == 3 and "none.duckdb: no warehouse here yet" in missing.stderr
    load(tmp_path / "w.duckdb", [])
    bad = unionwatch("alerts", "send", "--db", "w.duckdb", "--sources", str(config), cwd=tmp_path,
                     env=user_env())
    assert bad.returncode == 2
    assert f"config error: {config}:17: mode 'sometimes' is not one of the choices" in bad.stderr
