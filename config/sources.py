"""Reads and validates sources.toml, reporting mistakes with file, line and a fix."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from records import CrawlerSettings, SourceConfig
from records.sources import RECORD_KINDS

KINDS = tuple(RECORD_KINDS)
SOURCE_KEYS = {"id", "kind", "url", "name", "enabled", "delay", "schedule"}
SCHEDULES = ("frequent", "hourly", "daily")  # or a five-field cron expression
CRON = re.compile(r"^\s*(\S+\s+){4}\S+\s*$")
CRAWLER_KEYS = {"contact", "revalidate_days", "slice_documents"}
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
TABLE_HEADER = re.compile(r"^\s*\[\[\s*sources\s*\]\]\s*(#.*)?$")
ANY_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
TOP_KEY = re.compile(r"^\s*([A-Za-z0-9_.\"'-]+?)\s*=")
# The tables this module reads, as they are written in the file.
SOURCE_TABLES = ("[[sources]]", "[crawler]")
DEFAULT_DELAY = 2.0


class ConfigError(ValueError):
    """A sources file that cannot be used; the message names file, line and fix."""

    def __init__(self, path: Path, line: int | None, problem: str, fix: str) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {problem}\n  fix: {fix}")


def load_sources(path: Path | str) -> list[SourceConfig]:
    """Every source of a sources file, enabled or not, in file order."""
    return load_config(path)[0]


def load_config(path: Path | str) -> tuple[list[SourceConfig], CrawlerSettings]:
    """Parse a sources file: its sources and its [crawler] settings."""
    path = Path(path)
    text = _read(path)
    data = _parse(path, text)
    tables = data.get("sources")
    if not isinstance(tables, list) or not tables:
        raise ConfigError(path, None, "no [[sources]] tables",
                          'add a table: [[sources]] id = "my-blog" kind = "blogger" url = "https://…/"')
    lines = _table_lines(text)
    sources: list[SourceConfig] = []
    seen: dict[str, int] = {}
    for index, table in enumerate(tables):
        line = lines[index] if index < len(lines) else None
        source = _validate(path, line, table)
        if source.id in seen:
            raise ConfigError(path, line, f"duplicate source id {source.id!r} (first used at line {seen[source.id]})",
                              "give every source a unique id")
        seen[source.id] = line or 0
        sources.append(source)
    return sources, _crawler(path, data.get("crawler", {}), text)


def check_top_level(path: Path | str, tables: Iterable[str]) -> None:
    """Refuse top-level tables and keys other than `tables` (written as in the file, e.g. "[[sources]]").

    The error names the line and, when one is close, the table that was probably meant.
    """
    path = Path(path)
    text = _read(path)
    data = _parse(path, text)
    allowed = {table.strip("[]"): table for table in tables}
    for name in data:
        if name in allowed:
            continue
        line, written = _top_level_line(text, name)
        close = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.6)
        kind = "table" if written.startswith("[") else "key"
        hint = f"did you mean {allowed[close[0]]}? " if close else ""
        raise ConfigError(path, line, f"unknown top-level {kind} {written}",
                          f"{hint}the file takes only {', '.join(allowed.values())}")


def suggest(name: str, allowed: Iterable[str]) -> str:
    """"did you mean 'x'? " when `allowed` holds a name close to `name`, else ""."""
    close = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}? " if close else ""


def _top_level_line(text: str, name: str) -> tuple[int | None, str]:
    """Line of the first header or top-level key that defines `name`, and how it is written there."""
    in_table = False
    for number, row in enumerate(text.splitlines(), start=1):
        header = ANY_HEADER.match(row)
        if header:
            in_table = True
            first = header.group(2).split(".")[0].strip().strip("\"'")
            if first == name:
                brackets = header.group(1)
                return number, f"{brackets}{header.group(2)}{brackets.replace('[', ']')}"
            continue
        key = TOP_KEY.match(row)
        if key and not in_table and key.group(1).split(".")[0].strip("\"'") == name:
            return number, f"`{name}`"
    return None, f"`{name}`"


def _read(path: Path) -> str:
    """The file's text, or a ConfigError saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, None, "file not found",
                          "pass --sources PATH, or copy the sources.toml shipped in the repository") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(path, None, f"not UTF-8 text ({exc.reason})", "save the file as UTF-8") from None


def _parse(path: Path, text: str) -> dict:
    """The file's TOML, or a ConfigError at the line of the syntax error."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _line_of_decode_error(str(exc))
        raise ConfigError(path, line, f"invalid TOML: {exc}",
                          "check quotes, brackets and `key = value` syntax on that line") from None


def _crawler(path: Path, table: object, text: str) -> CrawlerSettings:
    """Validate the optional [crawler] table."""
    line = next((n for n, row in enumerate(text.splitlines(), start=1) if row.strip() == "[crawler]"), None)
    if not isinstance(table, dict):
        raise ConfigError(path, line, "`crawler` must be a table", "write it as [crawler] with key = value lines")
    unknown = sorted(set(table) - CRAWLER_KEYS)
    if unknown:
        raise ConfigError(path, line, f"unknown key {unknown[0]!r} in [crawler]",
                          f"{suggest(unknown[0], CRAWLER_KEYS)}use only: {', '.join(sorted(CRAWLER_KEYS))}")
    contact = table.get("contact", CrawlerSettings.contact)
    if not isinstance(contact, str) or not contact.startswith(("http://", "https://", "mailto:")):
        raise ConfigError(path, line, f"contact {contact!r} is not a URL or mailto: address",
                          'write e.g. contact = "mailto:campaigns@example.org" (site owners see it)')
    days = table.get("revalidate_days", CrawlerSettings.revalidate_days)
    if isinstance(days, bool) or not isinstance(days, int | float) or days < 0:
        raise ConfigError(path, line, f"revalidate_days {days!r} is not a number ≥ 0", "write e.g. revalidate_days = 7")
    size = table.get("slice_documents", CrawlerSettings.slice_documents)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ConfigError(path, line, f"slice_documents {size!r} is not a whole number ≥ 1",
                          "write e.g. slice_documents = 1000")
    return CrawlerSettings(contact=contact, revalidate_days=float(days), slice_documents=size)


def _validate(path: Path, line: int | None, table: dict) -> SourceConfig:
    """Check one [[sources]] table and build its SourceConfig."""
    unknown = sorted(set(table) - SOURCE_KEYS)
    if unknown:
        raise ConfigError(path, line, f"unknown key {unknown[0]!r} in [[sources]]",
                          f"{suggest(unknown[0], SOURCE_KEYS)}use only: {', '.join(sorted(SOURCE_KEYS))}")
    for key in ("id", "kind", "url"):
        if key not in table:
            raise ConfigError(path, line, f"[[sources]] table without `{key}`", f'add `{key} = "…"` to this table')
        if not isinstance(table[key], str) or not table[key].strip():
            raise ConfigError(path, line, f"`{key}` must be a non-empty string", f'write `{key} = "…"`')
    source_id, kind, url = table["id"].strip(), table["kind"].strip(), table["url"].strip()
    if not ID_PATTERN.match(source_id):
        raise ConfigError(path, line, f"source id {source_id!r} is not a slug",
                          "use lowercase letters, digits, '-' and '_' (at most 64 characters)")
    if kind not in KINDS:
        raise ConfigError(path, line, f"unknown kind {kind!r} for source {source_id!r}",
                          f"use one of: {', '.join(KINDS)}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(path, line, f"url {url!r} of source {source_id!r} is not an http(s) URL",
                          'write the site root, e.g. url = "https://www.example.org/"')
    delay = table.get("delay", DEFAULT_DELAY)
    if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
        raise ConfigError(path, line, f"delay {delay!r} of source {source_id!r} is not a number of seconds ≥ 0",
                          "write e.g. delay = 2 (0 only for local test sites)")
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(path, line, f"enabled {enabled!r} of source {source_id!r} is not true/false",
                          "write enabled = true or enabled = false")
    name = table.get("name", source_id)
    if not isinstance(name, str):
        raise ConfigError(path, line, f"name of source {source_id!r} is not a string", 'write name = "…"')
    schedule = table.get("schedule", "daily" if kind == "unison_motions" else "frequent")
    if not isinstance(schedule, str) or not (schedule in SCHEDULES or CRON.match(schedule)):
        raise ConfigError(path, line, f"schedule {schedule!r} of source {source_id!r} is not known",
                          f'use one of {", ".join(SCHEDULES)} or a cron expression such as "15 */2 * * *"')
    return SourceConfig(id=source_id, kind=kind, url=url, name=name, enabled=enabled, delay=float(delay),
                        schedule=schedule.strip())


def _table_lines(text: str) -> list[int]:
    """Line numbers (1-based) of each [[sources]] header, in order."""
    return [number for number, line in enumerate(text.splitlines(), start=1) if TABLE_HEADER.match(line)]


def _line_of_decode_error(message: str) -> int | None:
    """Pull the line number out of a tomllib error message."""
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None
