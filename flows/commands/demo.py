"""`unionwatch demo`: serve the bundled sample sites on 127.0.0.1 and ingest them for real."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from flows.commands.common import DEFAULT_DEMO_DB, EXIT_OK, EXIT_SOURCE_FAILED, add_db

KINDS = {"motions": "unison_motions", "active": "blogger", "branch": "blogger", "wordpress": "wordpress",
         "press": "wordpress", "news": "feed", "news-json": "feed"}
NAMES = {"motions": "UNISON policy motions (sample)", "active": "UNISONActive (sample)",
         "branch": "Branch blog (sample)", "wordpress": "Strathmore UNISON branch (sample WordPress)",
         "press": "Glenmuir College UNISON (sample WordPress, magazine theme)",
         "news": "Public sector news (sample RSS)", "news-json": "Public sector news (sample JSON Feed)"}
PATHS = {"news": "feed/", "news-json": "feed/json/"}  # a feed source's url is the feed itself
ALSO = {"news": "news-json"}  # a second source read from the same site
TRY_QUERIES = (
    "SELECT source_id, count(*) AS documents FROM documents GROUP BY ALL ORDER BY 1;",
    "SELECT title, topics, snippet FROM flagged_documents ORDER BY published_at DESC;",
    "SELECT conference, decision, count(*) FROM documents WHERE kind = 'motion' GROUP BY ALL ORDER BY 1;",
    "SELECT title, source_id, copies FROM stories WHERE copy_count > 0;",
)


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `demo` subcommand."""
    parser = commands.add_parser(
        "demo", help="ingest the bundled sample sites (offline; the default command)",
        description="Serve sample union sites on 127.0.0.1 and run the real ingest flow against them. "
                    "Run it twice: the second run adds nothing.")
    add_db(parser, DEFAULT_DEMO_DB)
    parser.set_defaults(handler=handle)


def sources_toml(urls: dict[str, str]) -> str:
    """A sources file pointing at the local sample sites, with no politeness delay."""
    tables = []
    for site, url in [*urls.items(), *((ALSO[name], url) for name, url in urls.items() if name in ALSO)]:
        tables.append(f'[[sources]]\nid = "sample-{site}"\nkind = "{KINDS[site]}"\nname = "{NAMES[site]}"\n'
                      f'url = "{url}{PATHS.get(site, "")}"\ndelay = 0\n')
    return "\n".join(tables)


def handle(args: argparse.Namespace) -> int:
    """Start the sample sites, write a temporary sources file, ingest, and show the results."""
    from config.sources import load_sources
    from demo.server import serve_sites
    from demo.sites import demo_sites
    from flows.commands.run import print_summary
    from flows.head_start import HeadStart
    from flows.prefect_server import import_flows, prefect_api
    from warehouse.snapshot import snapshot_path

    print("Serving sample union sites on 127.0.0.1 (motions database, two Blogger blogs, two WordPress branch "
          "sites, a news site's RSS and JSON feeds) and ingesting them (about 30 s on first use)...")
    sites = demo_sites(reposts=True)  # a press release and two reposts of it: one story
    with serve_sites(sites) as servers, tempfile.TemporaryDirectory(prefix="unionwatch-demo-") as tmp:
        path = Path(tmp, "sources.toml")
        path.write_text(sources_toml({name: server.url for name, server in servers.items()}), encoding="utf-8")
        sources = load_sources(path)
        # Fetching starts at once; Prefect and its server get ready meanwhile, and the flow takes it over.
        with HeadStart(sources, args.db) as head_start, prefect_api(while_starting=import_flows):
            from flows.ingest import ingest

            summary = ingest(sources, args.db, command="demo", head_start=head_start)
    print_summary(summary, args.db)
    print(f"\nTry these in any DuckDB client (.venv/bin/duckdb -readonly {snapshot_path(args.db)}):")
    for query in TRY_QUERIES:
        print(f"  {query}")
    print("\nRun `unionwatch demo` again: with nothing new on the sites, nothing is added or flagged.")
    return EXIT_OK if summary.ok else EXIT_SOURCE_FAILED
