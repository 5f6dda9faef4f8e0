"""Publications parsed from a page or feed entry, and the kinds they come in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Record kinds, as stored in the warehouse column `documents.kind`.
MOTION = "motion"
BLOG_POST = "blog_post"
ARTICLE = "article"

# Where a document's body comes from (document_versions.body_source): the whole publication, or only the
# summary its feed gave because the article page is gone.
FULL = "full"
SUMMARY = "summary"


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
