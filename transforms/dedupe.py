"""Fingerprint document versions and keep one record per document."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC

from records import Document


def content_hash(doc: Document) -> str:
    """sha256 of the fields that make a version; url and raw_sha256 are left out on purpose."""
    # The instant, not its spelling: one post read as +01:00 from the feed and as UTC from the HTML is
    # the same version. Labels are sorted because feed and page list them in different orders.
    published = doc.published_at
    if published is not None and published.tzinfo is not None:
        published = published.astimezone(UTC)
    fields = [
        doc.title,
        doc.body,
        doc.author,
        published.isoformat() if published else None,
        doc.conference,
        doc.decision,
        sorted(doc.labels),
    ]
    encoded = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def dedupe(docs: Iterable[Document]) -> list[Document]:
    """One document per `document_id`: the last one seen wins, in the order ids were first seen."""
    latest: dict[str, Document] = {}
    for doc in docs:
        latest[doc.document_id] = doc  # re-assigning a key keeps its original position
    return list(latest.values())
