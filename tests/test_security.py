"""Security as a user would check it: secrets stay out of logs and the warehouse; hostile text stays inert."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from alerts_support import SmtpReceiver, WebhookReceiver, tls_files
from support import unionwatch

from demo.server import SiteServer
from flows.commands.demo import sources_toml

SMTP_PASSWORD = "pw-7Qx-not-for-logs"
TOKEN = "T0K-5d41402abc4b2a76b9719d911017c592"
HOSTILE_TITLE = "\x1b]0;pwned\x07\x1b[2J<script>alert(1)</script> Shared services"
SUBSCRIPTIONS = """
[[subscriptions]]
id = "staff-mail"
channel = "email"
to = "campaigns@example.org"

[[subscriptions]]
id = "staff-chat"
channel = "webhook"
url_env = "HOOK_URL"
"""


def every_value(db: Path) -> str:
    """Every cell of every table and view of the warehouse, as one string."""
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [row[0] for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()]
        return "\n".join(str(con.execute(f'SELECT * FROM "{name}"').fetchall()) for name in tables)  # noqa: S608


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_secrets_never_reach_output_logs_or_the_warehouse(sites: dict[str, SiteServer], cli_env: dict[str, str],
                                                          tmp_path: Path) -> None:
    sites["active"].site.posts[0].title = HOSTILE_TITLE
    ca_file, context = tls_files(tmp_path)
    with SmtpReceiver(tls=context, users={"uw": SMTP_PASSWORD}) as smtp, WebhookReceiver() as hook:
        hook.statuses = [500]  # the first delivery fails, so error paths are exercised too
        env = cli_env | smtp.env("starttls") | {
            "UNIONWATCH_SMTP_USER": "uw", "UNIONWATCH_SMTP_PASSWORD": SMTP_PASSWORD,
            "UNIONWATCH_SMTP_CAFILE": str(ca_file), "HOOK_URL": hook.url(f"/hook/{TOKEN}")}
        config = tmp_path / "sources.toml"
        config.write_text(sources_toml({name: server.url for name, server in sites.items()}) + SUBSCRIPTIONS)
        # What a backfill discovers is sent only on request: --notify-backfill sends it.
        results = [unionwatch("backfill", "--db", "w.duckdb", cwd=tmp_path, env=env),
                   unionwatch("alerts", "send", "--notify-backfill", "--db", "w.duckdb", cwd=tmp_path, env=env),
                   unionwatch("alerts", "send", "--db", "w.duckdb", cwd=tmp_path, env=env)]
    assert results[0].returncode == 0, results[0].stderr
    assert smtp.mails and hook.accepted(f"/hook/{TOKEN}"), "alerts were delivered, so the secrets were used"
    assert any(post.status == 500 for post in hook.posts), "a failed delivery was reported"
    output = "\n".join(result.stdout + result.stderr for result in results)
    warehouse = every_value(tmp_path / "w.duckdb") + every_value(tmp_path / "w.snapshot.duckdb")
    for secret in (SMTP_PASSWORD, TOKEN):
        assert secret not in output, f"{secret!r} printed or logged"
        assert secret not in warehouse, f"{secret!r} stored in the warehouse"
    assert "\x1b" not in output and "\x07" not in output, "terminal control sequences from a title reached the CLI"
    assert "<script>alert(1)</script> Shared services" in warehouse, "the title is kept as text"
