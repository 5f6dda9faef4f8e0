"""The whole sources file is checked at once: sources, [crawler], [[subscriptions]], [maintainer], nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from alerts_support import SOURCES_TOML, write_config

from config.sources import ConfigError
from flows.settings import load_settings

SUBSCRIPTION = '[[subscriptions]]\nid = "campaigns"\nchannel = "email"\nto = "campaigns@example.org"\n'
FIRST_TABLE_LINE = SOURCES_TOML.count("\n") + 2  # write_config adds a blank line after the sources


def mistake(tmp_path: Path, tables: str) -> str:
    """The message of the ConfigError that loading a sources file with `tables` raises."""
    with pytest.raises(ConfigError) as raised:
        load_settings(write_config(tmp_path, tables))
    return str(raised.value)


def test_a_complete_file_loads_every_part(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, SUBSCRIPTION + '\n[maintainer]\nchannel = "email"\n'
                                                                   'to = "ops@example.org"\n'))
    assert [source.id for source in settings.sources] == ["blog-a", "blog-b"]
    assert [s.id for s in settings.alerts.subscriptions] == ["campaigns"]
    assert settings.alerts.subscriptions[0].since_days is None, "no date window unless asked"
    assert settings.alerts.maintainer.target.to == ("ops@example.org",)


@pytest.mark.parametrize(("tables", "line", "problem", "fix"), [
    (SUBSCRIPTION.replace("[[subscriptions]]", "[[subscription]]"), 0, "unknown top-level table [[subscription]]",
     "did you mean [[subscriptions]]?"),
    ("[maintainers]\nchannel = \"email\"\n", 0, "unknown top-level table [maintainers]", "did you mean [maintainer]?"),
    ("[crawlr]\ncontact = \"mailto:a@example.org\"\n", 0, "unknown top-level table [crawlr]",
     "did you mean [crawler]?"),
    ("[[alerts]]\nid = \"x\"\n", 0, "unknown top-level table [[alerts]]",
     "the file takes only [[sources]], [crawler], [[subscriptions]], [maintainer]"),
])
def test_an_unknown_table_names_the_line_and_the_likely_intended_one(tmp_path: Path, tables: str, line: int,
                                                                     problem: str, fix: str) -> None:
    message = mistake(tmp_path, tables)
    path = tmp_path / "sources.toml"
    assert message.startswith(f"{path}:{FIRST_TABLE_LINE + line}: {problem}")
    assert fix in message.split("fix: ")[1]


def test_an_unknown_top_level_key_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text('contact = "mailto:a@example.org"\n\n' + SOURCES_TOML, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    assert str(raised.value).startswith(f"{path}:1: unknown top-level key `contact`")


def test_a_subscription_mistake_is_found_with_the_sources(tmp_path: Path) -> None:
    message = mistake(tmp_path, SUBSCRIPTION + 'topics = ["outsourcing"]\n')
    assert "unknown topic 'outsourcing'" in message
