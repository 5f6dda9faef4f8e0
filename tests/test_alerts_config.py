"""The [[subscriptions]] and [maintainer] tables of sources.toml: what they mean and how mistakes are reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from alerts_support import SOURCES_TOML, write_config

from alerts.config import Maintainer, Subscription, Target, load_alert_config
from config.sources import ConfigError

EVERY_CHANNEL = """
[[subscriptions]]
id = "campaigns-email"
channel = "email"
to = ["campaigns@example.org", "Organiser <organiser@example.org>"]
topics = ["shared_services"]

[[subscriptions]]
id = "weekly-digest"
channel = "email"
to = "branch@example.org"
sources = ["blog-b"]
mode = "digest"
digest = "weekly"
weekday = "friday"
hour = 7
timezone = "Europe/London"

[[subscriptions]]
id = "slack"
channel = "slack"
url_env = "UNIONWATCH_SLACK_URL"
since_days = 14

[[subscriptions]]
id = "feed"
channel = "atom"
path = "feeds/alerts.atom"
include_related = true

[maintainer]
channel = "webhook"
url_env = "UNIONWATCH_OPS_WEBHOOK"
failing_runs = 2
failure_rate = 0.25
"""


def test_every_channel_and_the_maintainer_table_are_read(tmp_path: Path) -> None:
    config = load_alert_config(write_config(tmp_path, EVERY_CHANNEL))
    assert config.subscriptions == (
        Subscription("campaigns-email", Target("email", to=("campaigns@example.org",
                                                            "Organiser <organiser@example.org>")),
                     topics=("shared_services",)),
        Subscription("weekly-digest", Target("email", to=("branch@example.org",)), sources=("blog-b",),
                     mode="digest", digest="weekly", hour=7, weekday=4),
        Subscription("slack", Target("slack", url_env="UNIONWATCH_SLACK_URL"), since_days=14),
        Subscription("feed", Target("atom", path=tmp_path / "feeds" / "alerts.atom"), include_related=True),
    )
    assert config.maintainer == Maintainer(Target("webhook", url_env="UNIONWATCH_OPS_WEBHOOK"), failing_runs=2,
                                           failure_rate=0.25)
    assert config.source_names == {"blog-a": "Blog A", "blog-b": "Blog B"}
    assert config.topic_labels == {"shared_services": "Shared services", "back_office_cuts": "Back-office cuts"}


def test_a_file_without_alerting_tables_has_no_subscriptions(tmp_path: Path) -> None:
    config = load_alert_config(write_config(tmp_path, ""))
    assert config.subscriptions == () and config.maintainer == Maintainer()


SOURCES_LINES = SOURCES_TOML.count("\n") + 1  # write_config adds a blank line after the sources


@pytest.mark.parametrize(("tables", "line", "problem", "fix"), [
    ('[[subscriptions]]\nid = "x"\nchannel = "slack"\nurl_env = "https://hooks.slack.com/services/T0/B0/secret"\n',
     4, "url_env must name an environment variable, not hold the URL", 'url_env = "UNIONWATCH_WEBHOOK_URL"'),
    ('[[subscriptions]]\nid = "x"\nchannel = "email"\nto = "a@example.org"\ntopic = ["shared_services"]\n',
     5, "unknown key 'topic' in [[subscriptions]]", "did you mean 'topics'? use only:"),
    ('[[subscriptions]]\nid = "x"\nchannel = "email"\nto = "a@example.org"\nsince_days = 0\n',
     5, "since_days 0 is not a whole number from 1 to 36500", "since_days = 30"),
    ('[[subscriptions]]\nid = "x"\nchannel = "email"\nto = "a@example.org"\ntopics = ["outsourcing"]\n',
     5, "unknown topic 'outsourcing'", "back_office_cuts, shared_services"),
    ('[[subscriptions]]\nid = "x"\nchannel = "email"\nto = "a@example.org"\nsources = ["blog-c"]\n',
     5, "unknown source 'blog-c'", "blog-a, blog-b"),
    ('[[subscriptions]]\nid = "x"\nchannel = "email"\nto = "a@example.org"\nhour = 9\n',
     5, "`hour` only applies to digests", 'add mode = "digest"'),
    ('[[subscriptions]]\nid = "x"\nchannel = "atom"\npath = "a.atom"\nmode = "digest"\n',
     5, "an Atom feed is rewritten on every run", 'mode = "immediate"'),
    ('[[subscriptions]]\nid = "x"\nchannel = "email"\n', 1, "the email channel of subscription 'x' needs `to`",
     'to = ["campaigns@example.org"]'),
    ('[[subscriptions]]\nid = "x"\nchannel = "email"\nto = "not an address"\n', 4, "is not an email address",
     "to = "),
    ('[[subscriptions]]\nid = "x"\nchannel = "webhook"\nurl_env = "HOOK"\nto = "a@example.org"\n', 5,
     "`to` does not apply to the webhook channel", "takes `url_env`"),
    ('[[subscriptions]]\nid = "x"\nchannel = "pager"\n', 3, "channel 'pager' is not one of the choices",
     "email, webhook, slack, teams, apprise, atom"),
    ('[[subscriptions]]\nid = "x"\nchannel = "email"\nto = "a@example.org"\nmode = "digest"\n'
     'timezone = "Mars/Olympus"\n', 6, "unknown time zone 'Mars/Olympus'", "IANA name"),
    ('[[subscriptions]]\nid = "x"\nchannel = "email"\nto = "a@example.org"\nmode = "digest"\nhour = 24\n',
     6, "hour 24 is not a whole number from 0 to 23", "hour = 8"),
    ('[[subscriptions]]\nid = "x"\nchannel = "email"\nto = "a@example.org"\n\n'
     '[[subscriptions]]\nid = "x"\nchannel = "email"\nto = "b@example.org"\n',
     7, "duplicate subscription id 'x' (first used at line", "unique id"),
    ('[[subscriptions]]\nid = "x"\nchannel = "email"\nto = "a@example.org"\ninclude_related = "yes"\n',
     5, "include_related 'yes' is not true or false", "include_related = true"),
    ('[maintainer]\nchannel = "atom"\npath = "ops.atom"\n', 2, "channel 'atom' is not one of the choices",
     "email, webhook, slack, teams, apprise"),
    ('[maintainer]\nchannel = "email"\nto = "ops@example.org"\nfailure_rate = 5\n', 4,
     "failure_rate 5 is not a share between 0 and 1", "failure_rate = 0.5"),
])
def test_mistakes_name_the_line_and_a_fix(tmp_path: Path, tables: str, line: int, problem: str, fix: str) -> None:
    path = write_config(tmp_path, tables)
    with pytest.raises(ConfigError) as raised:
        load_alert_config(path)
    where, _, rest = str(raised.value).partition(": ")
    assert where == f"{path}:{SOURCES_LINES + line}"
    assert problem in rest
    assert fix in rest.split("fix: ")[1]
