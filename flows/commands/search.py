"""`unionwatch search`: full-text search over titles and bodies, best matches first."""

from __future__ import annotations

import argparse
import textwrap

from flows.commands.common import EXIT_OK, EXIT_USAGE, add_reader_options, fail, reading

DEFAULT_LIMIT = 10


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `search` subcommand."""
    parser = commands.add_parser(
        "search", help="full-text search over document titles and bodies, ranked",
        description="Rank documents by how well their title and body match the words (BM25, offline; plurals "
                    "match singulars). Reads the published snapshot when there is one. In SQL: "
                    "SELECT * FROM search_documents('words').")
    parser.add_argument("terms", metavar="TERMS", help='the words to look for, e.g. "shared service centre"')
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT, metavar="N",
                        help=f"how many results (default: {DEFAULT_LIMIT})")
    add_reader_options(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Search and print each hit with its score, source, date, URL and a marked snippet."""
    from warehouse.search import search

    if args.limit < 1:
        return fail("--limit must be at least 1", EXIT_USAGE)
    source = reading(args)
    hits = search(source, args.terms, args.limit)
    if not hits:
        print(f"No documents match {args.terms!r}.")
    for rank, hit in enumerate(hits, 1):
        date = hit.published_at.date().isoformat() if hit.published_at else "undated"
        print(f"{rank:>2}. {_printable(hit.title)}  [{hit.score:.2f}]\n    {hit.source_id} · {date} · "
              f"{_printable(hit.url)}")
        print(textwrap.indent(textwrap.fill(_printable(hit.snippet), 100), "    > "))
    return EXIT_OK


def _printable(text: str) -> str:
    """Scraped text with control characters blanked, so it cannot drive the terminal."""
    return "".join(char if char.isprintable() else " " for char in text)
