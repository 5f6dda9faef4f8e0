"""What sources.toml describes: one source, and the crawler settings shared by all."""

from __future__ import annotations

from dataclasses import dataclass

from records.documents import ARTICLE, BLOG_POST, MOTION

# The source kinds sources.toml accepts, and the record kind (documents.kind, the quality suite) each yields.
RECORD_KINDS = {"unison_motions": MOTION, "blogger": BLOG_POST, "wordpress": BLOG_POST, "feed": ARTICLE}


@dataclass(frozen=True)
class CrawlerSettings:
    """The optional [crawler] table of sources.toml."""

    contact: str = "https://github.com/unionwatch/unionwatch"  # goes into the User-Agent
    revalidate_days: float = 7.0  # how often known pages are rechecked with a conditional GET
    slice_documents: int = 1000  # a backfill loads each source in slices of this many documents


@dataclass(frozen=True)
class SourceConfig:
    """One `[[sources]]` table of sources.toml, validated."""

    id: str
    kind: str
    url: str
    name: str = ""
    enabled: bool = True
    delay: float = 2.0
    schedule: str = "frequent"  # frequent (every 30 min), hourly, daily, or a cron expression
