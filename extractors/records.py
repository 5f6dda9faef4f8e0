"""Record types that extractors return and transforms refine; no I/O here."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

# Record kinds, as stored in the warehouse column `documents.kind`.
MOTION = "motion"
BLOG_POST = "blog_post"
ARTICLE = "article"

# Where a document's body comes from (document_versions.body_source): the whole publication, or only the
# summary its feed gave because the article page is gone.
FULL = "full"
SUMMARY = "summary"


class UnsupportedFormat(ValueError):
    """A source answered in a format its extractor does not read (e.g. HTML where a feed was expected)."""


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


@dataclass
class RawResponse:
    """One HTTP response exactly as received, kept so records can be rebuilt offline."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: datetime
    role: str = ""  # which parser of the source's extractor reads this body, for `reparse`

    @cached_property
    def sha256(self) -> str:
        """Content address of the body (computed once: a feed page's entries all refer to it)."""
        return hashlib.sha256(self.body).hexdigest()


@dataclass
class Document:
    """One publication parsed from a page or feed entry."""

    source_id: str
    kind: str
    key: str  # stable within the source: Blogger post id, WordPress id, motion slug
    url: str
    title: str
    body: str
    author: str | None = None
    published_at: datetime | None = None  # timezone-aware, None when undated
    conference: str | None = None
    decision: str | None = None
    year: int | None = None
    group: str | None = None
    labels: list[str] = field(default_factory=list)
    raw_sha256: str | None = None  # the raw response this record was parsed from
    marker: str | None = None  # the source's own last-modified stamp (feed `updated`, WP `modified_gmt`)
    body_source: str = FULL  # FULL, or SUMMARY when only the feed's summary could be had

    @property
    def document_id(self) -> str:
        """Warehouse-wide identity: source id plus the source's own key."""
        return f"{self.source_id}:{self.key}"


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
    recheck_per_run: int = 100  # unreached known pages rechecked per run (extractors.cadence sets it)
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


@dataclass
class FetchFailure:
    """A URL that could not be fetched or parsed, with a human-readable reason."""

    url: str
    reason: str
    status: int | None = None
    attempts: int = 1


@dataclass
class Extraction:
    """What one extractor run over one source produced."""

    source_id: str
    documents: list[Document] = field(default_factory=list)
    raw: list[RawResponse] = field(default_factory=list)
    failures: list[FetchFailure] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # keys confirmed unchanged without parsing (304, marker)
    removed: list[str] = field(default_factory=list)  # keys whose page now answers 404 or 410
    requests: int = 0
    not_modified: int = 0  # 304 answers
    discovered_via: str = ""  # e.g. "atom feed", "html pages", "listing", "rest api"
    fatal: str | None = None  # why the source could not be read at all (an unsupported format), in one line
    # Set in backfills: where finished slices go (the single warehouse writer), and how many documents make one.
    sink: Callable[[Extraction], None] | None = field(default=None, repr=False, compare=False)
    slice_documents: int = 0
    handed_urls: set[str] = field(default_factory=set, repr=False, compare=False)  # of responses sent in slices

    def hand_off(self) -> None:
        """Pass the documents and responses gathered so far to `sink` once they make a slice.

        Called by extractors between items. Keys found unchanged or gone, failures and request counts stay
        here, so the final part still judges the source as a whole (failure rate, removals).
        """
        if self.sink is None or len(self.documents) < self.slice_documents:
            return
        part = Extraction(self.source_id, documents=self.documents, raw=self.raw, discovered_via=self.discovered_via)
        self.handed_urls.update(raw.url for raw in self.raw)
        self.documents, self.raw = [], []
        self.sink(part)
