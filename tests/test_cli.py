"""The `unionwatch` command as a user runs it: help, config errors, and the offline demo."""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
import support
from support import user_env

from demo.content import ACTIVE_BLOG_POSTS, BRANCH_BLOG_POSTS, MOTIONS, REPOST_POST
from demo.news_content import NEWS_ITEMS, PRESS_RELEASE_ITEM
from demo.wordpress_content import EDITED_RELEASE_POST, PRESS_POSTS, WP_POSTS
from records import ARTICLE


def unionwatch(*args: str, cwd: Path, fresh_home: bool = False,
               extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the console command in `cwd`; `fresh_home` drops Prefect settings and points HOME at `cwd`."""
    env = user_env()
    if fresh_home:
        env = {k: v for k, v in env.items() if not k.startswith(("PREFECT_", "DO_NOT_TRACK"))} | {"HOME": str(cwd)}
    return support.unionwatch(*args, cwd=cwd, env=env | (extra_env or {}))


def test_help_teaches_the_commands(tmp_path: Path) -> None:
    result = unionwatch("--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "unionwatch demo" in result.stdout and "unionwatch run" in result.stdout and "exit codes" in result.stdout


def test_help_names_each_setting_with_the_default_the_code_uses(tmp_path: Path) -> None:
    from flows.prefect_server import DEFAULT_LINGER, LINGER_ENV
    from transforms.related import CACHE_ENV
    from warehouse.db import MEMORY_LIMIT_ENV, WRITER_MEMORY_LIMIT

    lines = unionwatch("--help", cwd=tmp_path).stdout.splitlines()
    named = {line.split()[0]: line for line in lines if line.startswith("  UNIONWATCH_")}
    assert f"({DEFAULT_LINGER:.0f};" in named[LINGER_ENV]
    assert f"({WRITER_MEMORY_LIMIT})" in named[MEMORY_LIMIT_ENV]
    assert "~/.cache/unionwatch" in named[CACHE_ENV]


def test_config_error_stops_before_anything_runs(tmp_path: Path) -> None:
    (tmp_path / "sources.toml").write_text('[[sources]]\nid = "x"\nkind = "myspace"\nurl = "http://127.0.0.1:9/"\n')
    result = unionwatch("run", "--db", "w.duckdb", cwd=tmp_path)
    assert result.returncode == 2
    assert "sources.toml:1: unknown kind 'myspace'" in result.stderr and "fix: use one of" in result.stderr
    assert not (tmp_path / "w.duckdb").exists()


def test_a_prefect_server_that_cannot_start_ends_the_run_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "sources.toml").write_text('[[sources]]\nid = "x"\nkind = "blogger"\nurl = "http://127.0.0.1:9/"\n')
    broken = {"PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{tmp_path}/no/such/folder/prefect.db"}
    result = unionwatch("run", "--db", "w.duckdb", cwd=tmp_path, fresh_home=True, extra_env=broken)
    assert result.returncode == 4
    assert "the Prefect server exited" in result.stderr and "prefect/server.log" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "w.duckdb").exists()


def test_demo_ingests_the_sample_sites_and_shows_flags(tmp_path: Path) -> None:
    result = unionwatch("demo", "--db", "demo.duckdb", cwd=tmp_path, fresh_home=True)
    assert result.returncode == 0, result.stderr
    assert "all sources succeeded" in result.stdout
    assert "Latest flagged items:" in result.stdout and "**" in result.stdout
    assert "SELECT title, topics, snippet FROM flagged_documents" in result.stdout
    with duckdb.connect(str(tmp_path / "demo.duckdb"), read_only=True) as con:
        flagged = {row[0] for row in con.execute("SELECT document_id FROM flagged_documents").fetchall()}
        quarantined = con.execute("SELECT document_id, reasons FROM quarantine").fetchall()
        per_kind = dict(con.execute("SELECT source_id, count(*) FROM documents GROUP BY ALL").fetchall())
    # Every item is published: an untitled WordPress post titled by its first words, a password-protected
    # one with its title only, a video-only and a photo Blogger post, the news item whose page is gone (its
    # summary), and the JSON Feed's items with their full text (the PDF's too). The magazine-theme site's
    # sitemap leaves its password-protected post out. The demo adds a press release to the news site and its
    # two reposts (demo_sites(reposts=True)).
    assert per_kind == {"sample-motions": 18, "sample-active": len(ACTIVE_BLOG_POSTS),
                        "sample-branch": len(BRANCH_BLOG_POSTS) + 1, "sample-wordpress": len(WP_POSTS) + 1,
                        "sample-press": sum(not p.password for p in PRESS_POSTS),
                        "sample-news": len(NEWS_ITEMS), "sample-news-json": len(NEWS_ITEMS) + 1}
    assert "held = rows kept in quarantine" not in result.stdout and quarantined == []
    expected = {f"sample-motions:{m.slug}" for m in MOTIONS if m.expected_topics}
    expected |= {f"sample-{blog}:{p.post_id}" for blog, posts in (("active", ACTIVE_BLOG_POSTS),
                                                                   ("branch", [*BRANCH_BLOG_POSTS, REPOST_POST]))
                 for p in posts if p.expected_topics}
    expected |= {f"sample-wordpress:{p.post_id}" for p in [*WP_POSTS, EDITED_RELEASE_POST] if p.expected_topics}
    expected |= {f"sample-press:{p.post_id}" for p in PRESS_POSTS if p.expected_topics and not p.password}
    assert {doc for doc in flagged if not doc.startswith(("sample-news:", "sample-news-json:"))} == expected
    assert sum(doc.startswith("sample-news:") for doc in flagged) == sum(
        bool(item.expected_topics) for item in [*NEWS_ITEMS, PRESS_RELEASE_ITEM] if item.kind == ARTICLE)
    assert sum(doc.startswith("sample-news-json:") for doc in flagged) == sum(
        bool(item.expected_topics) for item in [*NEWS_ITEMS, PRESS_RELEASE_ITEM])
    flagged = unionwatch("explain", "sample-motions:shared-services", "--db", "demo.duckdb", cwd=tmp_path)
    assert flagged.returncode == 0 and "stored flag: shared_services" in flagged.stdout
    assert "shared_services (Shared services): MATCH" in flagged.stdout
    quiet = unionwatch("explain", "sample-motions:valuing-administrative-and-clerical-staff", "--db", "demo.duckdb",
                       cwd=tmp_path)
    assert "stored flag: none" in quiet.stdout and "result: not flagged" in quiet.stdout
    missing = unionwatch("explain", "no-such-thing", "--db", "demo.duckdb", cwd=tmp_path)
    assert missing.returncode == 2 and "no document 'no-such-thing'" in missing.stderr
    # Prefect state stays in the project, never in the user's home.
    assert (tmp_path / ".unionwatch" / "prefect").is_dir() and not (tmp_path / ".prefect").exists()
