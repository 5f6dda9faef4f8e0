"""Source config: valid files load; every mistake names the file, the line and a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.sources import ConfigError, load_config, load_sources

VALID = """\
[[sources]]
id = "motions"
kind = "unison_motions"
url = "http://127.0.0.1:8801/"
delay = 0

[[sources]]
id = "blog"
kind = "blogger"
url = "https://example.blogspot.com/"
name = "Example blog"
enabled = false
"""


def write(tmp_path: Path, text: str) -> Path:
    """Write a sources file and return its path."""
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_file_loads_with_defaults(tmp_path: Path) -> None:
    sources = load_sources(write(tmp_path, VALID))
    assert [(s.id, s.kind, s.delay, s.enabled, s.name) for s in sources] == [
        ("motions", "unison_motions", 0.0, True, "motions"),
        ("blog", "blogger", 2.0, False, "Example blog"),
    ]


@pytest.mark.parametrize(("text", "line", "problem", "fix"), [
    (VALID.replace('kind = "blogger"', 'kind = "tumblr"'), 7, "unknown kind 'tumblr'", "use one of: unison_motions"),
    (VALID.replace('url = "https://example.blogspot.com/"\n', ""), 7, "without `url`", 'add `url = "…"`'),
    (VALID.replace('id = "blog"', 'id = "motions"'), 7, "duplicate source id 'motions'", "unique id"),
    (VALID.replace("delay = 0", "delay = -1"), 1, "not a number of seconds", "delay = 2"),
    (VALID.replace('url = "http://127.0.0.1:8801/"', 'url = "ftp://x/"'), 1, "not an http(s) URL", "site root"),
    (VALID.replace('id = "motions"', 'id = "motions'), 2, "invalid TOML", "check quotes"),
    (VALID + 'colour = "red"\n', 7, "unknown key 'colour'", "use only:"),
])
def test_mistakes_name_file_line_and_fix(tmp_path: Path, text: str, line: int, problem: str, fix: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: ")
    assert problem in message
    assert "fix: " in message and fix in message


def test_missing_file_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found.*\n  fix: pass --sources"):
        load_sources(tmp_path / "nope.toml")


def test_shipped_sources_file_is_valid() -> None:
    sources = load_sources(Path(__file__).parent.parent / "sources.toml")
    assert {s.kind for s in sources} == {"unison_motions", "blogger"}
    assert all(s.delay >= 2 for s in sources), "real sites get a polite delay"


@pytest.mark.parametrize("value", ["0", "-5", "2.5", '"500"', "true"])
def test_slice_size_must_be_a_whole_number(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, f"[crawler]\nslice_documents = {value}\n\n" + VALID)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}:1: ") and "slice_documents" in str(caught.value)
    assert "fix: write e.g. slice_documents = 1000" in str(caught.value)


def test_slice_size_is_read_from_the_crawler_table(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, VALID))[1].slice_documents == 1000
    assert load_config(write(tmp_path, "[crawler]\nslice_documents = 40\n\n" + VALID))[1].slice_documents == 40
