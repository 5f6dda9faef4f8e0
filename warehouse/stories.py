"""Story clusters in the warehouse: signatures kept per document version, stories recomputed from them.

Signatures are computed once per document version (`story_signatures`); after each run the stories are
recomputed from all stored signatures in first-seen order (`story_members`), so `reparse`, an edit or a late
batch always give the stories a fresh computation would give.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from transforms.stories import Member, Signature, Similarity, band_hashes, cluster, explain, signature
from warehouse.db import connect, transaction

SIGN_CHUNK = 1000  # bodies read and signed at a time: memory stays flat in a backfill
PLACE_CHUNK = 500  # new documents placed at a time, in first-seen order: their candidate lists stay small

# Documents whose current version has no signature yet.
STALE_SQL = """
SELECT k.document_id
FROM document_keys k
JOIN document_versions v ON v.document_id = k.document_id AND v.version = k.current_version
LEFT JOIN story_signatures s ON s.document_id = k.document_id
WHERE s.content_hash IS DISTINCT FROM v.content_hash
ORDER BY k.document_id
"""

BODIES_SQL = """
SELECT k.document_id, v.content_hash, v.body
FROM document_keys k
JOIN document_versions v ON v.document_id = k.document_id AND v.version = k.current_version
WHERE k.document_id IN (SELECT unnest(CAST($ids AS VARCHAR[])))
"""

# First-seen order: the run that stored a document's first version, then publication date, then id, so
# documents first loaded by one run are ordered the same whichever source was loaded first.
ORDERED_SQL = """
SELECT s.document_id, s.shingles, s.minhash
FROM story_signatures s
JOIN document_versions v ON v.document_id = s.document_id AND v.version = 1
JOIN runs r ON r.run_id = v.run_id
LEFT JOIN document_keys k ON k.document_id = s.document_id
WHERE $ids IS NULL OR s.document_id IN (SELECT unnest(CAST($ids AS VARCHAR[])))
ORDER BY r.started_at, coalesce(v.published_at, k.first_seen_at) NULLS LAST, s.document_id
"""

CANDIDATES_SQL = """
SELECT a.document_id, list(DISTINCT b.document_id)
FROM story_bands a
JOIN story_bands b ON b.band = a.band AND b.h = a.h AND b.document_id <> a.document_id
WHERE $ids IS NULL OR a.document_id IN (SELECT unnest(CAST($ids AS VARCHAR[])))
GROUP BY a.document_id
"""

# Candidates of new documents `ids` that can precede them: placed documents and the new ones themselves.
NEW_CANDIDATES_SQL = """
WITH new AS (SELECT unnest(CAST($ids AS VARCHAR[])) AS document_id)
SELECT a.document_id, list(DISTINCT b.document_id)
FROM story_bands a
JOIN story_bands b ON b.band = a.band AND b.h = a.h AND b.document_id <> a.document_id
WHERE a.document_id IN (SELECT document_id FROM new)
  AND (b.document_id IN (SELECT document_id FROM new) OR b.document_id IN (SELECT document_id FROM story_members))
GROUP BY a.document_id
"""

# Placed documents among the candidates of new ones, with their signatures.
EARLIER_SQL = """
SELECT m.document_id, m.story_id, m.position, s.shingles, s.minhash
FROM story_members m JOIN story_signatures s USING (document_id)
WHERE m.document_id IN (SELECT unnest(CAST($ids AS VARCHAR[])))
"""


@dataclass(frozen=True)
class StoryRefresh:
    """What a refresh did."""

    signed: int  # documents (re)signed
    documents: int
    stories: int


@dataclass(frozen=True)
class StoryRow:
    """A document's story as stored, for `explain`."""

    document_id: str
    story_id: str
    matched_document_id: str | None
    jaccard: float | None
    containment: float | None
    members: int


def refresh_stories(db_path: Path | str) -> StoryRefresh:
    """Sign new and changed documents, then place them in stories.

    Documents new since the last refresh come after every placed one in first-seen order, so only they are
    placed; when a placed document changed (an edit, a parser fix in `reparse`), every story is recomputed.
    """
    with connect(db_path) as con, transaction(con):
        signed = _sign_stale(con)
        new = [row[0] for row in con.execute(
            "SELECT document_id FROM story_signatures ANTI JOIN story_members USING (document_id)").fetchall()]
        if len(new) < len(signed):
            _store_members(con, cluster(_ordered(con), dict(con.execute(CANDIDATES_SQL, {"ids": None}).fetchall())),
                           replace_all=True)
        elif new:
            _place_new(con, new)
        documents, stories = con.execute(
            "SELECT count(*), count(DISTINCT story_id) FROM story_members").fetchone()
    return StoryRefresh(len(signed), documents, stories)


def _place_new(con: duckdb.DuckDBPyConnection, new: list[str]) -> None:
    """Place documents not yet in any story after the placed ones, comparing them with their candidates only.

    They are placed `PLACE_CHUNK` at a time in first-seen order; each chunk sees every document placed before
    it, and later documents never count for an earlier one, so the result is that of placing all at once.
    """
    ordered = _ordered(con, new)
    for first in range(0, len(ordered), PLACE_CHUNK):
        chunk = ordered[first:first + PLACE_CHUNK]
        ids = [document_id for document_id, _ in chunk]
        candidates = dict(con.execute(NEW_CANDIDATES_SQL, {"ids": ids}).fetchall())
        wanted = sorted({c for found in candidates.values() for c in found} - set(ids))
        earlier = [(Member(document_id, story_id, position), Signature.from_bytes(minhash, shingles))
                   for document_id, story_id, position, shingles, minhash
                   in con.execute(EARLIER_SQL, {"ids": wanted}).fetchall()]
        start = con.execute("SELECT coalesce(max(position) + 1, 0) FROM story_members").fetchall()[0][0]
        _store_members(con, cluster(chunk, candidates, earlier, start), replace_all=False)


def story_of(con: duckdb.DuckDBPyConnection, document_id: str) -> StoryRow | None:
    """The stored story of a document, with how many documents it has."""
    row = con.execute("""SELECT m.document_id, m.story_id, m.matched_document_id, m.jaccard, m.containment,
                                (SELECT count(*) FROM story_members o WHERE o.story_id = m.story_id)
                         FROM story_members m WHERE m.document_id = ?""", [document_id]).fetchone()
    return StoryRow(*row) if row else None


def story_lines(db_path: Path | str, document_id: str, body: str) -> list[str]:
    """`explain`'s account of a document's story."""
    with connect(db_path, read_only=True) as con:
        story = story_of(con, document_id)
        if story is None:
            return ["story: not computed yet (the next `unionwatch run` or `reparse` places it)"]
        first_body = con.execute("SELECT body FROM documents WHERE document_id = ?", [story.story_id]).fetchone()[0]
    estimate = (Similarity(story.jaccard, story.containment)
                if story.jaccard is not None and story.containment is not None else None)
    return explain(document_id, body, story.story_id, first_body, story.members, story.matched_document_id,
                   estimate)


def _sign_stale(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Compute and store the signature of every document version that has none; returns their ids."""
    stale = [row[0] for row in con.execute(STALE_SQL).fetchall()]
    for start in range(0, len(stale), SIGN_CHUNK):
        chunk = con.execute(BODIES_SQL, {"ids": stale[start:start + SIGN_CHUNK]}).fetchall()
        signatures = [signature(body) for _, _, body in chunk]
        con.register("signatures_df", pd.DataFrame({
            "document_id": [row[0] for row in chunk], "content_hash": [row[1] for row in chunk],
            "shingles": [sig.shingles for sig in signatures],
            "minhash": [sig.to_bytes() for sig in signatures]}))
        con.execute("""INSERT OR REPLACE INTO story_signatures
                       SELECT document_id, content_hash, CAST(shingles AS INTEGER), CAST(minhash AS BLOB)
                       FROM signatures_df""")
        con.execute("DELETE FROM story_bands WHERE document_id IN (SELECT document_id FROM signatures_df)")
        con.register("bands_df", _bands_frame([row[0] for row in chunk], signatures))
        con.execute("""INSERT INTO story_bands
                       SELECT CAST(document_id AS VARCHAR), CAST(band AS SMALLINT), CAST(h AS BIGINT) FROM bands_df""")
        con.unregister("bands_df")
        con.unregister("signatures_df")
    return stale


def _bands_frame(document_ids: list[str], signatures: list[Signature]) -> pd.DataFrame:
    """One row per LSH band of each signature, in typed columns (the connection keeps registered frames until
    it closes, and a column of Python ints costs five times the memory of an int64 one)."""
    hashes = [band_hashes(sig) for sig in signatures]
    return pd.DataFrame({
        "document_id": [document_id for document_id, found in zip(document_ids, hashes, strict=True) for _ in found],
        "band": np.fromiter((band for found in hashes for band in range(len(found))), dtype=np.int16),
        "h": np.fromiter((value for found in hashes for value in found), dtype=np.int64)})


def _ordered(con: duckdb.DuckDBPyConnection, ids: list[str] | None = None) -> list[tuple[str, Signature]]:
    """The stored signatures (all, or of `ids`) in first-seen order."""
    return [(document_id, Signature.from_bytes(minhash, shingles))
            for document_id, shingles, minhash in con.execute(ORDERED_SQL, {"ids": ids}).fetchall()]


def _store_members(con: duckdb.DuckDBPyConnection, members: list[Member], *, replace_all: bool) -> None:
    """Store `members`, replacing every earlier assignment when `replace_all`."""
    con.register("members_df", pd.DataFrame({
        "document_id": [m.document_id for m in members], "story_id": [m.story_id for m in members],
        "position": [m.position for m in members], "matched": [m.matched for m in members],
        "jaccard": [m.similarity.jaccard if m.similarity else None for m in members],
        "containment": [m.similarity.containment if m.similarity else None for m in members]}))
    if replace_all:
        con.execute("DELETE FROM story_members")
    con.execute("""INSERT INTO story_members
                   SELECT CAST(document_id AS VARCHAR), CAST(story_id AS VARCHAR), CAST(position AS BIGINT),
                          CAST(matched AS VARCHAR), CAST(jaccard AS DOUBLE), CAST(containment AS DOUBLE)
                   FROM members_df""")
    con.unregister("members_df")
