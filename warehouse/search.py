"""Ranked full-text search over document titles and bodies, through the `search_documents` SQL macro.

The macro ranks with BM25 over a term index (`search_terms`, `search_lengths`) that `update_index` brings up to
date in the loader's transaction: only documents whose current version is not the one indexed are tokenised, so
a query reads the postings of its own words and a run pays for the documents it added or changed. Before a
snapshot is published, `order_index` puts the index back in term order once enough postings were added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from warehouse.db import WarehouseError, connect

SNIPPET_CHARS = 240
SNIPPET_LEAD = 80  # characters of context kept before the first match
JOINED_MARKS = re.compile(r"\*\*([\s-]+)\*\*")  # "**shared** **services**" reads better as one mark

SEARCH_SQL = """
SELECT s.document_id, s.source_id, s.url, s.title, s.published_at, s.score, d.body
FROM search_documents($query) s
JOIN documents d ON d.document_id = s.document_id
ORDER BY s.score DESC, s.published_at DESC NULLS LAST, s.document_id
LIMIT $limit
"""

# The surface forms, in the hits' bodies, of the words the query matched (same tokens and stems as the macro).
MATCHED_WORDS_SQL = """
SELECT DISTINCT word
FROM (SELECT unnest(regexp_extract_all(body, '[\\p{L}\\p{N}]+')) AS word
      FROM documents WHERE list_contains($ids, document_id))
WHERE list_contains(search_tokens($query), search_stem(lower(word)))
"""


# Documents whose current version is not the indexed one: new, changed, or indexed before this index existed.
STALE_SQL = """
CREATE TEMP TABLE search_stale AS
SELECT k.document_id, k.current_version AS version, l.document_id IS NOT NULL AS was_indexed,
       (row_number() OVER () - 1) // $chunk AS chunk
FROM document_keys k
LEFT JOIN search_lengths l ON l.document_id = k.document_id
WHERE l.version IS DISTINCT FROM k.current_version
"""
FORGET_SQL = [
    "DELETE FROM search_terms WHERE document_id IN (SELECT document_id FROM search_stale WHERE was_indexed)",
    "DELETE FROM search_lengths WHERE document_id IN (SELECT document_id FROM search_stale WHERE was_indexed)",
]
# Documents are tokenised CHUNK at a time: the writer's memory cap holds the tokens of about that many at once.
CHUNK = 1000
# The same tokens as the query side (search_tokens), a title word weighing three body words.
INDEX_SQL = [
    """CREATE TEMP TABLE search_postings AS
       SELECT document_id, term, CAST(sum(weight) AS INTEGER) AS tf
       FROM (SELECT s.document_id, 3 AS weight, unnest(search_tokens(v.title)) AS term
             FROM search_stale s JOIN document_versions v USING (document_id, version) WHERE s.chunk = $chunk
             UNION ALL
             SELECT s.document_id, 1 AS weight, unnest(search_tokens(v.body)) AS term
             FROM search_stale s JOIN document_versions v USING (document_id, version) WHERE s.chunk = $chunk)
       GROUP BY document_id, term""",
    "INSERT INTO search_terms SELECT term, document_id, tf FROM search_postings ORDER BY term, document_id",
    """INSERT INTO search_lengths
       SELECT s.document_id, s.version, CAST(coalesce(sum(p.tf), 0) AS INTEGER)
       FROM search_stale s LEFT JOIN search_postings p USING (document_id)
       WHERE s.chunk = $chunk
       GROUP BY s.document_id, s.version""",
    "DROP TABLE search_postings",
]


def update_index(con: duckdb.DuckDBPyConnection) -> int:
    """Index every document whose current version is not yet indexed, in the caller's transaction; returns how many.

    Runs after each load, so the index always matches the committed documents, in the live file and its snapshot.
    """
    con.execute(STALE_SQL, {"chunk": CHUNK})
    stale, reindexed = con.execute("SELECT count(*), count(*) FILTER (WHERE was_indexed) FROM search_stale").fetchone()
    if reindexed:
        for sql in FORGET_SQL:
            con.execute(sql)
    for chunk in range(-(-stale // CHUNK)):
        for sql in INDEX_SQL:
            con.execute(sql, {"chunk": chunk} if "$chunk" in sql else None)
    con.execute("DROP TABLE search_stale")
    return stale


# Postings added since the index was last put in term order are read in full by every query. Once they outnumber
# an eighth of the ordered ones (and UNORDERED_MIN), the whole index is rewritten in term order: a query then reads
# the few row groups holding its words, and the rewrites of a growing archive cost a fixed multiple of its size.
UNORDERED_MIN = 500_000
UNORDERED_SHARE = 8
ORDER_SQL = [
    "CREATE TEMP TABLE search_ordered AS SELECT term, document_id, tf FROM search_terms ORDER BY term, document_id",
    "DELETE FROM search_terms",
    "INSERT INTO search_terms SELECT term, document_id, tf FROM search_ordered",
    "DROP TABLE search_ordered",
    "UPDATE search_index_state SET ordered_postings = (SELECT count(*) FROM search_terms)",
]


def order_index(con: duckdb.DuckDBPyConnection, *, always: bool = False) -> bool:
    """Rewrite the term index in term order, in the caller's transaction, when enough postings were added since it
    last was (or `always`); returns whether it did."""
    migrated = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                           "AND schema_name = 'main' AND table_name = 'search_index_state'").fetchone()[0]
    if not migrated:  # a warehouse no run of this version has migrated: its index is ordered at a later publish
        return False
    total, ordered = con.execute(
        "SELECT (SELECT count(*) FROM search_terms), ordered_postings FROM search_index_state").fetchone()
    if not always and total - ordered <= max(UNORDERED_MIN, ordered // UNORDERED_SHARE):
        return False
    for sql in ORDER_SQL:
        con.execute(sql)
    return True


@dataclass(frozen=True)
class SearchHit:
    """One ranked result; `snippet` marks the matched words **like this**."""

    document_id: str
    source_id: str
    url: str
    title: str
    published_at: datetime | None
    score: float
    snippet: str


def search(db_path: Path | str, query: str, limit: int = 20) -> list[SearchHit]:
    """The `limit` best documents for `query`, best first (BM25 over titles and bodies)."""
    with connect(db_path, read_only=True) as con:
        try:
            rows = con.execute(SEARCH_SQL, {"query": query, "limit": limit}).fetchall()
        except duckdb.CatalogException as exc:  # a warehouse no run of this version has migrated yet
            raise WarehouseError(f"{db_path}: {str(exc).splitlines()[0]}; run `unionwatch run` once to bring "
                                 "the warehouse up to date") from None
        if not rows:
            return []
        words = [word for (word,) in con.execute(
            MATCHED_WORDS_SQL, {"ids": [row[0] for row in rows], "query": query}).fetchall()]
    pattern = _word_pattern(words)
    return [SearchHit(*row[:6], snippet=snippet(row[6], pattern)) for row in rows]


def snippet(body: str, pattern: re.Pattern[str] | None) -> str:
    """About SNIPPET_CHARS of `body` around the first match, every match marked **like this**."""
    text = " ".join(body.split())
    found = pattern.search(text) if pattern else None
    start = 0
    if found and found.start() > SNIPPET_LEAD:
        start = text.find(" ", found.start() - SNIPPET_LEAD) + 1
    end = start + SNIPPET_CHARS
    if end < len(text):
        end = text.rfind(" ", start, end) if " " in text[start:end] else end
    window = text[start:end]
    if pattern:
        window = JOINED_MARKS.sub(r"\1", pattern.sub(r"**\g<0>**", window))
    return ("… " if start else "") + window + (" …" if end < len(text) else "")


def _word_pattern(words: list[str]) -> re.Pattern[str] | None:
    """A case-insensitive pattern for any of `words` as whole words, longest first."""
    if not words:
        return None
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])", re.IGNORECASE)
