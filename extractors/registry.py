"""Which extractor reads each source kind, and the two ways to run one: over the network or over the archive."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

from extractors.crawl import cadence
from extractors.crawl.fetch import Fetcher, FetchError
from extractors.crawl.status import unparseable
from extractors.sources import blogger, feed, unison_motions, wordpress
from records import (
    CrawlerSettings,
    Document,
    Extraction,
    Known,
    RawResponse,
    SourceConfig,
    UnsupportedFormat,
)

Extractor = Callable[[SourceConfig, Fetcher, Known, Extraction], Extraction]  # fills and returns the Extraction
Reparser = Callable[[str, RawResponse], list[Document]]  # one archived response at a time
Rebuilder = Callable[[str, list[RawResponse]], list[Document]]  # needs the whole archive (feed + pages)

EXTRACTORS: dict[str, Extractor] = {
    "unison_motions": unison_motions.extract,
    "blogger": blogger.extract,
    "wordpress": wordpress.extract,
    "feed": feed.extract,
}
REPARSERS: dict[str, Reparser] = {
    "unison_motions": unison_motions.reparse,
    "blogger": blogger.reparse,
    "wordpress": wordpress.reparse,
}
REBUILDERS: dict[str, Rebuilder] = {
    "feed": feed.rebuild,  # a summary-only entry's key is in the feed, its text on the page
}


def run_extractor(source: SourceConfig, known: Known, crawler: CrawlerSettings,
                  sink: Callable[[Extraction], None] | None = None) -> Extraction:
    """Extract one source with its own politeness settings and what earlier runs saw.

    With a `sink`, documents and responses go to it in slices of `crawler.slice_documents` as they are
    gathered (backfills, so memory stays flat); the returned extraction holds the rest and the source's totals.
    A format the extractor does not read is no error to retry: it comes back as `fatal`, in one line.
    """
    known.revalidate_after = timedelta(days=crawler.revalidate_days)
    pace = cadence.recheck(source.schedule, crawler.revalidate_days, source.delay, len(known.documents))
    known.recheck_per_run, known.recheck_after = pace.per_run, pace.interval
    fetcher = Fetcher(delay=source.delay, contact=crawler.contact, validators=known.validators)
    result = Extraction(source_id=source.id, sink=sink, slice_documents=crawler.slice_documents)
    try:
        result = EXTRACTORS[source.kind](source, fetcher, known, result)
    except UnsupportedFormat as exc:
        result.fatal = str(exc)
    finally:
        fetcher.close()
    result.requests, result.not_modified = fetcher.requests_made, fetcher.not_modified
    return result


def reparse_archive(source: SourceConfig, responses: Iterable[RawResponse]) -> Extraction:
    """Rebuild a source's documents from archived responses, without network; later fetches win."""
    result = Extraction(source_id=source.id, discovered_via="archive")
    if source.kind in REBUILDERS:
        result.documents = REBUILDERS[source.kind](source.id, list(responses))
        return result
    for raw in responses:
        try:
            result.documents.extend(REPARSERS[source.kind](source.id, raw))
        except (ValueError, FetchError) as exc:
            result.failures.append(unparseable(raw.url, "archived response", exc))
    return result
