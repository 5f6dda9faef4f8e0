"""Record types every stage shares, split by what they are; this package imports no stage.

sources: what sources.toml describes; http: responses and failures; documents: parsed publications;
state: what the warehouse already holds of a source; runs: what one extractor run produced;
dates and urls: how a record's dates and URLs are read and made canonical.
"""

from records.documents import ARTICLE, BLOG_POST, FULL, MOTION, SUMMARY, Document
from records.http import FetchFailure, RawResponse, UnsupportedFormat
from records.runs import Extraction
from records.sources import RECORD_KINDS, CrawlerSettings, SourceConfig
from records.state import Known, KnownDocument

__all__ = [
    "ARTICLE", "BLOG_POST", "FULL", "MOTION", "RECORD_KINDS", "SUMMARY", "CrawlerSettings", "Document", "Extraction",
    "FetchFailure", "Known", "KnownDocument", "RawResponse", "SourceConfig", "UnsupportedFormat",
]
