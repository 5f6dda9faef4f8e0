"""What one extractor run over one source produced."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from records.documents import Document
from records.http import FetchFailure, RawResponse


class WriterStopped(RuntimeError):
    """The run stopped loading (the warehouse failed), so a slice handed to a sink has nowhere to go."""


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
