"""Extractors: discover, fetch and parse one kind of source each; they return records, never store them."""

from __future__ import annotations

from collections.abc import Callable

from extractors import blogger, unison_motions
from extractors.fetch import Fetcher
from extractors.records import Extraction, SourceConfig

Extractor = Callable[[SourceConfig, Fetcher], Extraction]

EXTRACTORS: dict[str, Extractor] = {
    "unison_motions": unison_motions.extract,
    "blogger": blogger.extract,
}


def run_extractor(source: SourceConfig, fetcher: Fetcher | None = None) -> Extraction:
    """Extract one source with its own politeness settings."""
    fetcher = fetcher or Fetcher(delay=source.delay)
    try:
        return EXTRACTORS[source.kind](source, fetcher)
    finally:
        fetcher.close()
