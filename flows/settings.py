"""The whole sources file, checked at once before a run makes its first request.

Sources and [crawler] are read by config/sources.py, [[subscriptions]] and [maintainer] by
alerts/config.py; this module puts them together and refuses any other top-level table or key, so a
misspelled table is an error instead of being ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alerts.config import ALERT_TABLES, AlertConfig, load_alert_config
from config.sources import SOURCE_TABLES, check_top_level, load_config
from records import CrawlerSettings, SourceConfig


@dataclass(frozen=True)
class Settings:
    """Everything a sources file configures."""

    sources: list[SourceConfig]
    crawler: CrawlerSettings
    alerts: AlertConfig


def load_settings(path: Path | str) -> Settings:
    """Read and check every table of a sources file; the first mistake raises ConfigError (exit code 2)."""
    sources, crawler = load_config(path)  # unreadable files and TOML syntax errors are reported first
    check_top_level(path, SOURCE_TABLES + ALERT_TABLES)
    return Settings(sources, crawler, load_alert_config(path))
