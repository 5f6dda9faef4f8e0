"""What the warehouse already holds of a source, handed to its extractor so a run skips what cannot have changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class KnownDocument:
    """What the warehouse already holds of one item, so a run can skip what cannot have changed."""

    url: str
    marker: str | None
    checked_at: datetime  # last time the item was fetched or confirmed unchanged
    body_source: str | None = None  # of its current version; None for versions loaded before it was recorded


@dataclass
class Known:
    """A source's state from earlier runs, handed to its extractor."""

    documents: dict[str, KnownDocument] = field(default_factory=dict)  # by source key
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # URL -> (ETag, Last-Modified)
    backfill: bool = False  # walk the whole history instead of stopping at known items
    since_year: int | None = None  # backfill only from this year on
    revalidate_after: timedelta = timedelta(days=7)
    recheck_per_run: int = 100  # unreached known pages rechecked per run (extractors.crawl.cadence sets it)
    recheck_after: timedelta = timedelta(0)  # an unreached page checked more recently is not rechecked
    retry: list[str] = field(default_factory=list)  # URLs that failed lately: fetched again, whatever the listing says
    removed: set[str] = field(default_factory=set)  # keys of documents whose page went away (removed_at set)

    def unchanged(self, key: str, marker: str | None) -> bool:
        """True when the source says the item is as we last saw it."""
        known = self.documents.get(key)
        return known is not None and marker is not None and known.marker == marker

    def due(self, key: str, now: datetime) -> bool:
        """True when a known item's page should be revalidated (conditional GET) in this run."""
        known = self.documents.get(key)
        return known is None or self.backfill or now - known.checked_at >= self.revalidate_after
