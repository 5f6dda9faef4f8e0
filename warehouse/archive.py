"""Reads the raw archive back: the latest parsed response of every URL, decompressed, for `reparse`."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from pathlib import Path

from records import RawResponse
from warehouse.db import connect

BATCH = 500  # responses decompressed at a time, so a large archive never sits in memory whole


def archived_responses(db_path: Path | str, source_id: str) -> Iterator[RawResponse]:
    """The newest stored response of each URL of a source, oldest fetch first."""
    with connect(db_path) as con:
        rows = con.execute(
            """SELECT url, final_url, status, headers_json, last_fetched_at, role, sha256
               FROM responses WHERE source_id = ? AND status = 200
               QUALIFY row_number() OVER (PARTITION BY url ORDER BY last_fetched_at DESC) = 1
               ORDER BY last_fetched_at, url""", [source_id]).fetchall()
        for start in range(0, len(rows), BATCH):
            chunk = rows[start:start + BATCH]
            bodies = dict(con.execute("SELECT sha256, body_zlib FROM raw_bodies WHERE sha256 IN "
                                      "(SELECT unnest(?::VARCHAR[]))", [[row[6] for row in chunk]]).fetchall())
            for url, final_url, status, headers, fetched_at, role, sha in chunk:
                yield RawResponse(url=url, final_url=final_url, status=status, headers=json.loads(headers),
                                  body=zlib.decompress(bodies[sha]), fetched_at=fetched_at, role=role or "")
