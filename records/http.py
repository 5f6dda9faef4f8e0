"""What fetching gives: responses exactly as received, URLs that failed, formats no extractor reads."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property


class UnsupportedFormat(ValueError):
    """A source answered in a format its extractor does not read (e.g. HTML where a feed was expected)."""


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
class FetchFailure:
    """A URL that could not be fetched or parsed, with a human-readable reason."""

    url: str
    reason: str
    status: int | None = None
    attempts: int = 1
