"""`unionwatch demo`: serve the bundled sample sites on 127.0.0.1 and ingest them for real."""

from __future__ import annotations

import tempfile
from pathlib import Path

from demo.server import serve_sites
from demo.sites import demo_sites

KINDS = {"motions": "unison_motions", "active": "blogger", "branch": "blogger"}
NAMES = {"motions": "UNISON policy motions (sample)", "active": "UNISONActive (sample)",
         "branch": "Branch blog (sample)"}

TRY_QUERIES = (
    "SELECT source_id, count(*) AS documents FROM documents GROUP BY ALL ORDER BY 1;",
    "SELECT title, topics, snippet FROM flagged_documents ORDER BY published_at DESC;",
    "SELECT conference, decision, count(*) FROM documents WHERE kind = 'motion' GROUP BY ALL ORDER BY 1;",
)


def sources_toml(urls: dict[str, str]) -> str:
    """A sources file pointing at the local sample sites, with no politeness delay."""
    tables = []
    for site, url in urls.items():
        tables.append(f'[[sources]]\nid = "sample-{site}"\nkind = "{KINDS[site]}"\nname = "{NAMES[site]}"\n'
                      f'url = "{url}"\ndelay = 0\n')
    return "\n".join(tables)


def run_demo(db_path: str, run_ingest) -> object:
    """Start the sample sites, write a temporary sources file and run `run_ingest(sources_path)` on it."""
    with serve_sites(demo_sites()) as servers, tempfile.TemporaryDirectory(prefix="unionwatch-demo-") as tmp:
        path = Path(tmp, "sources.toml")
        path.write_text(sources_toml({name: server.url for name, server in servers.items()}), encoding="utf-8")
        return run_ingest(path)
