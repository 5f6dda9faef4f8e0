"""Record types that extractors return and transforms refine; no I/O here."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

# Record kinds, as stored in the warehouse column `documents.kind`.
MOTION = "motion"
BLOG_POST = "blog_post"
ARTICLE = "article"


@dataclass(frozen=True)
class SourceConfig:
    """One `[[sources]]` table of sources.toml, validated."""

    id: str
    kind: str
    url: str
    name: str = ""
    enabled: bool = True
    delay: float = 2.0


@dataclass
class RawResponse:
    """One HTTP response exactly as received, kept so records can be rebuilt offline."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: datetime

    @property
    def sha256(self) -> str:
        """Content address of the body."""
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

    @property
    def document_id(self) -> str:
        """Warehouse-wide identity: source id plus the source's own key."""
        return f"{self.source_id}:{self.key}"


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
    requests: int = 0
    discovered_via: str = ""  # e.g. "atom feed", "html archive", "listing"
