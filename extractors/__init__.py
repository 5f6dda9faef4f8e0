"""Extractors: discover, fetch and parse one kind of source each; they return records, never store them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

from extractors import blogger, unison_motions
from extractors.fetch import Fetcher, FetchError
from extractors.records import CrawlerSettings, Document, Extraction, FetchFailure, Known, RawResponse, SourceConfig

Extractor = Callable[[SourceConfig, Fetcher, Known], Extraction]
Reparser = Callable[[str, RawResponse], list[Document]]

EXTRACTORS: dict[str, Extractor] = {
    "unison_motions": unison_motions.extract,
    "blogger": blogger.extract,
}
REPARSERS: dict[str, Reparser] = {
    "unison_motions": unison_motions.reparse,
    "blogger": blogger.reparse,
}


def run_extractor(source: SourceConfig, known: Known, crawler: CrawlerSettings) -> Extraction:
    """Extract one source with its own politeness settings and what earlier runs saw."""
    known.revalidate_after = timedelta(days=crawler.revalidate_days)
    fetcher = Fetcher(delay=source.delay, contact=crawler.contact, validators=known.validators)
    try:
        result = EXTRACTORS[source.kind](source, fetcher, known)
    finally:
        fetcher.close()
    result.requests, result.not_modified = fetcher.requests_made, fetcher.not_modified
    return result


def reparse_archive(source: SourceConfig, responses: Iterable[RawResponse]) -> Extraction:
    """Rebuild a source's documents from archived responses, without network; later fetches win."""
    result = Extraction(source_id=source.id, discovered_via="archive")
    for raw in responses:
        try:
            result.documents.extend(REPARSERS[source.kind](source.id, raw))
        except (ValueError, FetchError) as exc:
            result.failures.append(FetchFailure(raw.url, f"unparseable archived response: {exc}"))
    return result
