"""Reads the [[subscriptions]] and [maintainer] tables of sources.toml, reporting mistakes with file, line and fix."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from config.sources import ID_PATTERN, ConfigError, load_sources, suggest
from transforms.classify import load_rules

# The tables this module reads, as they are written in the file.
ALERT_TABLES = ("[[subscriptions]]", "[maintainer]")
# The tables this module reads, as they are written in the file.
ALERT_TABLES = ("[[subscriptions]]", "[maintainer]")
CHANNELS = ("email", "webhook", "slack", "teams", "apprise", "atom")
URL_CHANNELS = ("webhook", "slack", "teams", "apprise")
MAINTAINER_CHANNELS = ("email", "webhook", "slack", "teams", "apprise")
MODES = ("immediate", "digest")
SCHEDULES = ("daily", "weekly")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TARGET_KEYS = {"channel", "to", "url_env", "path"}
SUBSCRIPTION_KEYS = TARGET_KEYS | {"id", "topics", "sources", "mode", "digest", "hour", "weekday", "timezone",
                                   "since_days", "include_related"}
MAINTAINER_KEYS = TARGET_KEYS | {"failing_runs", "failure_rate", "min_items", "delivery_attempts"}
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?\s*(#.*)?$")
DEFAULT_HOUR = 8
DEFAULT_TIMEZONE = "Europe/London"


@dataclass(frozen=True)
class Target:
    """Where messages go: a channel and its address (the URL itself stays in the environment)."""

    channel: str
    to: tuple[str, ...] = ()
    url_env: str | None = None
    path: Path | None = None


@dataclass(frozen=True)
class Subscription:
    """One [[subscriptions]] table: who hears about which flagged items, how and when."""

    id: str
    target: Target
    topics: tuple[str, ...] | None = None  # None: every topic
    sources: tuple[str, ...] | None = None  # None: every source
    mode: str = "immediate"
    digest: str = "daily"
    hour: int = DEFAULT_HOUR
    weekday: int = 0  # Monday
    timezone: str = DEFAULT_TIMEZONE
    since_days: int | None = None  # None: items are sent whatever their published date
    include_related: bool = False  # also documents scored related without a topic flag, in their own section

    @property
    def channel(self) -> str:
        """The channel name, e.g. "email"."""
        return self.target.channel


@dataclass(frozen=True)
class Maintainer:
    """The [maintainer] table: where operational alerts go and when they fire."""

    target: Target | None = None  # None: maintainer alerts go to the log only
    failing_runs: int = 3
    failure_rate: float = 0.5
    min_items: int = 4
    delivery_attempts: int = 5


@dataclass(frozen=True)
class AlertConfig:
    """Everything alerting needs from the config file."""

    path: Path
    subscriptions: tuple[Subscription, ...]
    maintainer: Maintainer
    source_names: dict[str, str]
    topic_labels: dict[str, str]


def load_alert_config(path: Path | str, rules_path: Path | None = None) -> AlertConfig:
    """Parse the alerting tables of a sources file; sources and topics are checked against the same files."""
    path = Path(path)
    sources = load_sources(path)  # reports unreadable files and TOML syntax errors first
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    lines = _Lines(text)
    topic_labels = {topic.id: topic.label for topic in load_rules(rules_path).topics}
    known = {"sources": {source.id for source in sources}, "topics": set(topic_labels)}
    tables = data.get("subscriptions", [])
    if not isinstance(tables, list):
        raise ConfigError(path, lines.header("subscriptions"), "`subscriptions` must be an array of tables",
                          "write each subscription as a [[subscriptions]] table")
    subscriptions: list[Subscription] = []
    seen: dict[str, int] = {}
    for index, table in enumerate(tables):
        where = _Table(path, lines, "subscriptions", index, table)
        subscription = _subscription(where, known)
        if subscription.id in seen:
            raise ConfigError(path, where.line("id"), f"duplicate subscription id {subscription.id!r} "
                              f"(first used at line {seen[subscription.id]})", "give every subscription a unique id")
        seen[subscription.id] = where.line("id") or 0
        subscriptions.append(subscription)
    maintainer_table = data.get("maintainer", {})
    maintainer = _maintainer(_Table(path, lines, "maintainer", 0, maintainer_table))
    return AlertConfig(path, tuple(subscriptions), maintainer, {s.id: s.name for s in sources}, topic_labels)


class _Lines:
    """Line numbers of table headers and keys, so errors can point at the exact line."""

    def __init__(self, text: str) -> None:
        self.headers: list[tuple[int, str]] = []
        self.keys: dict[int, dict[str, int]] = {}
        current = 0
        for number, line in enumerate(text.splitlines(), start=1):
            match = HEADER.match(line)
            if match:
                current = number
                self.headers.append((number, match.group(1)))
                self.keys[current] = {}
                continue
            key = line.split("=", 1)[0].strip()
            if "=" in line and key and current:
                self.keys[current].setdefault(key.strip('"'), number)

    def header(self, name: str, index: int = 0) -> int | None:
        """Line of the `index`-th header named `name`."""
        found = [number for number, header in self.headers if header == name]
        return found[index] if index < len(found) else None

    def key(self, header: int | None, key: str) -> int | None:
        """Line of `key` inside the table starting at `header`, else the header line."""
        if header is None:
            return None
        return self.keys.get(header, {}).get(key, header)


@dataclass
class _Table:
    """One table being validated, with what it takes to point at its lines."""

    path: Path
    lines: _Lines
    name: str
    index: int
    data: object

    def line(self, key: str | None = None) -> int | None:
        """Line of `key` in this table (the header's line when the key is absent)."""
        header = self.lines.header(self.name, self.index)
        return header if key is None else self.lines.key(header, key)

    def error(self, key: str | None, problem: str, fix: str) -> ConfigError:
        """A ConfigError at `key`'s line."""
        return ConfigError(self.path, self.line(key), problem, fix)

    def get(self, key: str, default: object = None) -> object:
        """The value of `key`, or `default`."""
        return self.data.get(key, default) if isinstance(self.data, dict) else default


def _subscription(table: _Table, known: dict[str, set[str]]) -> Subscription:
    """Check one [[subscriptions]] table."""
    _check_keys(table, SUBSCRIPTION_KEYS, "[[subscriptions]]")
    subscription_id = table.get("id")
    if not isinstance(subscription_id, str) or not ID_PATTERN.match(subscription_id):
        raise table.error("id", f"subscription id {subscription_id!r} is missing or not a slug",
                          'add e.g. id = "campaigns-email" (lowercase letters, digits, - and _)')
    target = _target(table, CHANNELS, f"subscription {subscription_id!r}")
    topics = _choice_list(table, "topics", known["topics"])
    sources = _choice_list(table, "sources", known["sources"])
    mode = _one_of(table, "mode", MODES, "immediate")
    if target.channel == "atom" and mode != "immediate":
        raise table.error("mode", "an Atom feed is rewritten on every run; it has no digest mode",
                          'remove `mode`, or use mode = "immediate"')
    if mode != "digest":
        for key in ("digest", "hour", "weekday"):
            if key in table.data:
                raise table.error(key, f"`{key}` only applies to digests", f'add mode = "digest", or remove `{key}`')
    schedule = _one_of(table, "digest", SCHEDULES, "daily")
    if schedule == "daily" and "weekday" in table.data:
        raise table.error("weekday", "`weekday` only applies to weekly digests",
                          'write digest = "weekly", or remove `weekday`')
    weekday = _one_of(table, "weekday", WEEKDAYS, WEEKDAYS[0])
    timezone = table.get("timezone", DEFAULT_TIMEZONE)
    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        raise table.error("timezone", f"unknown time zone {timezone!r}", 'use an IANA name, e.g. "Europe/London"'
                          ) from None
    include_related = table.get("include_related", False)
    if not isinstance(include_related, bool):
        raise table.error("include_related", f"include_related {include_related!r} is not true or false",
                          "write include_related = true (also send related items that the topic rules do not "
                          "flag) or remove it")
    return Subscription(
        id=subscription_id, target=target, topics=topics, sources=sources, mode=mode, digest=schedule,
        hour=_integer(table, "hour", DEFAULT_HOUR, 0, 23), weekday=WEEKDAYS.index(weekday), timezone=str(timezone),
        since_days=_integer(table, "since_days", None, 1, 36500, example=30),
        include_related=include_related)


def _maintainer(table: _Table) -> Maintainer:
    """Check the optional [maintainer] table."""
    if not isinstance(table.data, dict):
        raise table.error(None, "`maintainer` must be a table", "write it as [maintainer] with key = value lines")
    _check_keys(table, MAINTAINER_KEYS, "[maintainer]")
    target = _target(table, MAINTAINER_CHANNELS, "[maintainer]") if "channel" in table.data else None
    if target is None and set(table.data) & TARGET_KEYS:
        raise table.error(None, "[maintainer] has an address but no `channel`",
                          f"add channel = one of {', '.join(MAINTAINER_CHANNELS)}")
    rate = table.get("failure_rate", Maintainer.failure_rate)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= 1:
        raise table.error("failure_rate", f"failure_rate {rate!r} is not a share between 0 and 1",
                          "write e.g. failure_rate = 0.5 (half of the pages fetched failed)")
    return Maintainer(
        target=target, failing_runs=_integer(table, "failing_runs", Maintainer.failing_runs, 1, 1000),
        failure_rate=float(rate), min_items=_integer(table, "min_items", Maintainer.min_items, 1, 100000),
        delivery_attempts=_integer(table, "delivery_attempts", Maintainer.delivery_attempts, 1, 1000))


def _check_keys(table: _Table, allowed: set[str], name: str) -> None:
    """Refuse keys the table does not take (usually a typo)."""
    unknown = sorted(set(table.data) - allowed) if isinstance(table.data, dict) else []
    if unknown:
        raise table.error(unknown[0], f"unknown key {unknown[0]!r} in {name}",
                          f"{suggest(unknown[0], allowed)}use only: {', '.join(sorted(allowed))}")


def _target(table: _Table, channels: tuple[str, ...], owner: str) -> Target:
    """The channel and address keys of a table; each channel takes exactly its own address key."""
    channel = _one_of(table, "channel", channels, None)
    needs = {"email": "to", "atom": "path"}.get(channel, "url_env")
    for key in ("to", "url_env", "path"):
        if key != needs and key in table.data:
            raise table.error(key, f"`{key}` does not apply to the {channel} channel of {owner}",
                              f"remove `{key}`; the {channel} channel takes `{needs}`")
    if needs not in table.data:
        example = {"to": 'to = ["campaigns@example.org"]', "path": 'path = "feeds/alerts.atom"',
                   "url_env": 'url_env = "UNIONWATCH_SLACK_URL" (the URL itself goes in that variable)'}[needs]
        raise table.error(None, f"the {channel} channel of {owner} needs `{needs}`", f"add {example}")
    if channel == "email":
        return Target(channel, to=_addresses(table))
    if channel == "atom":
        path = table.get("path")
        if not isinstance(path, str) or not path.strip():
            raise table.error("path", "`path` must be a file name", 'write e.g. path = "feeds/alerts.atom"')
        resolved = Path(path).expanduser()
        return Target(channel, path=resolved if resolved.is_absolute() else table.path.parent / resolved)
    name = table.get("url_env")
    if not isinstance(name, str) or not ENV_NAME.match(name):
        looks_like_url = isinstance(name, str) and "://" in name
        raise table.error("url_env", "url_env must name an environment variable"
                          + (", not hold the URL (secrets stay out of config files)" if looks_like_url else ""),
                          'write url_env = "UNIONWATCH_WEBHOOK_URL" and export that variable with the URL')
    return Target(channel, url_env=name)


def _addresses(table: _Table) -> tuple[str, ...]:
    """The `to` key: one address or a list of them."""
    value = table.get("to")
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values:
        raise table.error("to", "`to` must be an email address or a list of them", 'write to = ["a@example.org"]')
    for address in values:
        if not isinstance(address, str) or "@" not in parseaddr(address)[1] or any(c in address for c in "\r\n"):
            raise table.error("to", f"{address!r} is not an email address", 'write to = ["campaigns@example.org"]')
    return tuple(values)


def _choice_list(table: _Table, key: str, known: set[str]) -> tuple[str, ...] | None:
    """An optional list of known ids (topics or sources); absent means all."""
    if key not in table.data:
        return None
    value = table.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
        raise table.error(key, f"`{key}` must be a non-empty list of ids", f"remove `{key}` to match all {key}")
    for item in value:
        if item not in known:
            raise table.error(key, f"unknown {key[:-1]} {item!r}", f"use one of: {', '.join(sorted(known))}")
    return tuple(value)


def _one_of(table: _Table, key: str, choices: tuple[str, ...], default: str | None) -> str:
    """A string key restricted to `choices`."""
    value = table.get(key, default)
    if value not in choices:
        problem = f"`{key}` is missing" if value is None else f"{key} {value!r} is not one of the choices"
        raise table.error(key if value is not None else None, problem, f"use {key} = one of: {', '.join(choices)}")
    return str(value)


def _integer(table: _Table, key: str, default: int | None, low: int, high: int, example: int | None = None
             ) -> int | None:
    """An integer key within [low, high]; `default` when absent; `example` shows a good value in errors."""
    if key not in table.data and default is None:
        return None
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise table.error(key, f"{key} {value!r} is not a whole number from {low} to {high}",
                          f"write e.g. {key} = {example if example is not None else default}")
    return value
